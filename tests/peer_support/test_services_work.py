import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from activities.enums import MissionKind
from peer_support import services
from peer_support.enums import (
    AccessAction,
    GoalKind,
    GoalStatus,
    MeetingMode,
    PartnerKind,
    ReferralStatus,
    WorkshopKind,
)
from peer_support.models import AccessLog, Goal, GoalProgress, Meeting, Referral
from tests.activities.factories import MissionFactory
from tests.members.factories import ProgrammeFactory, UserFactory
from tests.peer_support.factories import (
    FollowUpFactory,
    GoalFactory,
    MeetingFactory,
    PeerMediatorFactory,
    PeerWorkshopFactory,
    ReferralFactory,
    days_ago,
    lead_user,
)

pytestmark = pytest.mark.django_db


def _actions(followup):
    return list(
        AccessLog.objects.filter(followup=followup)
        .order_by("pk")
        .values_list("action", "record_type")
    )


# --- Goals ----------------------------------------------------------------------------


def test_goal_set_from_the_catalogue_and_in_the_persons_words():
    followup = FollowUpFactory()
    user = followup.mediator.user
    housing = services.goal_set(
        actor=user,
        followup=followup,
        kind=GoalKind.HOUSING,
        set_on=days_ago(10),
        free_text="ignored for a catalogue goal",
    )
    assert (housing.status, housing.status_on, housing.free_text) == (
        GoalStatus.NOT_STARTED,
        days_ago(10),
        "",
    )
    assert housing.progress.get().status == GoalStatus.NOT_STARTED
    free = services.goal_set(
        actor=user,
        followup=followup,
        kind=GoalKind.FREE,
        set_on=days_ago(10),
        free_text=" Reprendre la guitare ",
    )
    assert free.label == "Reprendre la guitare"
    assert housing.label == "Logement"
    with pytest.raises(ValidationError) as error:
        services.goal_set(actor=user, followup=followup, kind=GoalKind.HOUSING, set_on=days_ago(1))
    assert error.value.message_dict == {
        "kind": ["Cet objectif est déjà en cours pour cette personne."]
    }
    with pytest.raises(ValidationError) as error:
        services.goal_set(actor=user, followup=followup, kind=GoalKind.FREE, set_on=days_ago(1))
    assert "free_text" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.goal_set(actor=user, followup=followup, kind=GoalKind.HEALTH, set_on=days_ago(500))
    assert "set_on" in error.value.message_dict
    assert _actions(followup) == [(AccessAction.CREATE, "peer_support.goal")] * 2


def test_goal_progress_sets_the_status_of_the_latest_step():
    goal = GoalFactory(set_on=days_ago(60), status_on=days_ago(60))
    user = goal.followup.mediator.user
    services.goal_progress_record(
        actor=user, goal=goal, status=GoalStatus.IN_PROGRESS, on=days_ago(30), note="Dossier SIAO"
    )
    services.goal_progress_record(actor=user, goal=goal, status=GoalStatus.REACHED, on=days_ago(5))
    # A step recorded late, for an earlier day, joins the history without changing it.
    services.goal_progress_record(
        actor=user, goal=goal, status=GoalStatus.IN_PROGRESS, on=days_ago(20)
    )
    goal.refresh_from_db()
    assert (goal.status, goal.status_on) == (GoalStatus.REACHED, days_ago(5))
    assert list(goal.progress.order_by("on").values_list("status", flat=True)) == [
        GoalStatus.NOT_STARTED,
        GoalStatus.IN_PROGRESS,
        GoalStatus.IN_PROGRESS,
        GoalStatus.REACHED,
    ]
    with pytest.raises(ValidationError) as error:
        services.goal_progress_record(actor=user, goal=goal, status="done", on=days_ago(61))
    assert set(error.value.message_dict) == {"status", "on"}


def test_reopening_a_goal_when_another_of_its_kind_is_open_is_refused():
    reached = GoalFactory(status=GoalStatus.REACHED)
    GoalFactory(followup=reached.followup)
    with pytest.raises(ValidationError) as error:
        services.goal_progress_record(
            actor=reached.followup.mediator.user,
            goal=reached,
            status=GoalStatus.IN_PROGRESS,
            on=days_ago(0),
        )
    assert "status" in error.value.message_dict


