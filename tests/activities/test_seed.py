import datetime
import random
import uuid
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q
from django.utils import timezone
from faker import Faker
from localflavor.fr.forms import FRSIRETField
from PIL import Image

from activities import services
from activities.enums import (
    AudienceKind,
    ExpenseStatus,
    MissionKind,
    MissionStatus,
    SessionStatus,
)
from activities.models import Expense, Mission, Session, SessionAudience, SessionTheme
from activities.seed import seed_activities, tiny_png
from coop.enums import ClientKind
from coop.geo import department_from_postcode
from coop.management.commands import seed as seed_command
from coop.models import Client, ClientContact
from coop.seed import luhn_key, seed_clients, seed_programmes, siret
from members.enums import Role, Stage
from members.models import Member, User
from members.seed import DEMO_LOGINS, seed_members, seed_path
from members.services.people import detect_content_type


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path):
    """The demo writes real receipts: keep them out of the project's media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _seed_all(seed=2026, size="demo", scale=1.0):
    """The seed command's steps, drawing from one rng and one faker."""
    rng, faker = random.Random(seed), Faker("fr_FR")
    faker.seed_instance(seed)
    seed_members(rng=rng, faker=faker, size=size, scale=scale)
    seed_programmes(rng=rng, faker=faker, size=size)
    seed_path(rng=rng, faker=faker, size=size, scale=scale)
    seed_clients(rng=rng, faker=faker, size=size, scale=scale)
    seed_activities(rng=rng, faker=faker, size=size, scale=scale)


def _luhn_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _assert_clients_are_valid():
    sirets = list(Client.objects.exclude(siret="").values_list("siret", flat=True))
    assert len(sirets) == len(set(sirets))
    for number in sirets:
        assert FRSIRETField().clean(number) == number
        assert _luhn_valid(number)
    assert not Client.objects.filter(kind=ClientKind.INDIVIDUAL).exclude(siret="").exists()
    assert not Client.objects.exclude(kind=ClientKind.INDIVIDUAL).filter(siret="").exists()
    for client in Client.objects.all():
        client.full_clean()
    assert not Client.objects.filter(postcode="").exists()
    # Schools and local authorities are public clients (Chorus Pro); private people are not.
    assert Client.objects.filter(kind=ClientKind.LOCAL_AUTHORITY, is_public=False).count() == 0
    assert not Client.objects.filter(kind=ClientKind.INDIVIDUAL, is_public=True).exists()
    assert Client.objects.filter(kind=ClientKind.SCHOOL, is_public=True).exists()
    assert ClientContact.objects.count() >= Client.objects.exclude(kind="individual").count()
    # Each client was in the directory before its first mission.
    assert not Mission.objects.filter(created_at__lt=F("client__created_at")).exists()


