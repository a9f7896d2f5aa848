import datetime
import random
import uuid

import pytest
from django.db import transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q
from django.utils import timezone
from faker import Faker

from activities.seed import seed_activities
from coop.management.commands import seed as seed_command
from coop.seed import seed_clients, seed_programmes
from members.enums import Role, Stage
from members.models import User
from members.seed import DEMO_LOGINS, seed_members, seed_path
from peer_support import services
from peer_support.enums import (
    AccessAction,
    Checkpoint,
    ConsentScope,
    ErasureReason,
    GoalStatus,
    ReferralStatus,
    WorkshopKind,
)
from peer_support.models import (
    AccessLog,
    Consent,
    FollowUp,
    Goal,
    GoalProgress,
    Meeting,
    PeerWorkshop,
    Referral,
    Situation,
    WorkshopAttendance,
)
from peer_support.seed import seed_peer_support


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path):
    """The activities demo writes real receipts: keep them out of the media folder."""
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
    seed_peer_support(rng=rng, faker=faker, size=size, scale=scale)


def _assert_the_rules_hold():
    """What the services guarantee, for every seeded follow-up."""
    today = timezone.localdate()
    followups = FollowUp.objects.all()
    # Mediators are peer mediators on their path when they open a follow-up.
    assert not followups.exclude(mediator__is_peer_mediator=True).exists()
    assert not followups.filter(mediator__user__isnull=True).exists()
    firsts = dict(
        FollowUp.objects.values("mediator")
        .annotate(first=Min("opened_on"))
        .values_list("mediator", "first")
    )
    starts = dict(
        FollowUp.objects.values("mediator")
        .annotate(start=Min("mediator__contracts__start_date"))
        .values_list("mediator", "start")
    )
    assert all(starts[member] <= first for member, first in firsts.items())
    # Dates in order, nothing in the future.
    assert not followups.filter(opened_on__gt=today).exists()
    assert not followups.filter(closed_on__gt=today).exists()
    assert not Meeting.objects.filter(date__gt=today).exists()
    assert not Meeting.objects.filter(date__lt=F("followup__opened_on")).exists()
    assert not Meeting.objects.filter(date__gt=F("followup__closed_on")).exists()
    assert not Goal.objects.filter(set_on__lt=F("followup__opened_on")).exists()
    assert not GoalProgress.objects.filter(on__lt=F("goal__set_on")).exists()
    assert not Referral.objects.filter(sent_on__lt=F("followup__opened_on")).exists()
    assert not Referral.objects.filter(consent_given_on__gt=F("sent_on")).exists()
    # Every follow-up has its processing consent and its situation at entry.
    processing = Consent.objects.filter(followup=OuterRef("pk"), scope=ConsentScope.PROCESSING)
    entry = Situation.objects.filter(followup=OuterRef("pk"), checkpoint=Checkpoint.ENTRY)
    assert not followups.filter(~Exists(processing)).exists()
    assert not followups.filter(~Exists(entry)).exists()
    assert not Situation.objects.filter(
        ~Q(checkpoint=Checkpoint.ENTRY), followup__closed_on__isnull=True
    ).exists()
    # A goal's status is the one of its latest step.
    for goal in Goal.objects.annotate(last=Max("progress__on")):
        assert goal.last == goal.status_on
    # A meeting is led by the main mediator or a co-mediator, who logged it.
    assert not Meeting.objects.exclude(logged_by=F("led_by__user")).exists()
    led_by_other = Meeting.objects.exclude(led_by=F("followup__mediator"))
    assert not led_by_other.exclude(followup__comediations__member=F("led_by")).exists()
    # Workshops: attendance of people followed by a facilitator on that day.
    for attendance in WorkshopAttendance.objects.select_related("workshop", "followup"):
        workshop, followup = attendance.workshop, attendance.followup
        assert workshop.kind == WorkshopKind.PEER_TO_PEER
        assert followup.opened_on <= workshop.date <= (followup.closed_on or today)
    # Erased and anonymised follow-ups keep no identity nor free text, and say so.
    erased = followups.erased()
    assert not erased.exclude(pseudonym="").exists()
    assert not Meeting.objects.filter(followup__in=erased).exclude(note="", next_steps="").exists()
    assert not Referral.objects.filter(followup__in=erased).exclude(shared_info="").exists()
    for followup in erased:
        action = (
            AccessAction.ANONYMISE
            if followup.erasure_reason == ErasureReason.RETENTION
            else AccessAction.ERASE
        )
        assert AccessLog.objects.filter(followup=followup, action=action).count() == 1
    # Every follow-up and meeting has its creation in the access log.
    created = AccessLog.objects.filter(action=AccessAction.CREATE)
    assert created.filter(record_type="peer_support.followup").count() == followups.count()
    assert created.filter(record_type="peer_support.meeting").count() == Meeting.objects.count()