def test_goals_of_a_closed_follow_up_or_of_someone_else_cannot_change():
    goal = GoalFactory(followup=FollowUpFactory(closed=True))
    with pytest.raises(PermissionDenied):
        services.goal_progress_record(
            actor=goal.followup.mediator.user, goal=goal, status="reached", on=days_ago(0)
        )
    with pytest.raises(PermissionDenied):
        services.goal_set(
            actor=PeerMediatorFactory().user,
            followup=FollowUpFactory(),
            kind="health",
            set_on=days_ago(0),
        )
    # The lead supervises; the mediators log the work.
    with pytest.raises(PermissionDenied):
        services.goal_set(
            actor=lead_user(), followup=FollowUpFactory(), kind="health", set_on=days_ago(0)
        )


# --- Meetings -------------------------------------------------------------------------


def _meeting(user, followup, **overrides):
    fields = {
        "client_token": uuid.uuid4(),
        "date": days_ago(1),
        "duration_minutes": 45,
        "mode": MeetingMode.HOME_VISIT,
        "note": " On a rangé les papiers de la CAF. ",
        "next_steps": "Déposer le dossier mardi.",
    }
    return services.meeting_log(actor=user, followup=followup, **(fields | overrides))


def test_meeting_logged_once_whatever_the_resends(django_assert_max_num_queries):
    followup = FollowUpFactory()
    goal = GoalFactory(followup=followup)
    user = followup.mediator.user
    token = uuid.uuid4()
    # Savepoint, token look-up, the mediator's member record, savepoint, meeting,
    # release, its goals, the access-log row, release.
    with django_assert_max_num_queries(9):
        meeting, created = _meeting(user, followup, client_token=token, goals=[goal])
    assert created
    assert meeting.led_by == followup.mediator
    assert meeting.note == "On a rangé les papiers de la CAF."
    assert list(meeting.goals.all()) == [goal]
    again, created = _meeting(user, followup, client_token=token, note="autre")
    assert (again, created) == (meeting, False)
    assert Meeting.objects.count() == 1
    assert _actions(followup) == [(AccessAction.CREATE, "peer_support.meeting")]
    # The same token from someone else is refused.
    with pytest.raises(PermissionDenied):
        _meeting(lead_user(), followup, client_token=token)


def test_a_co_mediator_logs_meetings_they_lead():
    colleague = PeerMediatorFactory()
    followup = FollowUpFactory(with_comediator=colleague)
    meeting, _created = _meeting(colleague.user, followup)
    assert meeting.led_by == colleague


def test_meeting_bad_input():
    followup = FollowUpFactory()
    other_goal = GoalFactory()
    with pytest.raises(ValidationError) as error:
        _meeting(
            followup.mediator.user,
            followup,
            date=days_ago(-1),
            duration_minutes=2,
            mode="pigeon",
            goals=[other_goal],
        )
    assert set(error.value.message_dict) == {"date", "duration_minutes", "mode", "goals"}
    with pytest.raises(ValidationError) as error:
        _meeting(followup.mediator.user, followup, date=days_ago(400))
    assert error.value.message_dict["date"][0].startswith("Le suivi a commencé le")
    assert not Meeting.objects.exists()
    with pytest.raises(PermissionDenied):
        _meeting(PeerMediatorFactory().user, followup)
    with pytest.raises(PermissionDenied):
        _meeting(UserFactory(role="coordinator"), followup)


def test_meeting_rectified_names_the_fields_changed():
    meeting = MeetingFactory()
    goal = GoalFactory(followup=meeting.followup)
    user = meeting.followup.mediator.user
    services.meeting_update(
        actor=user, meeting=meeting, note="Note corrigée", mode=meeting.mode, goals=[goal]
    )
    meeting.refresh_from_db()
    assert meeting.note == "Note corrigée"
    log = AccessLog.objects.get()
    assert (log.action, log.record_id, log.fields) == (
        AccessAction.CHANGE,
        meeting.pk,
        "goals,note",
    )
    # After closing, the record can still be rectified.
    services.followup_close(
        actor=user, followup=meeting.followup, closed_on=days_ago(0), outcome="relay"
    )
    services.meeting_update(actor=user, meeting=meeting, duration_minutes=90)
    with pytest.raises(ValidationError):
        services.meeting_update(actor=user, meeting=meeting, date=days_ago(-3))
    with pytest.raises(TypeError):
        services.meeting_update(actor=user, meeting=meeting, followup=FollowUpFactory())


def test_a_meeting_logged_on_the_wrong_person_is_removed_and_the_log_says_so():
    meeting = MeetingFactory()
    followup = meeting.followup
    with pytest.raises(PermissionDenied):
        services.meeting_delete(actor=PeerMediatorFactory().user, meeting=meeting)
    services.meeting_delete(actor=followup.mediator.user, meeting=meeting)
    assert not Meeting.objects.exists()
    log = AccessLog.objects.get()
    assert (log.action, log.record_type, log.record_id, log.followup) == (
        AccessAction.DELETE,
        "peer_support.meeting",
        meeting.pk,
        followup,
    )


