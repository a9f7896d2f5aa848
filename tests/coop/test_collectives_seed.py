"""The collectives' seed step: the demo club played through the services, the large
size written in bulk, both keeping the rules the services keep."""

import random

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from faker import Faker

from coop import collectives as services
from coop.enums import CollectiveKind, MembershipEventKind
from coop.management.commands import seed as seed_command
from coop.models import (
    CharterAcceptance,
    Collective,
    CollectivePerson,
    DailyAttendance,
    DailyTask,
    Job,
    MembershipEvent,
    ReachOut,
    WorkUnit,
)
from coop.models.clubhouse import clubhouse_figures
from coop.seed import seed_programmes
from coop.seed_collectives import seed_collectives
from members.enums import Role
from members.models import User
from members.seed import DEMO_LOGINS, seed_members, seed_path

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path):
    """The members' step writes real PDFs: keep them out of the project's media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _seed(size="demo", scale=1.0, seed=2026):
    rng = random.Random(seed)
    faker = Faker("fr_FR")
    faker.seed_instance(seed)
    seed_members(rng=rng, faker=faker, size=size, scale=scale)
    seed_programmes(rng=rng, faker=faker, size=size)
    seed_path(rng=rng, faker=faker, size=size, scale=scale)
    seed_collectives(rng=rng, faker=faker, size=size, scale=scale)


def _check_rules():
    """What the services guarantee, checked over the whole data set."""
    if connection.vendor == "postgresql":
        # Fresh bulk inserts have no planner statistics yet (autovacuum would gather
        # them in a real database): without them the joins below take minutes.
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE coop_collectiveperson, coop_dailyattendance, coop_dailytask, "
                "coop_workunit, coop_charteracceptance, coop_charter, coop_job"
            )
    # Every membership starts once: an arrival, or a return that follows a membership
    # that ended on or before it.
    starts = MembershipEvent.objects.filter(
        kind__in=[MembershipEventKind.JOINED, MembershipEventKind.CAME_BACK]
    )
    assert (
        starts.count()
        == CollectivePerson.objects.exclude(collective__kind=CollectiveKind.COOPERATIVE).count()
    )
    for event in MembershipEvent.objects.filter(kind=MembershipEventKind.CAME_BACK).select_related(
        "previous", "person"
    ):
        assert event.previous.left_on is not None and event.previous.left_on <= event.on
        assert event.on == event.person.joined_on
    # A departure for every membership that ended, on its date.
    left = CollectivePerson.objects.filter(left_on__isnull=False)
    assert MembershipEvent.objects.filter(kind=MembershipEventKind.LEFT).count() == left.count()
    # Attendance only on days of membership, on weekdays, never in the future.
    today = timezone.localdate()
    assert not DailyAttendance.objects.filter(
        Q(day__lt=F("person__joined_on")) | Q(day__gt=F("person__left_on"))
    ).exists()
    assert not DailyAttendance.objects.filter(day__gte=today).exists()
    assert all(day.weekday() < 5 for day in DailyAttendance.objects.dates("day", "day"))
    # Tasks in a unit of the collective of the person who came.
    assert not DailyTask.objects.exclude(
        work_unit__collective=F("attendance__person__collective")
    ).exists()
    # Signatures dated after the version came into force and after the person joined.
    assert not CharterAcceptance.objects.filter(
        Q(accepted_on__lt=F("charter__effective_on")) | Q(accepted_on__lt=F("person__joined_on"))
    ).exists()
    assert not Job.objects.filter(ends_on__lt=F("starts_on")).exists()
    assert not Job.objects.filter(ends_on__gt=today).exists()


def test_demo_club():
    _seed()
    cooperative = services.cooperative_collective()
    assert cooperative is not None and services.charter_in_force(cooperative).version == 1
    club = Collective.objects.get(kind=CollectiveKind.PEER_HELP)
    assert club.programme is not None and club.requires_elected_majority
    assert services.charter_in_force(club).version == 2
    assert WorkUnit.objects.filter(collective=club).count() == 6
    people = CollectivePerson.objects.filter(collective=club)
    assert people.count() >= 40
    assert people.filter(left_on__isnull=False).exists()
    assert MembershipEvent.objects.filter(kind=MembershipEventKind.CAME_BACK).exists()
    assert DailyAttendance.objects.count() > 1000
    assert DailyTask.objects.count() > 50
    assert Job.objects.values("kind").distinct().count() >= 2
    assert ReachOut.objects.exists()
    assert services.reach_out_list(club, days=30).count() >= 3
    unsigned = services.people_without_signature(services.charter_in_force(club))
    assert unsigned.count() >= 3
    figures = clubhouse_figures(club, timezone.localdate().replace(day=1), timezone.localdate())
    assert figures.members > 20
    _check_rules()


def test_demo_pages_and_the_demo_entrepreneur(client):
    _seed()
    lead = User.objects.get(email=DEMO_LOGINS[Role.PEER_SUPPORT_LEAD])
    client.force_login(lead)  # the seed set up the lead's two-factor
    club = Collective.objects.get(kind=CollectiveKind.PEER_HELP)
    for name in ["collective_detail", "collective_day", "reach_out_list", "job_list"]:
        assert client.get(reverse(f"coop:{name}", args=[club.pk])).status_code == 200, name
    # The demo entrepreneur is a member who has not signed the version in force yet.
    user = User.objects.get(email=DEMO_LOGINS[Role.ENTREPRENEUR])
    person = CollectivePerson.objects.get(user=user, left_on__isnull=True)
    assert person.member is not None
    client.force_login(user)
    html = client.get(reverse("coop:my_collectives")).content.decode()
    assert "Club Les Passerelles" in html and "Lire et signer la charte" in html
    response = client.post(reverse("coop:my_charter", args=[person.pk]))
    assert response.status_code == 302
    assert CharterAcceptance.objects.filter(person=person, recorded_by=user).exists()


def test_large_at_reduced_scale_keeps_the_rules():
    _seed(size="large", scale=0.05)
    clubs = Collective.objects.filter(kind=CollectiveKind.PEER_HELP).annotate(
        people_count=Count("people")
    )
    assert clubs.count() == 3
    assert all(club.people_count >= 16 for club in clubs)
    assert DailyAttendance.objects.count() > 5000
    assert DailyTask.objects.exists() and ReachOut.objects.exists() and Job.objects.exists()
    first = clubs.order_by("founded_on").first()
    assert (timezone.localdate() - first.founded_on).days > 9 * 365
    _check_rules()


def test_seed_is_deterministic():
    def data_of(seed, size, scale):
        with transaction.atomic():
            _seed(size=size, scale=scale, seed=seed)
            data = (
                list(
                    CollectivePerson.objects.order_by("pk").values_list(
                        "collective__name", "last_name", "phone", "joined_on", "left_on"
                    )
                ),
                list(
                    DailyAttendance.objects.order_by("pk").values_list("person__last_name", "day")
                ),
                list(
                    DailyTask.objects.order_by("pk").values_list("work_unit__name", "description")
                ),
                list(Job.objects.order_by("pk").values_list("kind", "employer", "hours_per_week")),
                list(
                    CharterAcceptance.objects.order_by("pk").values_list(
                        "person__last_name", "accepted_on"
                    )
                ),
            )
            transaction.set_rollback(True)
        return data

    demo = data_of(2026, "demo", 1.0)
    assert demo == data_of(2026, "demo", 1.0)
    large = data_of(2026, "large", 0.03)
    assert large == data_of(2026, "large", 0.03)
    assert large[1] != data_of(2027, "large", 0.03)[1]


def test_the_command_runs_the_collectives_after_the_path():
    steps = seed_command.STEPS
    assert steps.index("coop.seed_collectives.seed_collectives") > steps.index(
        "members.seed.seed_path"
    )
