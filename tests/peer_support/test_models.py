import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from members.enums import Gender
from peer_support.enums import (
    AgeBand,
    Checkpoint,
    ConsentScope,
    ErasureReason,
    GoalKind,
    GoalStatus,
    MeetingMode,
    Outcome,
    ReferralStatus,
    WorkshopKind,
)
from peer_support.models import FollowUp, Goal, Meeting, Referral, Situation
from tests.activities.factories import MissionFactory
from tests.peer_support.factories import (
    FollowUpFactory,
    GoalFactory,
    MeetingFactory,
    PeerWorkshopFactory,
    ReferralFactory,
    days_ago,
)

pytestmark = pytest.mark.django_db


def _refused(queryset, **changes):
    """The database itself refuses this change (a CHECK or UNIQUE constraint)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**changes)


def test_age_band_from_the_year_of_birth():
    assert AgeBand.of(None, 2026) == AgeBand.UNKNOWN
    assert AgeBand.of(2010, 2026) == AgeBand.UNDER_18
    assert AgeBand.of(2008, 2026) == AgeBand.FROM_18_TO_24
    assert AgeBand.of(2002, 2026) == AgeBand.FROM_18_TO_24
    assert AgeBand.of(2001, 2026) == AgeBand.FROM_25_TO_34
    assert AgeBand.of(1972, 2026) == AgeBand.FROM_45_TO_54
    assert AgeBand.of(1962, 2026) == AgeBand.FROM_55_TO_64
    assert AgeBand.of(1961, 2026) == AgeBand.FROM_65


def test_followup_constraints():
    followup = FollowUpFactory()
    rows = FollowUp.objects.filter(pk=followup.pk)
    # Closing needs an outcome, and an outcome needs a closing; never before opening.
    _refused(rows, closed_on=timezone.localdate())
    _refused(rows, outcome=Outcome.MOVED)
    _refused(rows, closed_on=followup.opened_on - datetime.timedelta(days=1), outcome="moved")
    _refused(rows, closed_on=timezone.localdate(), outcome="unknown")
    _refused(rows, arrival_route="by_magic")
    _refused(rows, postcode="9310")
    _refused(rows, birth_year=1850)
    # A follow-up not erased has a name; an erased one has no identity left.
    _refused(rows, pseudonym="")
    _refused(rows, erased_at=timezone.now(), erasure_reason=ErasureReason.PERSON_REQUEST)
    _refused(
        rows,
        erased_at=timezone.now(),
        erasure_reason="",
        pseudonym="",
        birth_year=None,
        commune="",
        postcode="",
    )
    # Retention applies to closed follow-ups only.
    _refused(
        rows,
        erased_at=timezone.now(),
        erasure_reason=ErasureReason.RETENTION,
        pseudonym="",
        birth_year=None,
        commune="",
        postcode="",
    )
    rows.update(
        closed_on=timezone.localdate(),
        outcome=Outcome.MOVED,
        erased_at=timezone.now(),
        erasure_reason=ErasureReason.RETENTION,
        pseudonym="",
        birth_year=None,
        commune="",
        postcode="",
    )
    # Erased, the outcome note cannot come back.
    _refused(rows, outcome_note="Parti à Lyon chez son frère.")


def test_one_consent_in_force_per_scope_withdrawn_after_given():
    followup = FollowUpFactory()
    research = followup.consents.get(scope=ConsentScope.RESEARCH)
    with pytest.raises(IntegrityError), transaction.atomic():
        followup.consents.create(
            scope=ConsentScope.RESEARCH, given_on=days_ago(1), recorded_by=followup.created_by
        )
    _refused(
        type(research).objects.filter(pk=research.pk),
        withdrawn_on=research.given_on - datetime.timedelta(days=1),
    )
    research.withdrawn_on = timezone.localdate()
    research.save()
    followup.consents.create(
        scope=ConsentScope.RESEARCH, given_on=days_ago(0), recorded_by=followup.created_by
    )
    assert followup.consents.in_force().filter(scope=ConsentScope.RESEARCH).count() == 1


def test_one_situation_per_checkpoint():
    followup = FollowUpFactory()
    entry = followup.situations.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Situation.objects.create(
            followup=followup,
            checkpoint=Checkpoint.ENTRY,
            recorded_on=days_ago(1),
            housing=entry.housing,
            resource=entry.resource,
            care_follow_up=entry.care_follow_up,
            recorded_by=followup.created_by,
        )
    _refused(Situation.objects.filter(pk=entry.pk), housing="castle")


def test_goal_constraints():
    goal = GoalFactory()
    rows = Goal.objects.filter(pk=goal.pk)
    _refused(rows, free_text="Trouver un studio")
    _refused(rows, status="finished")
    _refused(rows, status_on=goal.set_on - datetime.timedelta(days=1))
    # One open goal of a catalogue kind at a time; free goals as many as wanted.
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalFactory(followup=goal.followup, kind=GoalKind.HOUSING)
    GoalFactory(followup=goal.followup, kind=GoalKind.HOUSING, status=GoalStatus.REACHED)
    GoalFactory(followup=goal.followup, free=True)
    GoalFactory(followup=goal.followup, free=True, free_text="Reprendre le dessin")
    assert goal.followup.goals.count() == 4


def test_meeting_constraints():
    meeting = MeetingFactory()
    rows = Meeting.objects.filter(pk=meeting.pk)
    _refused(rows, duration_minutes=2)
    _refused(rows, duration_minutes=600)
    _refused(rows, mode="carrier_pigeon")
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingFactory(followup=meeting.followup, client_token=meeting.client_token)


def test_referral_constraints():
    referral = ReferralFactory()
    rows = Referral.objects.filter(pk=referral.pk)
    # An answer is dated, not before sending; a sent referral has no answer date.
    _refused(rows, status=ReferralStatus.ACCEPTED)
    _refused(rows, answered_on=timezone.localdate())
    _refused(
        rows,
        status=ReferralStatus.ACCEPTED,
        answered_on=referral.sent_on - datetime.timedelta(days=1),
    )
    _refused(rows, consent_given_on=referral.sent_on + datetime.timedelta(days=1))
    _refused(rows, reminders_sent=4)
    _refused(rows, partner_kind="oracle")
    rows.update(status=ReferralStatus.REFUSED, answered_on=referral.sent_on)


def test_workshop_mission_only_for_awareness_sessions():
    workshop = PeerWorkshopFactory()
    mission = MissionFactory()
    _refused(type(workshop).objects.filter(pk=workshop.pk), mission=mission)
    type(workshop).objects.filter(pk=workshop.pk).update(
        kind=WorkshopKind.CARE_TEAM_AWARENESS, mission=mission
    )
    _refused(type(workshop).objects.filter(pk=workshop.pk), duration_minutes=5)


def test_str_never_shows_the_name():
    followup = FollowUpFactory(pseudonym="Mireille")
    for text in (str(followup), followup.reference, str(followup.consents.first())):
        assert "Mireille" not in text
    assert followup.display_name == "Mireille"
    erased = FollowUpFactory(erased=True)
    assert str(erased.pk) in erased.display_name


def test_counts_of_people_new_and_closed_in_one_query(django_assert_num_queries):
    start, end = days_ago(60), days_ago(1)
    FollowUpFactory(opened_on=days_ago(200))  # running through the period
    FollowUpFactory(opened_on=days_ago(30))  # new in the period
    FollowUpFactory(opened_on=days_ago(200), closed=True, closed_on=days_ago(10))  # closed in it
    FollowUpFactory(opened_on=days_ago(300), closed=True, closed_on=days_ago(100))  # before
    FollowUpFactory(opened_on=days_ago(0))  # after
    with django_assert_num_queries(1):
        counts = FollowUp.objects.counts(start=start, end=end)
    assert counts == {"accompanied": 3, "opened": 1, "closed": 1}
    assert FollowUp.objects.accompanied_between(start, end).count() == 3
    assert FollowUp.objects.opened_between(start, end).count() == 1
    assert FollowUp.objects.closed_between(start, end).count() == 1


def test_count_by_groups_in_the_database_on_non_identifying_columns(
    django_assert_num_queries,
):
    FollowUpFactory(gender=Gender.WOMAN)
    FollowUpFactory(gender=Gender.WOMAN)
    FollowUpFactory(gender=Gender.MAN, postcode="75011", department="75")
    with django_assert_num_queries(1):
        assert FollowUp.objects.count_by("gender") == {"woman": 2, "man": 1}
    assert FollowUp.objects.count_by("department") == {"93": 2, "75": 1}
    for field in ("pseudonym", "commune", "postcode", "birth_year", "outcome_note"):
        with pytest.raises(ValueError):
            FollowUp.objects.count_by(field)


def test_meetings_by_mode_and_goals_reached_by_kind(django_assert_num_queries):
    first, second = FollowUpFactory(), FollowUpFactory()
    MeetingFactory(followup=first, mode=MeetingMode.PHONE)
    MeetingFactory(followup=first, mode=MeetingMode.PHONE)
    MeetingFactory(followup=second, mode=MeetingMode.PHONE)
    MeetingFactory(followup=second, mode=MeetingMode.HOME_VISIT)
    GoalFactory(followup=first, status=GoalStatus.REACHED)
    GoalFactory(followup=first, kind=GoalKind.SOCIAL_LIFE, status=GoalStatus.REACHED)
    GoalFactory(followup=second, status=GoalStatus.REACHED)
    GoalFactory(followup=second, kind=GoalKind.HEALTH)
    with django_assert_num_queries(1):
        modes = Meeting.objects.count_by_mode()
    assert modes == {
        "phone": {"meetings": 3, "people": 2},
        "home_visit": {"meetings": 1, "people": 1},
    }
    with django_assert_num_queries(1):
        reached = Goal.objects.reached_by_kind()
    assert reached == {
        "housing": {"goals": 2, "people": 2},
        "social_life": {"goals": 1, "people": 1},
    }


def test_for_research_leaves_out_no_consent_and_withdrawn_consent():
    consenting = FollowUpFactory()
    FollowUpFactory(research_consent=False)
    withdrawn = FollowUpFactory()
    withdrawn.consents.filter(scope=ConsentScope.RESEARCH).update(withdrawn_on=days_ago(0))
    erased_but_consenting = FollowUpFactory(erased=True)
    assert set(FollowUp.objects.for_research()) == {consenting, erased_but_consenting}
    MeetingFactory(followup=consenting)
    MeetingFactory(followup=withdrawn)
    assert Meeting.objects.for_research().count() == 1
    assert Meeting.objects.for_research().count_by_mode() == {
        "premises": {"meetings": 1, "people": 1}
    }


def test_retention_due_after_the_years_given():
    today = timezone.localdate()
    old = FollowUpFactory(
        opened_on=days_ago(1000), closed=True, closed_on=today.replace(year=today.year - 2)
    )
    FollowUpFactory(
        opened_on=days_ago(1000),
        closed=True,
        closed_on=today.replace(year=today.year - 2) + datetime.timedelta(days=1),
    )
    FollowUpFactory(opened_on=days_ago(1000))  # open: never due
    FollowUpFactory(erased=True, opened_on=days_ago(2000), closed_on=days_ago(1500))
    assert list(FollowUp.objects.retention_due(today=today, years=2)) == [old]
    assert FollowUp.objects.retention_due(today=today, years=5).count() == 0


def test_later_situations_due():
    closed_long_ago = FollowUpFactory(opened_on=days_ago(400), closed=True, closed_on=days_ago(200))
    closed_a_month_ago = FollowUpFactory(closed=True, closed_on=days_ago(25))
    FollowUpFactory(closed=True, closed_on=days_ago(3))
    FollowUpFactory()
    today = timezone.localdate()
    day_28 = FollowUp.objects.later_situation_due(today=today, checkpoint=Checkpoint.DAY_28)
    assert set(day_28) == {closed_long_ago, closed_a_month_ago}
    month_6 = FollowUp.objects.later_situation_due(today=today, checkpoint=Checkpoint.MONTH_6)
    assert list(month_6) == [closed_long_ago]
    Situation.objects.create(
        followup=closed_long_ago,
        checkpoint=Checkpoint.MONTH_6,
        recorded_on=days_ago(10),
        housing="stable",
        resource="rsa",
        care_follow_up="addiction",
        recorded_by=closed_long_ago.created_by,
    )
    assert not FollowUp.objects.later_situation_due(today=today, checkpoint=Checkpoint.MONTH_6)
    assert closed_a_month_ago.later_situation_opens_on(Checkpoint.DAY_28) == days_ago(4)


def test_list_figures_in_one_query(django_assert_num_queries):
    followup = FollowUpFactory()
    MeetingFactory(followup=followup, date=days_ago(9))
    MeetingFactory(followup=followup, date=days_ago(2))
    GoalFactory(followup=followup)
    GoalFactory(followup=followup, kind=GoalKind.HEALTH, status=GoalStatus.REACHED)
    ReferralFactory(followup=followup)
    ReferralFactory(followup=followup, status=ReferralStatus.ACCEPTED, answered_on=days_ago(1))
    FollowUpFactory()
    with django_assert_num_queries(1):
        rows = list(FollowUp.objects.for_list())
        first = next(row for row in rows if row.pk == followup.pk)
        assert first.mediator.user_id and first.programme is None
    assert first.last_meeting_on == days_ago(2)
    assert (first.meetings_count, first.open_goals_count, first.waiting_referrals_count) == (
        2,
        1,
        1,
    )
    other = next(row for row in rows if row.pk != followup.pk)
    assert (other.last_meeting_on, other.meetings_count, other.open_goals_count) == (None, 0, 0)