# --- Referrals ------------------------------------------------------------------------


def test_referral_sent_then_refused_with_a_reason():
    followup = FollowUpFactory()
    user = followup.mediator.user
    referral = services.referral_send(
        actor=user,
        followup=followup,
        partner_kind=PartnerKind.HOUSING,
        partner_name="SIAO 93",
        consent_given_on=days_ago(4),
        shared_info="Situation d'hébergement, téléphone.",
        sent_on=days_ago(3),
    )
    assert referral.status == ReferralStatus.SENT
    with pytest.raises(ValidationError) as error:
        services.referral_answer(
            actor=user, referral=referral, status=ReferralStatus.REFUSED, answered_on=days_ago(1)
        )
    assert "refusal_reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.referral_answer(
            actor=user, referral=referral, status=ReferralStatus.ACCEPTED, answered_on=days_ago(5)
        )
    assert "answered_on" in error.value.message_dict
    services.referral_answer(
        actor=user,
        referral=referral,
        status=ReferralStatus.REFUSED,
        answered_on=days_ago(1),
        refusal_reason="Hors secteur",
    )
    referral.refresh_from_db()
    assert (referral.status, referral.refusal_reason) == (ReferralStatus.REFUSED, "Hors secteur")
    with pytest.raises(ValidationError):
        services.referral_answer(
            actor=user, referral=referral, status=ReferralStatus.ACCEPTED, answered_on=days_ago(0)
        )
    assert _actions(followup) == [
        (AccessAction.CREATE, "peer_support.referral"),
        (AccessAction.CHANGE, "peer_support.referral"),
    ]


def test_referral_needs_the_persons_consent_first_and_what_was_shared():
    followup = FollowUpFactory()
    with pytest.raises(ValidationError) as error:
        services.referral_send(
            actor=followup.mediator.user,
            followup=followup,
            partner_kind="oracle",
            partner_name=" ",
            consent_given_on=days_ago(1),
            shared_info="",
            sent_on=days_ago(1),
        )
    assert set(error.value.message_dict) == {"partner_kind", "partner_name", "shared_info"}
    with pytest.raises(ValidationError) as error:
        services.referral_send(
            actor=followup.mediator.user,
            followup=followup,
            partner_kind=PartnerKind.EMPLOYMENT_SERVICE,
            partner_name="Mission locale",
            consent_given_on=days_ago(1),
            shared_info="CV",
            sent_on=days_ago(2),
        )
    assert "consent_given_on" in error.value.message_dict
    assert not Referral.objects.exists()


def test_a_partners_answer_may_come_after_closing():
    referral = ReferralFactory(followup=FollowUpFactory(closed=True, closed_on=days_ago(2)))
    services.referral_answer(
        actor=referral.followup.mediator.user,
        referral=referral,
        status=ReferralStatus.ACCEPTED,
        answered_on=days_ago(1),
    )
    assert Referral.objects.get().status == ReferralStatus.ACCEPTED


# --- Workshops ------------------------------------------------------------------------


def test_workshop_created_by_its_facilitator_with_colleagues():
    mediator, colleague = PeerMediatorFactory(), PeerMediatorFactory()
    programme = ProgrammeFactory()
    workshop = services.workshop_create(
        actor=mediator.user,
        kind=WorkshopKind.PEER_TO_PEER,
        title=" Parler de la honte ",
        date=days_ago(-7),
        duration_minutes=120,
        place="Local de Montreuil",
        programme=programme,
        cofacilitators=[colleague, mediator],
        other_participants=2,
    )
    assert workshop.title == "Parler de la honte"
    assert set(workshop.facilitators.all()) == {mediator, colleague}
    with pytest.raises(ValidationError) as error:
        services.workshop_create(
            actor=mediator.user,
            kind=WorkshopKind.PEER_TO_PEER,
            title="",
            place="x" * 201,
            date=days_ago(0),
            duration_minutes=5,
            mission=MissionFactory(),
            other_participants=-1,
        )
    assert set(error.value.message_dict) == {
        "place",
        "title",
        "duration_minutes",
        "mission",
        "other_participants",
    }
    with pytest.raises(PermissionDenied):
        services.workshop_create(
            actor=lead_user(), kind="peer_to_peer", title="x", date=days_ago(0), duration_minutes=60
        )


