""" "Mes collectifs": a person with an account sees their own memberships, reads and signs
the charter in force, leaves and comes back — never someone else's membership (404),
whatever their role."""

import pytest
from django.urls import reverse

from coop import collectives as services
from coop.enums import MembershipEventKind
from coop.models import CharterAcceptance, CollectivePerson
from members.enums import Role
from tests.coop.factories_collectives import (
    CharterFactory,
    CollectiveFactory,
    CollectivePersonFactory,
    clubhouse_world,
)

pytestmark = pytest.mark.django_db

WITH_PAGE = [Role.ENTREPRENEUR, Role.COORDINATOR, Role.PEER_SUPPORT_LEAD, Role.ADMINISTRATOR]
WITHOUT_PAGE = [Role.FUNDER, Role.RESEARCHER, Role.ACCOUNTANT]
LOGIN = "/compte/login/"
MINE = reverse("coop:my_collectives")


def _url(name, person):
    return reverse(f"coop:{name}", args=[person.pk])


def _text(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def world():
    return clubhouse_world()


@pytest.fixture
def member_client(client, world):
    """The world's first member, logged in from their own account."""
    person = world.people[0]
    client.force_login(person.user)
    client.person = person
    return client


# --- who reaches what ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["my_charter", "my_leave"])
def test_anonymous_is_sent_to_login(client, world, name):
    for url in [MINE, _url(name, world.people[0])]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    response = client.post(_url("my_come_back", world.people[0]))
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("role", WITH_PAGE)
def test_page_for_people_with_an_account(client_of_role, role):
    assert client_of_role(role).get(MINE).status_code == 200


@pytest.mark.parametrize("role", WITHOUT_PAGE)
def test_page_refused_to_funders_researchers_accountants(client_of_role, world, role):
    client = client_of_role(role)
    assert client.get(MINE).status_code == 403
    assert client.get(_url("my_charter", world.people[0])).status_code == 403
    assert client.post(_url("my_leave", world.people[0])).status_code == 403


@pytest.mark.parametrize("role", [Role.ENTREPRENEUR, Role.COORDINATOR, Role.PEER_SUPPORT_LEAD])
def test_someone_elses_membership_is_404(client_of_role, world, role):
    client = client_of_role(role)
    other = world.people[0]
    assert client.get(_url("my_charter", other)).status_code == 404
    assert client.post(_url("my_charter", other)).status_code == 404
    assert client.get(_url("my_leave", other)).status_code == 404
    assert client.post(_url("my_leave", other)).status_code == 404
    assert client.post(_url("my_come_back", other)).status_code == 404
    other.refresh_from_db()
    assert other.left_on is None
    assert not CharterAcceptance.objects.filter(person=other).exists()


def test_wrong_methods(member_client):
    person = member_client.person
    assert member_client.post(MINE).status_code == 405
    assert member_client.put(_url("my_charter", person)).status_code == 405
    assert member_client.put(_url("my_leave", person)).status_code == 405
    assert member_client.get(_url("my_come_back", person)).status_code == 405


# --- the page -----------------------------------------------------------------------------


def test_lists_own_memberships_only(member_client, world):
    other_collective = CollectiveFactory(name="Club du Canal")
    CollectivePersonFactory(collective=other_collective)  # someone else
    response = member_client.get(MINE)
    html = _text(response)
    assert world.collective.name in html and "Club du Canal" not in html
    assert "La charte n'est pas encore signée." in html
    assert _url("my_charter", member_client.person) in html
    assert _url("my_leave", member_client.person) in html


def test_shows_the_charter_signed(member_client, world):
    services.charter_sign(
        actor=member_client.person.user, charter=world.charter, person=member_client.person
    )
    html = _text(member_client.get(MINE))
    assert "Charte signée" in html and "Relire la charte" in html


def test_a_new_version_asks_to_sign_again(member_client, world):
    services.charter_sign(
        actor=member_client.person.user, charter=world.charter, person=member_client.person
    )
    CharterFactory(collective=world.collective, version=2, effective_on=world.today)
    assert "La charte n'est pas encore signée." in _text(member_client.get(MINE))


def test_a_collective_without_charter(client, world):
    person = CollectivePersonFactory(with_account=True)
    client.force_login(person.user)
    html = _text(client.get(MINE))
    assert person.collective.name in html and "signer" not in html
    assert "pas encore de charte" in _text(client.get(_url("my_charter", person)))


@pytest.mark.parametrize("collectives", [1, 6])
def test_query_count_does_not_grow(client, django_assert_num_queries, collectives):
    person = CollectivePersonFactory(with_account=True)
    for _index in range(collectives):
        membership = CollectivePersonFactory(user=person.user)
        CharterFactory(collective=membership.collective)
        left = CollectivePersonFactory(user=person.user, left=True)
        CharterFactory(collective=left.collective)
    client.force_login(person.user)
    # session, user; the memberships with their collective, charter in force, signature
    # and whether a return followed
    with django_assert_num_queries(3):
        response = client.get(MINE)
    assert response.status_code == 200
    assert len(response.context["current"]) == collectives + 1
    assert len(response.context["past"]) == collectives


# --- the charter ------------------------------------------------------------------------------


def test_read_and_sign_the_charter(member_client, world):
    person = member_client.person
    response = member_client.get(_url("my_charter", person))
    html = _text(response)
    assert "Nous décidons ensemble." in html and "Je signe la charte" in html
    response = member_client.post(_url("my_charter", person))
    assert response.status_code == 302 and response["Location"] == MINE
    signature = CharterAcceptance.objects.get(person=person)
    assert (signature.charter, signature.recorded_by, signature.accepted_on) == (
        world.charter,
        person.user,
        world.today,
    )
    html = _text(member_client.get(_url("my_charter", person)))
    assert "Vous avez signé cette charte le" in html and "Je signe" not in html


def test_signing_twice_says_so(member_client):
    member_client.post(_url("my_charter", member_client.person))
    response = member_client.post(_url("my_charter", member_client.person), follow=True)
    assert "Vous avez déjà signé cette charte." in _messages(response)
    assert CharterAcceptance.objects.filter(person=member_client.person).count() == 1


def test_no_signature_after_leaving(member_client, world):
    person = member_client.person
    services.person_leave(actor=person.user, person=person, on=world.today)
    response = member_client.post(_url("my_charter", person), follow=True)
    assert "Il n'y a pas de charte à signer." in _messages(response)
    assert not CharterAcceptance.objects.filter(person=person).exists()


# --- leaving and coming back ------------------------------------------------------------


def test_leave(member_client, world):
    person = member_client.person
    html = _text(member_client.get(_url("my_leave", person)))
    assert "Vous n'avez pas besoin de dire pourquoi." in html
    response = member_client.post(_url("my_leave", person), follow=True)
    assert "Vous pouvez revenir quand vous voulez." in " ".join(_messages(response))
    person.refresh_from_db()
    assert person.left_on == world.today
    event = person.membership_events.get(kind=MembershipEventKind.LEFT)
    assert event.by_the_person
    html = _text(response)
    assert "Collectifs que vous avez quittés" in html
    assert _url("my_come_back", person) in html


def test_leave_twice(member_client, world):
    person = member_client.person
    member_client.post(_url("my_leave", person))
    response = member_client.get(_url("my_leave", person), follow=True)
    assert "Vous avez déjà quitté ce collectif." in _messages(response)


def test_come_back_at_once(member_client, world):
    person = member_client.person
    member_client.post(_url("my_leave", person))
    response = member_client.post(_url("my_come_back", person), follow=True)
    assert f"Bon retour dans « {world.collective.name} » !" in _messages(response)
    returned = CollectivePerson.objects.get(user=person.user, left_on__isnull=True)
    assert returned.pk != person.pk and returned.joined_on == world.today
    assert response.context["past"] == []
    assert [membership.pk for membership in response.context["current"]] == [returned.pk]
    # Coming back twice from the same membership says why.
    response = member_client.post(_url("my_come_back", person), follow=True)
    assert "Cette personne est déjà revenue : voyez sa dernière adhésion." in _messages(response)


def test_leaving_on_a_day_one_came_is_fine(member_client, world):
    services.attendance_record(
        actor=world.actor,
        collective=world.collective,
        day=world.today,
        present=[member_client.person.pk],
    )
    member_client.post(_url("my_leave", member_client.person))
    member_client.person.refresh_from_db()
    assert member_client.person.left_on == world.today


def test_an_associate_does_not_leave_the_cooperative_from_here(client):
    person = CollectivePersonFactory(
        with_account=True, collective=CollectiveFactory(cooperative=True)
    )
    client.force_login(person.user)
    html = _text(client.get(MINE))
    assert "Entrepairs Coopérative" in html
    assert _url("my_leave", person) not in html
    response = client.post(_url("my_leave", person), follow=True)
    assert any("registre des associé·es" in message for message in _messages(response))
    person.refresh_from_db()
    assert person.left_on is None