def _assert_the_activity_rules_hold():
    """What the services guarantee, for every seeded mission and session."""
    today = timezone.localdate()
    on_mission = Mission.entrepreneurs.through.objects.filter(
        mission=OuterRef("mission"), member=OuterRef("entrepreneur")
    )
    # Each session's entrepreneur is on its mission; nothing is logged ahead of time.
    assert not Session.objects.filter(~Exists(on_mission)).exists()
    assert not Session.objects.filter(date__gt=today).exists()
    assert not Session.objects.filter(logged_at__gt=timezone.now()).exists()
    # Sessions fall within their mission's dates, and within their entrepreneur's path.
    assert not Session.objects.filter(
        Q(date__lt=F("mission__starts_on")) | Q(date__gt=F("mission__ends_on"))
    ).exists()
    paths = dict(
        Member.objects.annotate(first=Min("contracts__start_date")).values_list("pk", "first")
    )
    exits = dict(Member.objects.values_list("pk", "exited_on"))
    firsts = Session.objects.values("entrepreneur").annotate(first=Min("date"), last=Max("date"))
    for row in firsts:
        member = row["entrepreneur"]
        assert paths[member] is not None and paths[member] <= row["first"]
        assert exits[member] is None or row["last"] <= exits[member]
    # Reviews: validated and returned sessions were reviewed by a coordinator after they
    # were logged; returned ones say why; waiting ones are untouched.
    reviewed = Session.objects.exclude(status=SessionStatus.LOGGED)
    assert not reviewed.filter(Q(reviewed_by__isnull=True) | Q(reviewed_at__isnull=True)).exists()
    assert not reviewed.exclude(reviewed_by__role=Role.COORDINATOR).exists()
    assert not reviewed.filter(reviewed_at__lt=F("logged_at")).exists()
    assert not Session.objects.filter(status=SessionStatus.RETURNED, return_reason="").exists()
    assert (
        not Session.objects.filter(status=SessionStatus.LOGGED)
        .filter(Q(reviewed_by__isnull=False) | ~Q(return_reason=""))
        .exists()
    )
    assert (
        not Session.objects.filter(status=SessionStatus.VALIDATED)
        .exclude(return_reason="")
        .exists()
    )
    # Places: the département is the postcode's; remote sessions have no place.
    for postcode, department in (
        Session.objects.filter(is_remote=False).values_list("postcode", "department").distinct()
    ):
        assert len(postcode) == 5 and department == department_from_postcode(postcode)
    assert (
        not Session.objects.filter(is_remote=True)
        .exclude(commune="", postcode="", department="")
        .exists()
    )
    # Audiences and themes: at least one of each per session.
    audiences = SessionAudience.objects.filter(session=OuterRef("pk"))
    themes = SessionTheme.objects.filter(session=OuterRef("pk"))
    assert not Session.objects.filter(~Exists(audiences)).exists()
    assert not Session.objects.filter(~Exists(themes)).exists()
    school_sessions = Session.objects.filter(
        mission__kind=MissionKind.PREVENTION_WORKSHOP, mission__client__kind=ClientKind.SCHOOL
    )
    pupils = audiences.filter(kind=AudienceKind.PUPILS)
    assert not school_sessions.filter(~Exists(pupils)).exists()
    # Mission statuses follow their sessions; open missions have only current members.
    without_sessions = (MissionStatus.PROPOSED, MissionStatus.PLANNED, MissionStatus.REFUSED)
    sessions = Session.objects.filter(mission=OuterRef("pk"))
    assert not Mission.objects.filter(Exists(sessions), status__in=without_sessions).exists()
    assert (
        not Mission.objects.exclude(status__in=without_sessions).filter(~Exists(sessions)).exists()
    )
    assert not Mission.objects.filter(status=MissionStatus.REFUSED, refusal_reason="").exists()
    assert not Mission.objects.open().filter(entrepreneurs__stage=Stage.EXITED).exists()
    assert not Mission.objects.filter(entrepreneurs__isnull=True).exists()
    assert not Mission.objects.filter(themes__isnull=True).exists()
    assert not Mission.objects.filter(agreed_price__lte=0).exists()
    # A proposal comes from an entrepreneur who is on it, for a client they found.
    proposals = Mission.objects.filter(proposed_by__role=Role.ENTREPRENEUR)
    assert proposals.filter(status=MissionStatus.PROPOSED).exists()
    for mission in proposals.select_related("client"):
        assert list(mission.entrepreneurs.values_list("user", flat=True)) == [
            mission.proposed_by_id
        ]
        assert mission.client.created_by_id == mission.proposed_by_id
    assert not Mission.objects.exclude(
        proposed_by__role__in=[Role.ENTREPRENEUR, Role.COORDINATOR]
    ).exists()
    # Expenses: pending until their session is reviewed; returned ones say why.
    assert not Expense.objects.filter(amount__lte=0).exists()
    assert not Expense.objects.filter(status=ExpenseStatus.RETURNED, return_reason="").exists()
    assert (
        not Expense.objects.filter(session__status=SessionStatus.LOGGED)
        .exclude(status=ExpenseStatus.PENDING)
        .exists()
    )
    assert set(Mission.objects.values_list("kind", flat=True)) == set(MissionKind)
    assert set(Mission.objects.values_list("status", flat=True)) == set(MissionStatus) - {
        MissionStatus.INVOICED
    }
    assert set(Session.objects.values_list("status", flat=True)) == set(SessionStatus)


