import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from activities import services
from activities.enums import ExpenseStatus, MissionStatus, SessionStatus
from activities.models import Session
from members.enums import Role
from tests.activities.factories import ClientFactory, MissionFactory, SessionFactory
from tests.members.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def _log(mission, actor, **overrides):
    fields = {
        "actor": actor,
        "mission": mission,
        "client_token": uuid.uuid4(),
        "date": YESTERDAY,
        "start_time": datetime.time(14, 0),
        "duration_minutes": 90,
        "is_remote": False,
        "commune": "Saint-Denis",
        "postcode": "93200",
        "audiences": {"pupils": 24, "professionals": 2},
        "themes": ["alcohol", "screens"],
        "kilometres": Decimal("8.5"),
        "note": "Classe attentive.",
    } | overrides
    return services.session_log(**fields)


def test_logging_a_session_starts_the_mission():
    mission = MissionFactory()
    member = mission.entrepreneurs.get()
    session, created = _log(mission, member.user)
    assert created
    assert session.department == "93"
    assert sorted(a.kind for a in session.audiences.all()) == ["professionals", "pupils"]
    mission.refresh_from_db()
    assert mission.status == MissionStatus.IN_PROGRESS


def test_the_same_form_sent_twice_is_saved_once():
    mission = MissionFactory()
    user = mission.entrepreneurs.get().user
    token = uuid.uuid4()
    first, created = _log(mission, user, client_token=token)
    again, created_again = _log(mission, user, client_token=token)
    assert created and not created_again
    assert first.pk == again.pk
    assert Session.objects.count() == 1


def test_someone_elses_token_is_refused():
    mission = MissionFactory()
    session, _ = _log(mission, mission.entrepreneurs.get().user)
    stranger = MemberFactory(path="cape").user
    with pytest.raises(PermissionDenied):
        _log(mission, stranger, client_token=session.client_token)


def test_only_the_missions_entrepreneurs_log():
    mission = MissionFactory()
    with pytest.raises(PermissionDenied):
        _log(mission, MemberFactory(path="cape").user)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date": timezone.localdate() + datetime.timedelta(days=1)}, "date"),
        ({"postcode": ""}, "postcode"),
        ({"audiences": {"pupils": 0}}, "audiences"),
    ],
)
def test_bad_sessions_are_refused_with_a_reason(overrides, field):
    mission = MissionFactory()
    with pytest.raises(ValidationError) as error:
        _log(mission, mission.entrepreneurs.get().user, **overrides)
    assert field in error.value.message_dict
    assert not Session.objects.exists()


def test_remote_sessions_need_no_place():
    mission = MissionFactory()
    session, _ = _log(mission, mission.entrepreneurs.get().user, is_remote=True, postcode="")
    assert session.department == "" and session.commune == ""


def test_validated_session_is_locked():
    session = SessionFactory()
    coordinator = UserFactory(role=Role.COORDINATOR)
    services.session_validate(actor=coordinator, session=session)
    session.refresh_from_db()
    assert session.status == SessionStatus.VALIDATED and session.reviewed_by == coordinator
    with pytest.raises(ValidationError):
        services.session_correct(
            actor=session.entrepreneur.user,
            session=session,
            audiences={"pupils": 3},
            themes=[],
            date=session.date,
            start_time=session.start_time,
            duration_minutes=60,
            is_remote=True,
        )
    with pytest.raises(ValidationError):
        services.session_return(actor=coordinator, session=session, reason="Erreur")
    assert Session.objects.billable().count() == 1


def test_returned_session_is_corrected_and_goes_back():
    session = SessionFactory()
    coordinator = UserFactory(role=Role.COORDINATOR)
    with pytest.raises(ValidationError):
        services.session_return(actor=coordinator, session=session, reason="  ")
    services.session_return(
        actor=coordinator, session=session, reason="Il manque le nombre d'élèves."
    )
    corrected = services.session_correct(
        actor=session.entrepreneur.user,
        session=session,
        audiences={"pupils": 28},
        themes=["tobacco"],
        date=session.date,
        start_time=session.start_time,
        duration_minutes=120,
        is_remote=False,
        postcode="75019",
        commune="Paris",
    )
    assert corrected.status == SessionStatus.LOGGED and corrected.return_reason == ""
    assert corrected.department == "75"


