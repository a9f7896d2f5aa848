"""Bodies, seats and elections: the elected majority a collective may require, the
statutes' number of seats, who may sit, and elections whose elected take their seats."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from coop import governance
from coop.enums import AssociateExit, BodyKind, MajorityRule, SeatKind
from coop.models import Body, Seat
from members.enums import Role
from tests.coop.factories_collectives import CollectiveFactory, CollectivePersonFactory
from tests.coop.factories_governance import (
    AssociateFactory,
    BodyFactory,
    ElectionFactory,
    SeatFactory,
    days_from_today,
    held_meeting,
)
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def coordinator():
    return UserFactory(role=Role.COORDINATOR)


def _seat(actor, body, kind=SeatKind.ELECTED, **kwargs):
    kwargs.setdefault("person", CollectivePersonFactory(collective=body.collective))
    kwargs.setdefault("starts_on", TODAY())
    return governance.seat_add(actor=actor, body=body, kind=kind, **kwargs)


# --- bodies --------------------------------------------------------------------------------


def test_body_gets_the_default_rules_of_its_kind(coordinator):
    body = governance.body_create(
        actor=coordinator,
        collective=CollectiveFactory(cooperative=True),
        kind=BodyKind.GENERAL_ASSEMBLY,
        name="Assemblée générale",
    )
    assert (body.notice_days, body.quorum_percent, body.max_proxies) == (15, 25, 2)
    assert body.ordinary_majority == MajorityRule.SIMPLE
    assert body.extraordinary_majority == MajorityRule.TWO_THIRDS


def test_body_rules_given_win(coordinator):
    body = governance.body_create(
        actor=coordinator,
        collective=CollectiveFactory(),
        kind=BodyKind.COLLECTIVE_COUNCIL,
        name="Conseil",
        notice_days=3,
        quorum_percent=60,
        size=8,
    )
    assert (body.notice_days, body.quorum_percent, body.size) == (3, 60, 8)


def test_one_general_assembly_per_collective(coordinator):
    collective = CollectiveFactory()
    governance.body_create(
        actor=coordinator, collective=collective, kind=BodyKind.GENERAL_ASSEMBLY, name="AG"
    )
    with pytest.raises(ValidationError, match="déjà son assemblée générale"):
        governance.body_create(
            actor=coordinator, collective=collective, kind=BodyKind.GENERAL_ASSEMBLY, name="AG 2"
        )


def test_general_assembly_has_no_seat_count(coordinator):
    with pytest.raises(ValidationError) as error:
        governance.body_create(
            actor=coordinator,
            collective=CollectiveFactory(),
            kind=BodyKind.GENERAL_ASSEMBLY,
            name="AG",
            size=10,
        )
    assert "size" in error.value.message_dict


def test_peer_support_lead_runs_peer_help_bodies_only():
    lead = UserFactory(role=Role.PEER_SUPPORT_LEAD)
    body = governance.body_create(
        actor=lead, collective=CollectiveFactory(), kind=BodyKind.COLLECTIVE_COUNCIL, name="C"
    )
    assert body.pk
    with pytest.raises(PermissionDenied):
        governance.body_create(
            actor=lead,
            collective=CollectiveFactory(cooperative=True),
            kind=BodyKind.BOARD,
            name="CA",
        )
    with pytest.raises(PermissionDenied):
        governance.body_update(actor=lead, body=BodyFactory(board=True), name="Autre")


@pytest.mark.parametrize(
    "role", [Role.ADMINISTRATOR, Role.ENTREPRENEUR, Role.ACCOUNTANT, Role.FUNDER, Role.RESEARCHER]
)
def test_other_roles_run_no_body(role):
    user = UserFactory(role=role)
    with pytest.raises(PermissionDenied):
        governance.body_create(
            actor=user, collective=CollectiveFactory(), kind=BodyKind.COLLECTIVE_COUNCIL, name="C"
        )
    body = BodyFactory()
    with pytest.raises(PermissionDenied):
        governance.seat_add(
            actor=user,
            body=body,
            kind=SeatKind.ELECTED,
            person=CollectivePersonFactory(collective=body.collective),
            starts_on=TODAY(),
        )


def test_body_size_cannot_drop_below_the_seats_in_force(coordinator):
    body = BodyFactory()
    for _ in range(3):
        SeatFactory(body=body)
    with pytest.raises(ValidationError, match="compterait 3 sièges"):
        governance.body_update(actor=coordinator, body=body, size=2)
    body.refresh_from_db()
    assert body.size is None


# --- the elected majority --------------------------------------------------------------


def test_composition_with_fewer_elected_than_half_is_refused(coordinator):
    body = BodyFactory()  # its collective requires an elected majority
    _seat(coordinator, body, SeatKind.ELECTED)
    _seat(coordinator, body, SeatKind.STAFF)  # one of two: half, accepted
    with pytest.raises(ValidationError) as error:
        _seat(coordinator, body, SeatKind.STAFF)
    message = error.value.messages[0]
    assert message.startswith("Composition refusée")
    assert "1 sièges sur 3" in message and "au moins la moitié" in message
    assert Seat.objects.filter(body=body).count() == 2


def test_composition_is_free_when_not_required(coordinator):
    body = BodyFactory(collective=CollectiveFactory(requires_elected_majority=False))
    for _ in range(3):
        _seat(coordinator, body, SeatKind.STAFF)
    assert governance.composition_on(body, TODAY()) == governance.Composition(elected=0, total=3)


def test_ending_an_elected_seat_that_breaks_the_majority_is_refused(coordinator):
    body = BodyFactory()
    elected = _seat(coordinator, body, SeatKind.ELECTED, starts_on=days_from_today(-30))
    _seat(coordinator, body, SeatKind.FOUNDING, starts_on=days_from_today(-30))
    with pytest.raises(ValidationError, match="Composition refusée"):
        governance.seat_end(actor=coordinator, seat=elected, on=TODAY())
    elected.refresh_from_db()
    assert elected.ends_on is None


def test_a_later_staff_seat_is_checked_on_its_start_day(coordinator):
    body = BodyFactory()
    _seat(coordinator, body, SeatKind.ELECTED, ends_on=days_from_today(10))
    _seat(coordinator, body, SeatKind.ELECTED)
    _seat(coordinator, body, SeatKind.STAFF)
    # From day 11, one elected seat of three would remain with a new staff seat.
    with pytest.raises(ValidationError, match="1 sièges sur 3"):
        _seat(coordinator, body, SeatKind.CO_OPTED, starts_on=days_from_today(11))


def test_seats_cannot_exceed_the_statutes(coordinator):
    body = BodyFactory(size=2)
    _seat(coordinator, body)
    _seat(coordinator, body)
    with pytest.raises(ValidationError, match="en prévoient 2"):
        _seat(coordinator, body)


def test_general_assembly_has_no_seats(coordinator):
    body = BodyFactory(assembly=True)
    with pytest.raises(ValidationError, match="pas de sièges"):
        _seat(coordinator, body)


def test_seat_holder_belongs_to_the_collective(coordinator):
    body = BodyFactory()
    with pytest.raises(ValidationError) as error:
        _seat(coordinator, body, person=CollectivePersonFactory())
    assert "holder" in error.value.message_dict
    with pytest.raises(ValidationError):
        _seat(
            coordinator, body, person=CollectivePersonFactory(collective=body.collective, left=True)
        )


def test_one_seat_at_a_time_in_a_body(coordinator):
    body = BodyFactory()
    person = CollectivePersonFactory(collective=body.collective)
    _seat(coordinator, body, person=person)
    with pytest.raises(ValidationError, match="siège déjà"):
        _seat(coordinator, body, person=person, starts_on=days_from_today(5))


def test_cooperative_elected_seats_are_for_associates(coordinator):
    board = BodyFactory(board=True)
    not_associate = CollectivePersonFactory(collective=board.collective)
    with pytest.raises(ValidationError, match="seuls les associé·es"):
        _seat(coordinator, board, person=not_associate)
    # Staff may sit without being associates.
    _seat(coordinator, board, SeatKind.STAFF, person=not_associate)
    associate = AssociateFactory(collective=board.collective)
    _seat(coordinator, board, person=associate.person)


def test_legal_person_associate_sits_on_the_board(coordinator):
    board = BodyFactory(board=True)
    town = AssociateFactory(legal=True, collective=board.collective)
    seat = _seat(coordinator, board, person=None, associate=town)
    assert seat.holder_name == town.legal_name
    roster = governance.body_roster(board, TODAY())
    assert [entry.name for entry in roster] == [
        f"{town.legal_name} (représentée par {town.representative})"
    ]
    assert roster[0].email == town.email


def test_seat_end_dates(coordinator):
    seat = _seat(
        coordinator, BodyFactory(), starts_on=days_from_today(-5), ends_on=days_from_today(20)
    )
    with pytest.raises(ValidationError) as error:
        governance.seat_end(actor=coordinator, seat=seat, on=days_from_today(-6))
    assert "on" in error.value.message_dict
    with pytest.raises(ValidationError, match="se termine déjà"):
        governance.seat_end(actor=coordinator, seat=seat, on=days_from_today(25))
    governance.seat_end(actor=coordinator, seat=seat, on=TODAY())
    seat.refresh_from_db()
    assert seat.ends_on == TODAY()


# --- elections ------------------------------------------------------------------------------


def test_election_elects_the_most_voted_who_take_their_seats(coordinator):
    body = BodyFactory()
    election = ElectionFactory(body=body, seats_to_fill=2)
    people = [CollectivePersonFactory(collective=body.collective) for _ in range(3)]
    candidates = [
        governance.candidate_add(actor=coordinator, election=election, person=person)
        for person in people
    ]
    governance.election_count(
        actor=coordinator,
        election=election,
        voters=20,
        votes={candidates[0].pk: 12, candidates[1].pk: 5, candidates[2].pk: 15},
    )
    election.refresh_from_db()
    assert election.is_counted and election.voters == 20
    elected = {c.person_id for c in election.candidates.filter(elected=True)}
    assert elected == {people[0].pk, people[2].pk}
    seats = Seat.objects.filter(body=body, election=election)
    assert {seat.person_id for seat in seats} == elected
    assert all(seat.kind == SeatKind.ELECTED for seat in seats)
    assert all(seat.ends_on == election.term_ends_on for seat in seats)


def test_election_tie_for_the_last_seat(coordinator):
    election = ElectionFactory(seats_to_fill=1)
    a, b = (
        governance.candidate_add(
            actor=coordinator,
            election=election,
            person=CollectivePersonFactory(collective=election.body.collective),
        )
        for _ in range(2)
    )
    with pytest.raises(ValidationError, match="Égalité pour le dernier siège"):
        governance.election_count(
            actor=coordinator, election=election, voters=10, votes={a.pk: 5, b.pk: 5}
        )
    election.refresh_from_db()
    assert not election.is_counted
    assert not Seat.objects.filter(election=election).exists()


def test_election_votes_cannot_exceed_the_voters(coordinator):
    election = ElectionFactory()
    candidate = governance.candidate_add(
        actor=coordinator,
        election=election,
        person=CollectivePersonFactory(collective=election.body.collective),
    )
    with pytest.raises(ValidationError) as error:
        governance.election_count(
            actor=coordinator, election=election, voters=3, votes={candidate.pk: 4}
        )
    assert f"votes_{candidate.pk}" in error.value.message_dict


def test_election_needs_a_count_for_each_candidate(coordinator):
    election = ElectionFactory()
    candidate = governance.candidate_add(
        actor=coordinator,
        election=election,
        person=CollectivePersonFactory(collective=election.body.collective),
    )
    with pytest.raises(ValidationError) as error:
        governance.election_count(actor=coordinator, election=election, voters=3, votes={})
    assert f"votes_{candidate.pk}" in error.value.message_dict


def test_election_without_candidates(coordinator):
    with pytest.raises(ValidationError, match="candidatures"):
        governance.election_count(actor=coordinator, election=ElectionFactory(), voters=3, votes={})


def test_election_counted_once(coordinator):
    election = ElectionFactory(seats_to_fill=1)
    candidate = governance.candidate_add(
        actor=coordinator,
        election=election,
        person=CollectivePersonFactory(collective=election.body.collective),
    )
    governance.election_count(
        actor=coordinator, election=election, voters=3, votes={candidate.pk: 3}
    )
    with pytest.raises(ValidationError, match="dépouillée"):
        governance.election_count(
            actor=coordinator, election=election, voters=3, votes={candidate.pk: 3}
        )
    with pytest.raises(ValidationError, match="dépouillée"):
        governance.candidate_add(
            actor=coordinator,
            election=election,
            person=CollectivePersonFactory(collective=election.body.collective),
        )


def test_election_in_the_future_is_not_counted_yet(coordinator):
    election = ElectionFactory(held_on=days_from_today(3), term_ends_on=days_from_today(400))
    candidate = governance.candidate_add(
        actor=coordinator,
        election=election,
        person=CollectivePersonFactory(collective=election.body.collective),
    )
    with pytest.raises(ValidationError, match="dépouillez ensuite"):
        governance.election_count(
            actor=coordinator, election=election, voters=3, votes={candidate.pk: 3}
        )


def test_re_election_ends_the_previous_seat_the_day_before(coordinator):
    body = BodyFactory()
    seat = SeatFactory(body=body)
    election = ElectionFactory(body=body, seats_to_fill=1)
    candidate = governance.candidate_add(actor=coordinator, election=election, person=seat.person)
    governance.election_count(
        actor=coordinator, election=election, voters=9, votes={candidate.pk: 9}
    )
    seat.refresh_from_db()
    assert seat.ends_on == TODAY() - datetime.timedelta(days=1)
    assert Seat.objects.in_force(TODAY()).get(body=body).election == election


def test_candidate_twice(coordinator):
    election = ElectionFactory()
    person = CollectivePersonFactory(collective=election.body.collective)
    governance.candidate_add(actor=coordinator, election=election, person=person)
    with pytest.raises(ValidationError) as error:
        governance.candidate_add(actor=coordinator, election=election, person=person)
    assert "déjà candidate" in error.value.message_dict["holder"][0]


def test_cooperative_candidates_are_associates(coordinator):
    election = ElectionFactory(body=BodyFactory(board=True))
    with pytest.raises(ValidationError, match="seuls les associé·es"):
        governance.candidate_add(
            actor=coordinator,
            election=election,
            person=CollectivePersonFactory(collective=election.body.collective),
        )


def test_election_for_a_general_assembly_is_refused(coordinator):
    with pytest.raises(ValidationError, match="pas de sièges"):
        governance.election_create(
            actor=coordinator,
            body=BodyFactory(assembly=True),
            held_on=TODAY(),
            seats_to_fill=1,
        )


def test_election_at_a_meeting_counts_its_voters(coordinator):
    collective = CollectiveFactory()
    assembly = BodyFactory(collective=collective, assembly=True)
    for _ in range(4):
        CollectivePersonFactory(collective=collective)
    meeting = held_meeting(assembly, present=3, actor=coordinator)
    council = BodyFactory(collective=collective)
    election = governance.election_create(
        actor=coordinator,
        body=council,
        held_on=TODAY(),
        seats_to_fill=1,
        meeting=meeting,
    )
    candidate = governance.candidate_add(
        actor=coordinator,
        election=election,
        person=CollectivePersonFactory(collective=collective),
    )
    with pytest.raises(ValidationError) as error:
        governance.election_count(
            actor=coordinator, election=election, voters=4, votes={candidate.pk: 2}
        )
    assert "3 membres présents" in error.value.message_dict["voters"][0]
    governance.election_count(
        actor=coordinator, election=election, voters=3, votes={candidate.pk: 2}
    )


def test_election_meeting_of_another_collective(coordinator):
    other = BodyFactory(assembly=True)
    CollectivePersonFactory(collective=other.collective)
    meeting = held_meeting(other, present=1, actor=coordinator)
    with pytest.raises(ValidationError) as error:
        governance.election_create(
            actor=coordinator, body=BodyFactory(), held_on=TODAY(), seats_to_fill=1, meeting=meeting
        )
    assert "meeting" in error.value.message_dict


# --- who belongs to a body -----------------------------------------------------------------


def test_bodies_of_a_user():
    collective = CollectiveFactory()
    person = CollectivePersonFactory(collective=collective, with_account=True)
    assembly = BodyFactory(collective=collective, assembly=True)
    council = BodyFactory(collective=collective)
    SeatFactory(body=council, person=person)
    other_council = BodyFactory(collective=collective, name="Autre conseil")
    SeatFactory(body=other_council, person=person, ends_on=days_from_today(-2))
    BodyFactory()  # another collective's
    assert set(Body.objects.of_user(person.user)) == {assembly, council}
    assert set(Body.objects.visible_to(person.user)) == {assembly, council}


def test_cooperative_assembly_is_the_associates():
    associate = AssociateFactory()
    assembly = BodyFactory(collective=associate.collective, assembly=True)
    not_associate = CollectivePersonFactory(collective=associate.collective, with_account=True)
    assert list(Body.objects.of_user(associate.person.user)) == [assembly]
    assert not Body.objects.of_user(not_associate.user).exists()
    governance.associate_leave(
        actor=UserFactory(role=Role.COORDINATOR),
        associate=associate,
        on=TODAY(),
        reason=AssociateExit.RESIGNATION,
    )
    # Left today: no longer an associate from tomorrow.
    assert not Body.objects.of_user(
        associate.person.user, on=TODAY() + datetime.timedelta(days=1)
    ).exists()


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.COORDINATOR, {"coop", "peer"}),
        (Role.ADMINISTRATOR, {"coop", "peer"}),
        (Role.PEER_SUPPORT_LEAD, {"peer"}),
        (Role.ACCOUNTANT, set()),
        (Role.FUNDER, set()),
        (Role.RESEARCHER, set()),
        (Role.ENTREPRENEUR, set()),
    ],
)
def test_bodies_visible_per_role(role, sees):
    bodies = {"coop": BodyFactory(board=True), "peer": BodyFactory()}
    visible = set(Body.objects.visible_to(UserFactory(role=role)))
    assert visible == {bodies[name] for name in sees}