@pytest.mark.django_db
def test_demo_activities_follow_the_rules():
    _seed_all()

    assert 30 <= Client.objects.count() <= 60
    assert Client.objects.values("kind").distinct().count() == len(ClientKind)
    assert 40 <= Mission.objects.count() <= 120
    assert 200 <= Session.objects.count() <= 800
    _assert_clients_are_valid()
    _assert_the_activity_rules_hold()
    # Several sessions wait for a coordinator; a few were sent back.
    assert Session.objects.filter(status=SessionStatus.LOGGED).count() >= 10
    assert Session.objects.filter(status=SessionStatus.RETURNED).count() >= 3
    assert Mission.objects.annotate(n=Count("entrepreneurs")).filter(n=2).exists()


@pytest.mark.django_db
def test_demo_is_what_the_services_write():
    _seed_all()

    # Receipts are real small files of the types the upload accepts.
    with_receipt = Expense.objects.exclude(receipt="")
    assert with_receipt.count() >= 10
    types = set()
    for expense in with_receipt:
        with expense.receipt.open("rb") as receipt:
            content_type = detect_content_type(receipt)
        assert content_type == expense.receipt_content_type
        types.add(content_type)
    assert types == {"image/png", "application/pdf"}
    assert Expense.objects.filter(receipt="").exists()
    # The services wrote the audit trail of missions and sessions.
    from auditlog.models import LogEntry

    assert LogEntry.objects.filter(content_type__model="session").count() >= Session.objects.count()
    # Times are those of the history, not of the seeding.
    oldest = Session.objects.order_by("date").first()
    assert timezone.localdate(oldest.logged_at) - oldest.date < datetime.timedelta(days=11)


@pytest.mark.django_db
def test_demo_entrepreneur_has_a_week_to_show():
    _seed_all()
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    next_sunday = monday + datetime.timedelta(days=13)
    user = User.objects.get(email=DEMO_LOGINS[Role.ENTREPRENEUR])
    member = user.member
    missions = Mission.objects.visible_to(user)

    # Missions running this week and next, one of them starting next week.
    this_week = missions.filter(
        status__in=[MissionStatus.PLANNED, MissionStatus.IN_PROGRESS],
        starts_on__lte=monday + datetime.timedelta(days=6),
        ends_on__gte=monday,
    )
    next_week = missions.filter(
        status__in=[MissionStatus.PLANNED, MissionStatus.IN_PROGRESS],
        starts_on__lte=next_sunday,
        ends_on__gte=monday + datetime.timedelta(days=7),
    )
    assert this_week.count() >= 2
    assert next_week.count() >= 2
    assert next_week.filter(
        status=MissionStatus.PLANNED, starts_on__gte=monday + datetime.timedelta(days=7)
    ).exists()
    # (Counted outside visible_to, whose join keeps only their own line.)
    paired = Mission.objects.filter(pk__in=this_week.values("pk"))
    assert paired.annotate(n=Count("entrepreneurs")).filter(n=2).exists()
    # Sessions: a few waiting for validation, exactly one sent back with its reason.
    sessions = Session.objects.visible_to(user)
    assert sessions.filter(status=SessionStatus.LOGGED).count() >= 2
    returned = sessions.get(status=SessionStatus.RETURNED)
    assert returned.return_reason
    assert sessions.filter(status=SessionStatus.VALIDATED).count() >= 5
    assert Expense.objects.visible_to(user).filter(status=ExpenseStatus.PENDING).exists()
    assert Expense.objects.visible_to(user).exclude(receipt="").count() >= 3
    # A mission they proposed, for a client they found, waits for a coordinator.
    proposed = missions.get(status=MissionStatus.PROPOSED)
    assert proposed.proposed_by == user
    assert proposed.client.created_by == user
    assert proposed.starts_on > today
    # And they can log today's session on a running mission.
    mission = this_week.filter(status=MissionStatus.IN_PROGRESS).first()
    session, created = services.session_log(
        actor=user,
        mission=mission,
        client_token=uuid.uuid4(),
        date=today,
        start_time=datetime.time(8, 0),
        duration_minutes=60,
        is_remote=True,
        commune="",
        postcode="",
        audiences={AudienceKind.PEOPLE_IN_CARE: 3},
        themes=["peer_support"],
        kilometres=Decimal("0"),
        note="",
    )
    assert created and session.entrepreneur == member


