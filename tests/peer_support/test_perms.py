import pytest

from members.enums import Role, Stage
from members.models import Member
from peer_support import perms
from peer_support.enums import AccessAction
from peer_support.models import (
    AccessLog,
    CoMediator,
    Consent,
    FollowUp,
    Goal,
    GoalProgress,
    Meeting,
    PeerWorkshop,
    Referral,
    Situation,
    WorkshopAttendance,
    WorkshopFacilitator,
)
from peer_support.services import access_log_write
from tests.members.factories import UserFactory
from tests.peer_support.factories import (
    FollowUpFactory,
    GoalFactory,
    MeetingFactory,
    PeerMediatorFactory,
    PeerWorkshopFactory,
    ReferralFactory,
    lead_user,
)

pytestmark = pytest.mark.django_db

# Every model holding a part of someone's follow-up, reached through visible_to.
FOLLOWUP_PARTS = (
    CoMediator,
    Consent,
    Situation,
    Goal,
    GoalProgress,
    Meeting,
    Referral,
    WorkshopAttendance,
)
NO_ACCESS_ROLES = [
    Role.ADMINISTRATOR,
    Role.COORDINATOR,
    Role.ACCOUNTANT,
    Role.FUNDER,
    Role.RESEARCHER,
]


@pytest.fixture
def world():
    """Two mediators each with a person; the second person has the first mediator's
    colleague as co-mediator; an erased follow-up; a workshop both people attended."""
    first, second, colleague = PeerMediatorFactory(), PeerMediatorFactory(), PeerMediatorFactory()
    mine = FollowUpFactory(mediator=first)
    theirs = FollowUpFactory(mediator=second, with_comediator=colleague)
    erased = FollowUpFactory(mediator=first, erased=True)
    for followup in (mine, theirs):
        goal = GoalFactory(followup=followup)
        MeetingFactory(followup=followup, goals=[goal])
        ReferralFactory(followup=followup)
    workshop = PeerWorkshopFactory(facilitators=[first])
    for followup in (mine, theirs):
        workshop.attendances.create(followup=followup, recorded_by=first.user)
    return {
        "first": first,
        "second": second,
        "colleague": colleague,
        "mine": mine,
        "theirs": theirs,
        "erased": erased,
        "workshop": workshop,
    }


def _visible(model, user) -> set[int]:
    return set(model.objects.visible_to(user).values_list("pk", flat=True))


def _parts_of(model, followups) -> set[int]:
    lookup = "goal__followup__in" if model is GoalProgress else "followup__in"
    return set(model.objects.filter(**{lookup: followups}).values_list("pk", flat=True))


def test_a_mediator_sees_only_the_people_they_accompany(world):
    first = world["first"].user
    assert _visible(FollowUp, first) == {world["mine"].pk}
    for model in FOLLOWUP_PARTS:
        assert _visible(model, first) == _parts_of(model, [world["mine"]]), model


def test_a_co_mediator_sees_the_person_too(world):
    colleague = world["colleague"].user
    assert _visible(FollowUp, colleague) == {world["theirs"].pk}
    for model in FOLLOWUP_PARTS:
        assert _visible(model, colleague) == _parts_of(model, [world["theirs"]]), model
    # As main mediator, the second mediator sees it as well.
    assert _visible(FollowUp, world["second"].user) == {world["theirs"].pk}


def test_the_lead_sees_every_follow_up_erased_ones_as_shells(world):
    lead = lead_user()
    everything = {world["mine"].pk, world["theirs"].pk, world["erased"].pk}
    assert _visible(FollowUp, lead) == everything
    for model in FOLLOWUP_PARTS:
        assert _visible(model, lead) == _parts_of(model, FollowUp.objects.all()), model
    assert _visible(PeerWorkshop, lead) == {world["workshop"].pk}


@pytest.mark.parametrize("role", NO_ACCESS_ROLES)
def test_other_roles_see_no_follow_up_at_all(world, role):
    user = UserFactory(role=role)
    for model in (FollowUp, *FOLLOWUP_PARTS, PeerWorkshop, WorkshopFacilitator, AccessLog):
        assert not model.objects.visible_to(user).exists(), model


def test_an_entrepreneur_who_is_not_a_peer_mediator_sees_nothing(world):
    # Even as the recorded mediator, once no longer flagged peer mediator.
    Member.objects.filter(pk=world["first"].pk).update(is_peer_mediator=False)
    first = UserFactory._meta.model.objects.get(pk=world["first"].user_id)
    assert not FollowUp.objects.visible_to(first).exists()
    assert not PeerWorkshop.objects.visible_to(first).exists()
    assert not first.has_perm("peer_support.view_followups")
    plain = UserFactory(role=Role.ENTREPRENEUR)
    assert not FollowUp.objects.visible_to(plain).exists()