@pytest.mark.django_db
def test_demo_peer_support_follows_the_rules():
    _seed_all()

    assert 14 <= FollowUp.objects.count() <= 16
    assert 60 <= Meeting.objects.count() <= 250
    _assert_the_rules_hold()
    demo = User.objects.get(email=DEMO_LOGINS[Role.ENTREPRENEUR])
    mine = FollowUp.objects.visible_to(demo)
    # The demo entrepreneur: nine people, one shared with a colleague, one of a
    # colleague's shared with them.
    assert mine.filter(mediator__user=demo).count() == 9
    assert mine.exclude(mediator__user=demo).count() == 1
    assert mine.filter(mediator__user=demo, comediations__isnull=False).count() == 1
    assert mine.open().count() >= 6
    # Something to do: a later situation due, a referral waiting for its reminder.
    today = timezone.localdate()
    assert mine.later_situation_due(today=today, checkpoint=Checkpoint.DAY_28).exists()
    assert mine.later_situation_due(today=today, checkpoint=Checkpoint.MONTH_6).exists()
    waiting = Referral.objects.visible_to(demo).reminder_due(today=today)
    assert waiting.filter(sent_on=today - datetime.timedelta(days=20)).count() == 1
    # Workshops: past ones with attendance, one coming, an awareness session.
    workshops = PeerWorkshop.objects.visible_to(demo)
    assert workshops.filter(date__gt=today).count() == 1
    assert workshops.filter(kind=WorkshopKind.CARE_TEAM_AWARENESS).count() == 1
    assert WorkshopAttendance.objects.filter(workshop__in=workshops).count() >= 6
    # The lead sees everything, one follow-up erased on request, the access log.
    lead = User.objects.get(email=DEMO_LOGINS[Role.PEER_SUPPORT_LEAD])
    assert FollowUp.objects.visible_to(lead).count() == FollowUp.objects.count()
    erased = FollowUp.objects.get(erased_at__isnull=False)
    assert erased.erasure_reason == ErasureReason.PERSON_REQUEST
    assert AccessLog.objects.visible_to(lead).count() > 100
    # Nobody else sees a follow-up.
    for role in (Role.COORDINATOR, Role.ADMINISTRATOR, Role.RESEARCHER, Role.FUNDER):
        assert not FollowUp.objects.visible_to(User.objects.get(email=DEMO_LOGINS[role])).exists()
    # Research consents: most people, not all; a person left out is left out.
    assert 0 < FollowUp.objects.for_research().count() < FollowUp.objects.count()
    # The reminder task reminds of what waits, once.
    due = Referral.objects.reminder_due(today=today).count()
    assert services.referral_remind_due() == due
    assert services.referral_remind_due() == 0


@pytest.mark.django_db
def test_demo_is_what_the_services_write():
    _seed_all()
    # Times are those of the history, not of the seeding.
    oldest = Meeting.objects.order_by("date").first()
    assert timezone.localdate(oldest.logged_at) == oldest.date
    opened = FollowUp.objects.order_by("opened_on").first()
    assert timezone.localdate(opened.created_at) == opened.opened_on
    # The demo mediator can log a meeting now, and the list counts it.
    demo = User.objects.get(email=DEMO_LOGINS[Role.ENTREPRENEUR])
    followup = FollowUp.objects.visible_to(demo).open().first()
    meeting, created = services.meeting_log(
        actor=demo,
        followup=followup,
        client_token=uuid.uuid4(),
        date=timezone.localdate(),
        duration_minutes=30,
        mode="phone",
    )
    assert created
    row = FollowUp.objects.for_list().get(pk=followup.pk)
    assert row.last_meeting_on == timezone.localdate()


