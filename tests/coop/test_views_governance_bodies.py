"""The bodies' pages: list, creation, page of a body with its seats and meetings, rules,
seats, elections and their count."""

import datetime

import pytest
from django.urls import reverse

from coop.enums import BodyKind, MajorityRule, SeatKind
from coop.models import Body, Candidate, Election, Seat
from members.enums import Role
from tests.coop.factories_collectives import CollectiveFactory, CollectivePersonFactory
from tests.coop.factories_governance import (
    AssociateFactory,
    BodyFactory,
    ElectionFactory,
    MeetingFactory,
    SeatFactory,
    days_from_today,
)

pytestmark = pytest.mark.django_db

READERS = [Role.COORDINATOR, Role.ADMINISTRATOR, Role.PEER_SUPPORT_LEAD]
NO_BODIES = [Role.ENTREPRENEUR, Role.ACCOUNTANT, Role.FUNDER, Role.RESEARCHER]
MANAGERS = [Role.COORDINATOR, Role.PEER_SUPPORT_LEAD]
NOT_MANAGERS = [Role.ADMINISTRATOR, *NO_BODIES]


def _url(name, *args):
    return reverse(f"coop:{name}", args=args)


def _html(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Each page of a body, with how to reach it and the method it answers.
BODY_PAGES = [
    ("body_detail", "GET"),
    ("body_edit", "GET"),
    ("seat_add", "GET"),
    ("election_create", "GET"),
    ("meeting_create", "GET"),
]
MANAGE_BODY_PAGES = ["body_edit", "seat_add", "election_create", "meeting_create"]


# --- anonymous, roles, strangers ---------------------------------------------------------


@pytest.mark.parametrize("name", ["body_list", "body_create"])
def test_anonymous_lists_go_to_login(client, name):
    response = client.get(_url(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(("name", "method"), BODY_PAGES)
def test_anonymous_body_pages_go_to_login(client, name, method):
    response = client.get(_url(name, BodyFactory().pk))
    assert response.status_code == 302


@pytest.mark.parametrize("role", NO_BODIES)
@pytest.mark.parametrize(("name", "method"), BODY_PAGES)
def test_body_pages_refused_to_roles_without_bodies(client_of_role, role, name, method):
    assert client_of_role(role).get(_url(name, BodyFactory().pk)).status_code == 403


@pytest.mark.parametrize("name", MANAGE_BODY_PAGES)
def test_administrators_read_but_do_not_manage(client_of_role, name):
    client = client_of_role(Role.ADMINISTRATOR)
    body = BodyFactory()
    assert client.get(_url("body_detail", body.pk)).status_code == 200
    assert client.get(_url(name, body.pk)).status_code == 403


@pytest.mark.parametrize(("name", "method"), BODY_PAGES)
def test_peer_support_lead_does_not_reach_the_cooperatives_bodies(client_of_role, name, method):
    board = BodyFactory(board=True)
    assert client_of_role(Role.PEER_SUPPORT_LEAD).get(_url(name, board.pk)).status_code == 404


@pytest.mark.parametrize(("name", "method"), BODY_PAGES)
def test_unknown_body(client_of_role, name, method):
    assert client_of_role(Role.COORDINATOR).get(_url(name, 999999)).status_code == 404


def test_list_refuses_post(client_of_role):
    assert client_of_role(Role.COORDINATOR).post(_url("body_list")).status_code == 405


def test_detail_refuses_post(client_of_role):
    assert (
        client_of_role(Role.COORDINATOR).post(_url("body_detail", BodyFactory().pk)).status_code
        == 405
    )


@pytest.mark.parametrize("name", MANAGE_BODY_PAGES)
def test_forms_refuse_put(client_of_role, name):
    assert client_of_role(Role.COORDINATOR).put(_url(name, BodyFactory().pk)).status_code == 405


# --- the list -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_list_for_readers(client_of_role, role):
    council = BodyFactory(name="Conseil du Club Soleil")
    SeatFactory(body=council)
    board = BodyFactory(board=True, name="Conseil de la coopérative")
    response = client_of_role(role).get(_url("body_list"))
    assert response.status_code == 200
    html = _html(response)
    assert "Conseil du Club Soleil" in html
    assert "1 dont 1 élu·es" in html
    # The peer-support lead runs the peer-help collectives, not the cooperative.
    assert (board.name in html) is (role != Role.PEER_SUPPORT_LEAD)
    assert ("Nouvelle instance" in html) is (role in MANAGERS)


@pytest.mark.parametrize("role", NO_BODIES)
def test_list_refused(client_of_role, role):
    assert client_of_role(role).get(_url("body_list")).status_code == 403


def test_list_filtered_by_collective(client_of_role):
    kept = BodyFactory()
    BodyFactory()
    response = client_of_role(Role.COORDINATOR).get(
        _url("body_list") + f"?collective={kept.collective.pk}"
    )
    assert list(response.context["page"]) == [kept]


def test_list_flags_an_elected_minority(client_of_role):
    body = BodyFactory()
    SeatFactory(body=body, kind=SeatKind.STAFF)
    html = _html(client_of_role(Role.COORDINATOR).get(_url("body_list")))
    assert "élu·es minoritaires" in html


@pytest.mark.parametrize("bodies", [2, 20])
def test_list_query_count(client_of_role, django_assert_num_queries, bodies):
    client = client_of_role(Role.COORDINATOR)
    for _ in range(bodies):
        body = BodyFactory()
        SeatFactory(body=body)
        MeetingFactory(body=body)
    # session, user, two-factor check, the collectives of the filter, the count and the
    # page of bodies (with collective, seat counts and next meeting)
    with django_assert_num_queries(6):
        response = client.get(_url("body_list"))
    assert response.status_code == 200


# --- creation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_create_refused(client_of_role, role):
    assert client_of_role(role).get(_url("body_create")).status_code == 403


def test_create_with_the_usual_rules(client_of_role):
    collective = CollectiveFactory()
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("body_create"),
        {
            "collective": collective.pk,
            "kind": BodyKind.GENERAL_ASSEMBLY,
            "name": "Assemblée du club",
            "size": "",
            "notice_days": "",
            "quorum_percent": "",
            "ordinary_majority": "",
            "extraordinary_majority": "",
            "max_proxies": "",
        },
    )
    body = Body.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("body_detail", body.pk)
    assert (body.notice_days, body.quorum_percent, body.max_proxies) == (15, 25, 2)


def test_create_offers_the_peer_support_lead_only_peer_help_collectives(client_of_role):
    peer = CollectiveFactory()
    cooperative = CollectiveFactory(cooperative=True)
    response = client_of_role(Role.PEER_SUPPORT_LEAD).get(_url("body_create"))
    offered = list(response.context["form"].fields["collective"].queryset)
    assert offered == [peer]
    assert cooperative not in offered


def test_create_bad_input_keeps_what_was_typed(client_of_role):
    collective = CollectiveFactory()
    BodyFactory(collective=collective, assembly=True)
    response = client_of_role(Role.COORDINATOR).post(
        _url("body_create"),
        {
            "collective": collective.pk,
            "kind": BodyKind.GENERAL_ASSEMBLY,
            "name": "Deuxième AG",
            "quorum_percent": "30",
        },
    )
    assert response.status_code == 200
    assert "déjà son assemblée générale" in _html(response)
    assert response.context["form"]["name"].value() == "Deuxième AG"
    assert Body.objects.count() == 1


# --- a body's page ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_detail_for_readers(client_of_role, role):
    body = BodyFactory(name="Conseil du Club Soleil")
    seat = SeatFactory(body=body, person__first_name="Awa", person__last_name="Diallo")
    SeatFactory(body=body, ends_on=days_from_today(-10), starts_on=days_from_today(-400))
    meeting = MeetingFactory(body=body, title="Conseil de rentrée")
    response = client_of_role(role).get(_url("body_detail", body.pk))
    assert response.status_code == 200
    html = _html(response)
    assert "Awa Diallo" in html and "Conseil de rentrée" in html
    assert "Mandats terminés" in html
    assert "au moins 7 jours avant" in html
    assert (_url("seat_end", seat.pk) in html) is (role in MANAGERS)
    assert (_url("meeting_create", body.pk) in html) is (role in MANAGERS)
    assert _url("meeting_detail", meeting.pk) in html


def test_detail_warns_of_a_broken_composition(client_of_role):
    body = BodyFactory()
    SeatFactory(body=body, kind=SeatKind.STAFF)
    SeatFactory(body=body, kind=SeatKind.STAFF)
    SeatFactory(body=body)
    html = _html(client_of_role(Role.COORDINATOR).get(_url("body_detail", body.pk)))
    assert "ne tiennent que 1 sièges sur 3" in html


def test_detail_warns_before_terms_run_out(client_of_role):
    body = BodyFactory()
    SeatFactory(body=body, ends_on=days_from_today(20))
    SeatFactory(body=body, kind=SeatKind.STAFF)
    html = _html(client_of_role(Role.COORDINATOR).get(_url("body_detail", body.pk)))
    assert "Des mandats prennent fin le" in html
    assert "Prévoyez une élection avant" in html


def test_detail_of_a_general_assembly_counts_its_members(client_of_role):
    associate = AssociateFactory()
    AssociateFactory(collective=associate.collective)
    assembly = BodyFactory(collective=associate.collective, assembly=True)
    html = _html(client_of_role(Role.COORDINATOR).get(_url("body_detail", assembly.pk)))
    assert "Tous les associé·es : 2 aujourd'hui" in html
    assert _url("seat_add", assembly.pk) not in html


@pytest.mark.parametrize("size", [2, 20])
def test_detail_query_count(client_of_role, django_assert_num_queries, size):
    client = client_of_role(Role.COORDINATOR)
    body = BodyFactory()
    for _ in range(size):
        SeatFactory(body=body)
        MeetingFactory(body=body)
        MeetingFactory(body=body, starts_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
        ElectionFactory(body=body)
    # session, user, two-factor check, the body (collective), its seats (holders), its
    # elections (candidate counts), upcoming meetings, count and page of past meetings
    with django_assert_num_queries(9):
        response = client.get(_url("body_detail", body.pk))
    assert response.status_code == 200


# --- rules --------------------------------------------------------------------------------------


def test_edit_rules(client_of_role):
    body = BodyFactory()
    response = client_of_role(Role.COORDINATOR).post(
        _url("body_edit", body.pk),
        {
            "name": "Conseil du club",
            "size": "9",
            "notice_days": "10",
            "quorum_percent": "40",
            "ordinary_majority": MajorityRule.ABSOLUTE,
            "extraordinary_majority": MajorityRule.UNANIMITY,
            "max_proxies": "2",
        },
    )
    assert response.status_code == 302
    body.refresh_from_db()
    assert (body.size, body.notice_days, body.quorum_percent, body.max_proxies) == (9, 10, 40, 2)
    assert body.extraordinary_majority == MajorityRule.UNANIMITY


def test_edit_rules_bad_input(client_of_role):
    body = BodyFactory()
    for _ in range(3):
        SeatFactory(body=body)
    response = client_of_role(Role.COORDINATOR).post(
        _url("body_edit", body.pk),
        {
            "name": "Conseil réduit",
            "size": "2",
            "notice_days": "7",
            "quorum_percent": "50",
            "ordinary_majority": MajorityRule.SIMPLE,
            "extraordinary_majority": MajorityRule.TWO_THIRDS,
            "max_proxies": "1",
        },
    )
    assert response.status_code == 200
    assert "compterait 3 sièges" in _html(response)
    assert response.context["form"]["name"].value() == "Conseil réduit"
    body.refresh_from_db()
    assert body.size is None


# --- seats --------------------------------------------------------------------------------------


def test_seat_add_happy_path(client_of_role):
    body = BodyFactory()
    person = CollectivePersonFactory(collective=body.collective)
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("seat_add", body.pk),
        {
            "holder": f"p{person.pk}",
            "kind": SeatKind.ELECTED,
            "starts_on": days_from_today(0).isoformat(),
            "ends_on": "",
        },
    )
    assert response.status_code == 302
    assert Seat.objects.get().person == person


def test_seat_add_refuses_a_broken_composition_in_french(client_of_role):
    body = BodyFactory()
    SeatFactory(body=body, kind=SeatKind.STAFF)
    person = CollectivePersonFactory(collective=body.collective)
    response = client_of_role(Role.COORDINATOR).post(
        _url("seat_add", body.pk),
        {
            "holder": f"p{person.pk}",
            "kind": SeatKind.STAFF,
            "starts_on": days_from_today(0).isoformat(),
            "ends_on": "",
        },
    )
    assert response.status_code == 200
    html = _html(response)
    assert "Composition refusée" in html and "au moins la moitié" in html
    assert response.context["form"]["holder"].value() == f"p{person.pk}"
    assert Seat.objects.count() == 1


def test_seat_add_offers_legal_person_associates_for_the_cooperative(client_of_role):
    board = BodyFactory(board=True)
    town = AssociateFactory(legal=True, collective=board.collective, legal_name="Ville de Pantin")
    response = client_of_role(Role.COORDINATOR).get(_url("seat_add", board.pk))
    choices = dict(response.context["form"].fields["holder"].choices)
    assert choices[f"a{town.pk}"] == "Ville de Pantin (personne morale)"


def test_seat_add_unknown_holder(client_of_role):
    body = BodyFactory()
    response = client_of_role(Role.COORDINATOR).post(
        _url("seat_add", body.pk),
        {"holder": "p999999", "kind": SeatKind.ELECTED, "starts_on": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "holder" in response.context["form"].errors


def test_seat_end(client_of_role):
    seat = SeatFactory()
    SeatFactory(body=seat.body)
    SeatFactory(body=seat.body)
    client = client_of_role(Role.COORDINATOR)
    assert client.get(_url("seat_end", seat.pk)).status_code == 200
    response = client.post(_url("seat_end", seat.pk), {"on": days_from_today(0).isoformat()})
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.ends_on == days_from_today(0)


def test_seat_end_bad_input(client_of_role):
    seat = SeatFactory()
    response = client_of_role(Role.COORDINATOR).post(
        _url("seat_end", seat.pk), {"on": days_from_today(-400).isoformat()}
    )
    assert response.status_code == 200
    assert "Le mandat commence le" in _html(response)


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_seat_end_refused(client_of_role, role):
    assert client_of_role(role).get(_url("seat_end", SeatFactory().pk)).status_code == 403


def test_seat_end_of_the_cooperative_for_the_peer_support_lead(client_of_role):
    seat = SeatFactory(body=BodyFactory(board=True), person=AssociateFactory().person)
    assert client_of_role(Role.PEER_SUPPORT_LEAD).get(_url("seat_end", seat.pk)).status_code == 404


def test_seat_end_refuses_put(client_of_role):
    assert (
        client_of_role(Role.COORDINATOR).put(_url("seat_end", SeatFactory().pk)).status_code == 405
    )


# --- elections ----------------------------------------------------------------------------------


def test_election_create(client_of_role):
    body = BodyFactory()
    response = client_of_role(Role.COORDINATOR).post(
        _url("election_create", body.pk),
        {
            "held_on": days_from_today(0).isoformat(),
            "seats_to_fill": "2",
            "term_ends_on": days_from_today(730).isoformat(),
            "meeting": "",
        },
    )
    election = Election.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("election_detail", election.pk)


def test_election_create_bad_input(client_of_role):
    body = BodyFactory(size=3)
    response = client_of_role(Role.COORDINATOR).post(
        _url("election_create", body.pk),
        {"held_on": days_from_today(0).isoformat(), "seats_to_fill": "5", "term_ends_on": ""},
    )
    assert response.status_code == 200
    assert "L'instance n'a que 3 sièges." in response.context["form"].errors["seats_to_fill"][0]
    assert response.context["form"]["seats_to_fill"].value() == "5"


ELECTION_PAGES = ["election_detail", "candidate_add", "election_count"]


@pytest.mark.parametrize("name", ELECTION_PAGES)
def test_election_pages_anonymous(client, name):
    assert client.get(_url(name, ElectionFactory().pk)).status_code == 302


@pytest.mark.parametrize("role", NO_BODIES)
@pytest.mark.parametrize("name", ELECTION_PAGES)
def test_election_pages_refused(client_of_role, role, name):
    assert client_of_role(role).get(_url(name, ElectionFactory().pk)).status_code == 403


@pytest.mark.parametrize("name", ELECTION_PAGES)
def test_election_pages_of_the_cooperative_for_the_peer_support_lead(client_of_role, name):
    election = ElectionFactory(body=BodyFactory(board=True))
    assert client_of_role(Role.PEER_SUPPORT_LEAD).get(_url(name, election.pk)).status_code == 404


@pytest.mark.parametrize("name", ["candidate_add", "election_count"])
def test_election_forms_not_for_administrators(client_of_role, name):
    assert (
        client_of_role(Role.ADMINISTRATOR).get(_url(name, ElectionFactory().pk)).status_code == 403
    )


def test_election_detail_refuses_post(client_of_role):
    response = client_of_role(Role.COORDINATOR).post(_url("election_detail", ElectionFactory().pk))
    assert response.status_code == 405


def test_candidates_then_count(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    election = ElectionFactory(seats_to_fill=1)
    people = [CollectivePersonFactory(collective=election.body.collective) for _ in range(2)]
    for person in people:
        response = client.post(_url("candidate_add", election.pk), {"holder": f"p{person.pk}"})
        assert response.status_code == 302
    candidates = list(Candidate.objects.order_by("pk"))
    page = _html(client.get(_url("election_detail", election.pk)))
    assert str(people[0]) in page and "Dépouiller" in page
    response = client.post(
        _url("election_count", election.pk),
        {"voters": "12", f"votes_{candidates[0].pk}": "4", f"votes_{candidates[1].pk}": "8"},
    )
    assert response.status_code == 302
    assert Seat.objects.get(election=election).person == people[1]
    page = _html(client.get(_url("election_detail", election.pk)))
    assert "Élu·e" in page and "Dépouiller" not in page


def test_count_bad_input_keeps_what_was_typed(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    election = ElectionFactory(seats_to_fill=1)
    a, b = (
        Candidate.objects.create(
            election=election, person=CollectivePersonFactory(collective=election.body.collective)
        )
        for _ in range(2)
    )
    response = client.post(
        _url("election_count", election.pk),
        {"voters": "10", f"votes_{a.pk}": "5", f"votes_{b.pk}": "5"},
    )
    assert response.status_code == 200
    assert "Égalité pour le dernier siège" in _html(response)
    assert response.context["form"][f"votes_{a.pk}"].value() == "5"
    assert not Seat.objects.exists()


def test_candidate_bad_input(client_of_role):
    election = ElectionFactory(body=BodyFactory(board=True))
    person = CollectivePersonFactory(collective=election.body.collective)
    response = client_of_role(Role.COORDINATOR).post(
        _url("candidate_add", election.pk), {"holder": f"p{person.pk}"}
    )
    assert response.status_code == 200
    assert "seuls les associé·es" in _html(response)