def test_a_mediator_who_left_the_cooperative_sees_nothing(world):
    Member.objects.filter(pk=world["colleague"].pk).update(
        stage=Stage.EXITED, exited_on=world["theirs"].opened_on, exit_reason="employment"
    )
    colleague = UserFactory._meta.model.objects.get(pk=world["colleague"].user_id)
    assert not FollowUp.objects.visible_to(colleague).exists()
    assert perms.peer_mediator_member(colleague) is None


def test_inactive_accounts_and_anonymous_users_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    lead = lead_user(is_active=False)
    first = world["first"].user
    first.is_active = False
    for user in (lead, first, AnonymousUser()):
        assert not FollowUp.objects.visible_to(user).exists()
        assert not AccessLog.objects.visible_to(user).exists()
        assert not PeerWorkshop.objects.visible_to(user).exists()


def test_workshops_are_seen_by_their_facilitators_and_the_lead(world):
    assert _visible(PeerWorkshop, world["first"].user) == {world["workshop"].pk}
    assert not _visible(PeerWorkshop, world["second"].user)
    assert _visible(WorkshopFacilitator, world["first"].user) == set(
        world["workshop"].facilitations.values_list("pk", flat=True)
    )


def test_only_the_lead_reads_the_access_log(world):
    first = world["first"].user
    access_log_write(actor=first, action=AccessAction.VIEW, followup=world["mine"])
    assert _visible(AccessLog, lead_user()) == set(AccessLog.objects.values_list("pk", flat=True))
    for user in (first, UserFactory(role=Role.ADMINISTRATOR)):
        assert not AccessLog.objects.visible_to(user).exists()


@pytest.mark.parametrize("role", list(Role))
def test_page_permissions_per_role(role):
    user = PeerMediatorFactory().user if role == Role.ENTREPRENEUR else UserFactory(role=role)
    granted = {
        name
        for name in (
            "view_followups",
            "open_followup",
            "manage_followups",
            "view_workshops",
            "manage_workshops",
            "view_access_log",
            "view_counts",
        )
        if user.has_perm(f"peer_support.{name}")
    }
    expected = {
        Role.ENTREPRENEUR: {
            "view_followups",
            "open_followup",
            "manage_followups",
            "view_workshops",
            "manage_workshops",
        },
        Role.PEER_SUPPORT_LEAD: {
            "view_followups",
            "view_workshops",
            "view_access_log",
            "view_counts",
        },
        Role.COORDINATOR: {"view_counts"},
    }.get(role, set())
    assert granted == expected


def test_a_plain_entrepreneur_has_no_peer_support_page():
    user = UserFactory(role=Role.ENTREPRENEUR)
    assert not user.has_perm("peer_support.view_followups")
    assert not user.has_perm("peer_support.open_followup")


def test_what_each_may_do_with_one_follow_up(world):
    first, second, colleague = (world[name].user for name in ("first", "second", "colleague"))
    lead = lead_user()
    mine, theirs = world["mine"], world["theirs"]

    def allowed(user, followup):
        return {
            name
            for name in (
                "view_followup",
                "work_on_followup",
                "rectify_followup",
                "close_followup",
                "manage_comediators",
                "transfer_followup",
                "export_followup",
                "erase_followup",
            )
            if user.has_perm(f"peer_support.{name}", followup)
        }

    everything_but_lead_acts = {
        "view_followup",
        "work_on_followup",
        "rectify_followup",
        "close_followup",
        "export_followup",
    }
    assert allowed(first, mine) == everything_but_lead_acts | {"manage_comediators"}
    assert allowed(first, theirs) == set()
    # A co-mediator works on the follow-up but does not choose the team.
    assert allowed(colleague, theirs) == everything_but_lead_acts
    assert allowed(second, theirs) == everything_but_lead_acts | {"manage_comediators"}
    # The lead reads, rectifies, closes, manages the team, transfers, exports, erases,
    # but does not log the mediators' work.
    assert allowed(lead, mine) == {
        "view_followup",
        "rectify_followup",
        "close_followup",
        "manage_comediators",
        "transfer_followup",
        "export_followup",
        "erase_followup",
    }
    for role in NO_ACCESS_ROLES:
        assert allowed(UserFactory(role=role), mine) == set()


def test_closed_and_erased_follow_ups_allow_less(world):
    first, lead = world["first"].user, lead_user()
    closed = FollowUpFactory(mediator=world["first"], closed=True)
    assert perms.can_view(first, closed) and perms.can_rectify(first, closed)
    assert not perms.can_work_on(first, closed)
    assert not perms.can_close(first, closed)
    erased = world["erased"]
    assert not perms.can_view(first, erased)
    assert perms.can_view(lead, erased) and perms.can_export(lead, erased)
    for check in (perms.can_rectify, perms.can_erase, perms.can_transfer):
        assert not check(lead, erased)


def test_the_mediator_lookup_is_read_once_per_request(world, django_assert_num_queries):
    first = UserFactory._meta.model.objects.get(pk=world["first"].user_id)
    with django_assert_num_queries(1):
        for _ in range(5):
            assert first.has_perm("peer_support.view_followups")
            assert perms.peer_mediator_member(first) == world["first"]