@pytest.mark.django_db
def test_seed_is_deterministic():
    def data_of(seed, size, scale):
        with transaction.atomic():
            _seed_all(seed, size=size, scale=scale)
            data = (
                list(
                    Client.objects.order_by("pk").values_list(
                        "name", "siret", "postcode", "created_by__email"
                    )
                ),
                list(
                    Mission.objects.order_by("pk").values_list(
                        "title", "client__name", "status", "starts_on", "ends_on", "agreed_price"
                    )
                ),
                list(
                    Session.objects.order_by("pk").values_list(
                        "client_token",
                        "entrepreneur__last_name",
                        "date",
                        "start_time",
                        "status",
                        "kilometres",
                        "note",
                    )
                ),
                list(SessionAudience.objects.order_by("pk").values_list("kind", "count")),
                list(SessionTheme.objects.order_by("pk").values_list("theme", flat=True)),
                list(Expense.objects.order_by("pk").values_list("amount", "status")),
            )
            transaction.set_rollback(True)
        return data

    demo = data_of(2026, "demo", 1.0)
    assert demo == data_of(2026, "demo", 1.0)
    large = data_of(2026, "large", 0.01)
    assert large == data_of(2026, "large", 0.01)
    assert large[2] != data_of(2027, "large", 0.01)[2]


@pytest.mark.django_db
def test_large_activities_at_reduced_scale_keep_the_rules_and_proportions():
    _seed_all(size="large", scale=0.02)

    # DESIGN.md's scale times 0.02: 5,000 clients, 20,000 missions, about a million
    # sessions with ~1.3 audiences and ~1.5 themes each, and ~200,000 expenses.
    assert 90 <= Client.objects.count() <= 110
    missions, sessions = Mission.objects.count(), Session.objects.count()
    assert missions == 400
    assert 30 * missions <= sessions <= 70 * missions
    assert 1.1 <= SessionAudience.objects.count() / sessions <= 1.5
    assert 1.25 <= SessionTheme.objects.count() / sessions <= 1.8
    assert 0.1 <= Expense.objects.count() / sessions <= 0.3
    # No receipt files at this size.
    assert not Expense.objects.exclude(receipt="").exists()
    # Ten years of history, by people who left as well as by current members.
    oldest = Session.objects.order_by("date").values_list("date", flat=True).first()
    assert (timezone.localdate() - oldest).days > 9 * 365
    assert Session.objects.filter(entrepreneur__stage=Stage.EXITED).exists()
    _assert_clients_are_valid()
    _assert_the_activity_rules_hold()
    # Keys were chosen by the seed: the next session the platform saves gets a fresh one.
    user = User.objects.get(email=DEMO_LOGINS[Role.ENTREPRENEUR])
    mission = Mission.objects.visible_to(user).filter(status=MissionStatus.IN_PROGRESS).first()
    session, _created = services.session_log(
        actor=user,
        mission=mission,
        client_token=uuid.uuid4(),
        date=timezone.localdate(),
        start_time=datetime.time(8, 0),
        duration_minutes=60,
        is_remote=True,
        commune="",
        postcode="",
        audiences={AudienceKind.PEOPLE_IN_CARE: 2},
        themes=[],
        kilometres=Decimal("0"),
        note="",
    )
    assert session.pk > Session.objects.exclude(pk=session.pk).aggregate(m=Max("pk"))["m"]


def test_seed_command_runs_the_activities_after_the_path():
    steps = seed_command.STEPS
    assert steps.index("coop.seed.seed_clients") > steps.index("members.seed.seed_path")
    assert steps.index("activities.seed.seed_activities") > steps.index("coop.seed.seed_clients")


def test_drawn_sirets_pass_both_control_keys():
    rng = random.Random(4)
    taken: set[str] = set()
    for prefix in ("", "19", "21", "22", "26"):
        for _ in range(200):
            number = siret(rng, prefix, taken=taken)
            assert len(number) == 14 and number.startswith(prefix)
            assert _luhn_valid(number) and _luhn_valid(number[:9])
            assert FRSIRETField().clean(number) == number
    assert len(taken) == 1000
    # A published SIRET (SIREN 732 829 320, establishment 00074) gets its key back.
    assert luhn_key("7328293200007") == "4"


def test_receipt_photo_is_a_real_png():
    from io import BytesIO

    content = tiny_png(1234)
    image = Image.open(BytesIO(content))
    image.load()
    assert image.format == "PNG" and image.size == (24, 36)
    assert content != tiny_png(99)