def test_awareness_session_on_one_of_the_mediators_missions():
    mediator = PeerMediatorFactory()
    mine = MissionFactory(kind=MissionKind.CARE_TEAM_AWARENESS, entrepreneurs=[mediator])
    workshop = services.workshop_create(
        actor=mediator.user,
        kind=WorkshopKind.CARE_TEAM_AWARENESS,
        title="La pair-aidance en service d'addictologie",
        date=days_ago(2),
        duration_minutes=180,
        mission=mine,
        other_participants=14,
    )
    assert workshop.mission == mine
    with pytest.raises(ValidationError) as error:
        services.workshop_create(
            actor=mediator.user,
            kind=WorkshopKind.CARE_TEAM_AWARENESS,
            title="Ailleurs",
            date=days_ago(2),
            duration_minutes=180,
            mission=MissionFactory(kind=MissionKind.CARE_TEAM_AWARENESS),
        )
    assert error.value.message_dict == {"mission": ["Choisissez une de vos missions."]}
    with pytest.raises(ValidationError):
        services.workshop_attendance_set(
            actor=mediator.user, workshop=workshop, followups=[FollowUpFactory(mediator=mediator)]
        )


def test_workshop_update_by_its_facilitators_only():
    mediator = PeerMediatorFactory()
    workshop = PeerWorkshopFactory(facilitators=[mediator])
    colleague = PeerMediatorFactory()
    services.workshop_update(
        actor=mediator.user, workshop=workshop, title="Nouveau thème", cofacilitators=[colleague]
    )
    workshop.refresh_from_db()
    assert workshop.title == "Nouveau thème"
    assert set(workshop.facilitators.all()) == {mediator, colleague}
    with pytest.raises(PermissionDenied):
        services.workshop_update(actor=PeerMediatorFactory().user, workshop=workshop, title="x")
    with pytest.raises(TypeError):
        services.workshop_update(actor=mediator.user, workshop=workshop, kind="other")


def test_attendance_of_the_people_each_facilitator_accompanies():
    first, second = PeerMediatorFactory(), PeerMediatorFactory()
    workshop = PeerWorkshopFactory(facilitators=[first, second])
    mine = [FollowUpFactory(mediator=first), FollowUpFactory(mediator=first)]
    theirs = FollowUpFactory(mediator=second)
    services.workshop_attendance_set(actor=second.user, workshop=workshop, followups=[theirs])
    services.workshop_attendance_set(actor=first.user, workshop=workshop, followups=mine)
    assert workshop.attendances.count() == 3
    # Changing one's own list leaves the other facilitator's people alone.
    services.workshop_attendance_set(actor=first.user, workshop=workshop, followups=mine[:1])
    assert set(workshop.attendances.values_list("followup", flat=True)) == {mine[0].pk, theirs.pk}
    assert _actions(mine[1]) == [
        (AccessAction.CHANGE, "peer_support.peerworkshop"),
        (AccessAction.CHANGE, "peer_support.peerworkshop"),
    ]
    # Someone not accompanied by the actor is refused.
    with pytest.raises(ValidationError):
        services.workshop_attendance_set(actor=first.user, workshop=workshop, followups=[theirs])
    # Reading: each facilitator sees the names of their own people, each read logged.
    seen = services.workshop_read(actor=first.user, workshop=workshop)
    assert [attendance.followup for attendance in seen] == [mine[0]]
    assert AccessLog.objects.filter(action=AccessAction.VIEW).count() == 1
    assert len(services.workshop_read(actor=lead_user(), workshop=workshop)) == 2
    assert type(workshop).objects.with_attendance().get().attendees_count == 2


def test_attendance_only_once_the_workshop_took_place():
    mediator = PeerMediatorFactory()
    workshop = PeerWorkshopFactory(facilitators=[mediator], date=days_ago(-3))
    with pytest.raises(ValidationError):
        services.workshop_attendance_set(
            actor=mediator.user, workshop=workshop, followups=[FollowUpFactory(mediator=mediator)]
        )


def test_no_goal_or_progress_or_meeting_without_its_access_log_row():
    followup = FollowUpFactory()
    user = followup.mediator.user
    goal = services.goal_set(actor=user, followup=followup, kind="health", set_on=days_ago(1))
    services.goal_progress_record(actor=user, goal=goal, status="in_progress", on=days_ago(0))
    _meeting(user, followup)
    logged = set(AccessLog.objects.values_list("record_type", "record_id"))
    assert ("peer_support.goal", goal.pk) in logged
    assert ("peer_support.goalprogress", GoalProgress.objects.latest("pk").pk) in logged
    assert ("peer_support.meeting", Meeting.objects.get().pk) in logged
    assert Goal.objects.count() == 1