@pytest.mark.django_db
def test_seed_is_deterministic():
    def data_of(seed, size, scale):
        with transaction.atomic():
            _seed_all(seed, size=size, scale=scale)
            data = (
                list(
                    FollowUp.objects.order_by("pk").values_list(
                        "pseudonym", "mediator__last_name", "opened_on", "closed_on", "outcome"
                    )
                ),
                list(
                    Meeting.objects.order_by("pk").values_list(
                        "client_token", "date", "mode", "note", "next_steps"
                    )
                ),
                list(Goal.objects.order_by("pk").values_list("kind", "free_text", "status")),
                list(Referral.objects.order_by("pk").values_list("partner_name", "status")),
                list(PeerWorkshop.objects.order_by("pk").values_list("title", "date")),
                # Keys differ on PostgreSQL (sequences are not rolled back): compare names.
                list(
                    WorkshopAttendance.objects.order_by("pk").values_list(
                        "workshop__title", "followup__pseudonym"
                    )
                ),
            )
            transaction.set_rollback(True)
        return data

    demo = data_of(2026, "demo", 1.0)
    assert demo == data_of(2026, "demo", 1.0)
    large = data_of(2026, "large", 0.002)
    assert large == data_of(2026, "large", 0.002)
    assert large[1] != data_of(2027, "large", 0.002)[1]


@pytest.mark.django_db
def test_large_at_reduced_scale_keeps_the_rules_and_proportions():
    _seed_all(size="large", scale=0.01)

    # DESIGN.md's 50,000 people times 0.01.
    followups = FollowUp.objects.count()
    assert followups == 500
    meetings = Meeting.objects.count()
    assert 5 * followups <= meetings <= 20 * followups
    assert 1.5 <= Goal.objects.count() / followups <= 3.5
    assert 0.5 <= Referral.objects.count() / followups <= 1.2
    _assert_the_rules_hold()
    # What closed more than two years ago is anonymised, as the daily task would have.
    today = timezone.localdate()
    assert not FollowUp.objects.retention_due(today=today, years=2).exists()
    assert services.followups_anonymise_expired() == 0
    assert FollowUp.objects.filter(erasure_reason=ErasureReason.RETENTION).exists()
    # History over years, a caseload for every mediator, workshops with attendance.
    oldest = FollowUp.objects.aggregate(first=Min("opened_on"))["first"]
    assert (today - oldest).days > 3 * 365
    assert FollowUp.objects.open().exists()
    assert PeerWorkshop.objects.filter(attendances__isnull=False).exists()
    assert Referral.objects.filter(status=ReferralStatus.SENT, reminders_sent__gt=0).exists()
    assert GoalProgress.objects.filter(status=GoalStatus.REACHED).exists()
    counts = FollowUp.objects.values("mediator").annotate(n=Count("pk"))
    assert counts.count() > 1
    # The mediators still in the cooperative are the ones with follow-ups.
    assert not FollowUp.objects.filter(mediator__stage=Stage.EXITED).exists()
    # The next meeting the platform saves goes in after the seeded ones.
    followup = FollowUp.objects.open().select_related("mediator__user").first()
    meeting, _created = services.meeting_log(
        actor=followup.mediator.user,
        followup=followup,
        client_token=uuid.uuid4(),
        date=today,
        duration_minutes=30,
        mode="phone",
    )
    assert meeting.pk > Meeting.objects.exclude(pk=meeting.pk).aggregate(m=Max("pk"))["m"]


def test_seed_command_runs_peer_support_after_the_path_and_activities():
    steps = seed_command.STEPS
    assert steps.index("peer_support.seed.seed_peer_support") > steps.index(
        "members.seed.seed_path"
    )
    assert steps.index("peer_support.seed.seed_peer_support") > steps.index(
        "activities.seed.seed_activities"
    )