@pytest.mark.parametrize("role", [r for r in Role if r != Role.COORDINATOR])
def test_only_coordinators_review(role):
    session = SessionFactory()
    with pytest.raises(PermissionDenied):
        services.session_validate(actor=UserFactory(role=role), session=session)


def test_entrepreneur_proposal_waits_for_a_coordinator():
    member = MemberFactory(path="cape")
    mission = services.mission_create(
        actor=member.user,
        entrepreneurs=[],
        themes=["gambling"],
        client=ClientFactory(created_by=member.user),
        title="Jeux d'argent : atelier pour un club de sport",
        kind="prevention_workshop",
        starts_on=timezone.localdate(),
        agreed_price=Decimal("450.00"),
    )
    assert mission.status == MissionStatus.PROPOSED
    assert list(mission.entrepreneurs.all()) == [member]
    with pytest.raises(ValidationError):
        _log(mission, member.user)  # not yet validated
    coordinator = UserFactory(role=Role.COORDINATOR)
    services.mission_accept(actor=coordinator, mission=mission)
    _log(mission, member.user)


def test_mission_moves_follow_the_order():
    mission = MissionFactory()
    coordinator = UserFactory(role=Role.COORDINATOR)
    with pytest.raises(ValidationError) as error:
        services.mission_move(actor=coordinator, mission=mission, status=MissionStatus.INVOICED)
    assert "ne peut pas passer" in error.value.messages[0]
    services.mission_move(actor=coordinator, mission=mission, status=MissionStatus.IN_PROGRESS)
    services.mission_move(actor=coordinator, mission=mission, status=MissionStatus.DELIVERED)
    with pytest.raises(ValidationError):
        _log(mission, mission.entrepreneurs.get().user)


def test_expense_review():
    session = SessionFactory()
    expense = services.expense_add(
        actor=session.entrepreneur.user, session=session, kind="meals", amount=Decimal("12.40")
    )
    coordinator = UserFactory(role=Role.COORDINATOR)
    with pytest.raises(ValidationError):
        services.expense_review(actor=coordinator, expense=expense, status=ExpenseStatus.RETURNED)
    services.expense_review(actor=coordinator, expense=expense, status=ExpenseStatus.VALIDATED)
    with pytest.raises(ValidationError):
        services.expense_review(actor=coordinator, expense=expense, status=ExpenseStatus.VALIDATED)


def test_calendar_feed_secret_is_renewed_and_revoked():
    user = MemberFactory(path="cape").user
    first = services.calendar_feed_renew(user=user)
    assert services.calendar_feed_owner(first) == user
    second = services.calendar_feed_renew(user=user)
    assert services.calendar_feed_owner(first) is None
    assert services.calendar_feed_owner(second) == user
    services.calendar_feed_revoke(user=user)
    assert services.calendar_feed_owner(second) is None


def test_a_refused_proposal_leaves_no_new_client():
    from coop.models import Client

    member = MemberFactory(path="cape")
    new_client = {"name": "Club de boxe de Bobigny", "kind": "association", "postcode": "93000"}
    with pytest.raises(ValidationError):
        services.mission_propose(
            actor=member.user,
            client=None,
            new_client=new_client,
            themes=["gambling"],
            title="Atelier jeux d'argent",
            kind="prevention_workshop",
            starts_on=timezone.localdate(),
            agreed_price=Decimal("-1"),
        )
    assert not Client.objects.filter(name="Club de boxe de Bobigny").exists()
    with pytest.raises(services.NewClientRefused):
        services.mission_propose(
            actor=member.user,
            client=None,
            new_client=new_client | {"postcode": "930"},
            themes=[],
            title="Atelier jeux d'argent",
            kind="prevention_workshop",
            starts_on=timezone.localdate(),
            agreed_price=Decimal("100"),
        )
    mission = services.mission_propose(
        actor=member.user,
        client=None,
        new_client=new_client,
        themes=[],
        title="Atelier jeux d'argent",
        kind="prevention_workshop",
        starts_on=timezone.localdate(),
        agreed_price=Decimal("100"),
    )
    assert mission.status == MissionStatus.PROPOSED
    assert mission.client.created_by == member.user
