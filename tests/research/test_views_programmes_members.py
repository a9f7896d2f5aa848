"""The members a programme covers: coordinators add them and note their exit;
administrators read the list; funders and researchers never see it."""

import datetime

import pytest
from django.urls import reverse

from members.enums import Role
from research.models import ProgrammeMember
from tests.members.factories import MemberFactory, ProgrammeFactory
from tests.research.factories import ProgrammeMemberFactory

pytestmark = pytest.mark.django_db

READERS = [Role.FUNDER, Role.RESEARCHER]
NO_ACCESS = [Role.ENTREPRENEUR, Role.ACCOUNTANT, Role.PEER_SUPPORT_LEAD, *READERS]
START = datetime.date(2025, 1, 1)


def _url(name, *args):
    return reverse(f"research:{name}", args=args)


def _html(response) -> str:
    return response.content.decode()


def _programme(**kwargs):
    return ProgrammeFactory(starts_on=START, ends_on=datetime.date(2030, 12, 31), **kwargs)


def _as_reader(client, programme):
    programme.readers.add(client.user)
    return client


# --- the list -------------------------------------------------------------------------------


def test_list_anonymous(client):
    assert client.get(_url("programme_members", _programme().pk)).status_code == 302


@pytest.mark.parametrize("role", NO_ACCESS)
def test_list_refused(client_of_role, role):
    programme = _programme()
    client = _as_reader(client_of_role(role), programme)
    assert client.get(_url("programme_members", programme.pk)).status_code == 403


def test_list_refuses_post(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    assert client.post(_url("programme_members", _programme().pk)).status_code == 405


def test_list_unknown_programme(client_of_role):
    assert client_of_role(Role.COORDINATOR).get(_url("programme_members", 999)).status_code == 404


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMINISTRATOR])
def test_list(client_of_role, role):
    programme = _programme()
    inside = ProgrammeMemberFactory(programme=programme, member__last_name="Zidane")
    left = ProgrammeMemberFactory(
        programme=programme, member__last_name="Platini", left_on=datetime.date(2025, 6, 1)
    )
    ProgrammeMemberFactory(member__last_name="Kopa")  # another programme
    client = client_of_role(role)
    response = client.get(_url("programme_members", programme.pk))
    assert list(response.context["page"]) == [inside]
    html = _html(response)
    assert "ZIDANE" in html and "PLATINI" not in html and "KOPA" not in html
    assert ("Noter la sortie" in html) is (role == Role.COORDINATOR)
    response = client.get(_url("programme_members", programme.pk) + "?vue=sortis")
    assert list(response.context["page"]) == [left]


def test_list_search_by_name(client_of_role):
    programme = _programme()
    camille = ProgrammeMemberFactory(
        programme=programme, member__first_name="Camille", member__last_name="Durand"
    )
    ProgrammeMemberFactory(programme=programme, member__first_name="Louis", member__last_name="Ba")
    response = client_of_role(Role.COORDINATOR).get(
        _url("programme_members", programme.pk) + "?q=durand+cam"
    )
    assert list(response.context["page"]) == [camille]


@pytest.mark.parametrize("size", [1, 8])
def test_list_query_count(client_of_role, django_assert_num_queries, size):
    client = client_of_role(Role.COORDINATOR)
    programme = _programme()
    for _ in range(size):
        ProgrammeMemberFactory(programme=programme)
    # session, user, two-factor check, the programme, the count and the page of members
    with django_assert_num_queries(6):
        assert client.get(_url("programme_members", programme.pk)).status_code == 200


# --- adding a member ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, *NO_ACCESS])
def test_add_refused(client_of_role, role):
    programme = _programme()
    client = _as_reader(client_of_role(role), programme)
    assert client.get(_url("programme_member_add", programme.pk)).status_code == 403


def test_add_refuses_put(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    assert client.put(_url("programme_member_add", _programme().pk)).status_code == 405


def test_add_unknown_programme(client_of_role):
    assert (
        client_of_role(Role.COORDINATOR).get(_url("programme_member_add", 999)).status_code == 404
    )


def test_add_searches_people_not_yet_in(client_of_role):
    programme = _programme()
    wanted = MemberFactory(first_name="Awa", last_name="Diallo")
    ProgrammeMemberFactory(programme=programme, member__last_name="Diallo")
    MemberFactory(last_name="Martin")
    client = client_of_role(Role.COORDINATOR)
    response = client.get(_url("programme_member_add", programme.pk))
    assert "Cherchez la personne" in _html(response)
    response = client.get(_url("programme_member_add", programme.pk) + "?q=diallo")
    assert response.context["form"].fields["member"].choices == [
        (wanted.pk, "DIALLO Awa — Accueil, Montreuil")
    ]


def test_add(client_of_role):
    programme = _programme()
    member = MemberFactory(last_name="Diallo")
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        _url("programme_member_add", programme.pk),
        {"q": "diallo", "member": member.pk, "joined_on": "2025-03-01"},
    )
    assert response.status_code == 302
    assert response["Location"] == _url("programme_members", programme.pk)
    membership = ProgrammeMember.objects.get()
    assert (membership.member, membership.joined_on) == (member, datetime.date(2025, 3, 1))
    assert membership.added_by == client.user


@pytest.mark.parametrize(
    ("joined_on", "message"),
    [("2024-12-01", "Le programme commence le 01/01/2025."), ("", "Ce champ est obligatoire.")],
)
def test_add_bad_date_keeps_the_choice(client_of_role, joined_on, message):
    programme = _programme()
    member = MemberFactory(last_name="Diallo")
    response = client_of_role(Role.COORDINATOR).post(
        _url("programme_member_add", programme.pk),
        {"q": "diallo", "member": member.pk, "joined_on": joined_on},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["joined_on"] == [message]
    assert form["member"].value() == str(member.pk)
    assert "checked" in _html(response)
    assert not ProgrammeMember.objects.exists()


def test_add_someone_outside_the_search_is_refused(client_of_role):
    programme = _programme()
    other = MemberFactory(last_name="Martin")
    response = client_of_role(Role.COORDINATOR).post(
        _url("programme_member_add", programme.pk),
        {"q": "diallo", "member": other.pk, "joined_on": "2025-03-01"},
    )
    assert response.status_code == 200
    assert "member" in response.context["form"].errors
    assert not ProgrammeMember.objects.exists()


# --- ending a membership ----------------------------------------------------------------------


def test_end_anonymous(client):
    membership = ProgrammeMemberFactory(programme=_programme())
    url = _url("programme_member_end", membership.programme_id, membership.pk)
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, *NO_ACCESS])
def test_end_refused(client_of_role, role):
    membership = ProgrammeMemberFactory(programme=_programme())
    client = _as_reader(client_of_role(role), membership.programme)
    url = _url("programme_member_end", membership.programme_id, membership.pk)
    assert client.get(url).status_code == 403


def test_end_through_another_programme_is_not_found(client_of_role):
    membership = ProgrammeMemberFactory(programme=_programme())
    url = _url("programme_member_end", _programme().pk, membership.pk)
    assert client_of_role(Role.COORDINATOR).get(url).status_code == 404


def test_end_refuses_put(client_of_role):
    membership = ProgrammeMemberFactory(programme=_programme())
    url = _url("programme_member_end", membership.programme_id, membership.pk)
    assert client_of_role(Role.COORDINATOR).put(url).status_code == 405


def test_end(client_of_role):
    membership = ProgrammeMemberFactory(programme=_programme())
    url = _url("programme_member_end", membership.programme_id, membership.pk)
    client = client_of_role(Role.COORDINATOR)
    assert client.get(url).status_code == 200
    response = client.post(url, {"left_on": "2025-09-30"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.left_on == datetime.date(2025, 9, 30)


def test_end_before_joining_keeps_what_was_typed(client_of_role):
    membership = ProgrammeMemberFactory(programme=_programme(), joined_on=datetime.date(2025, 5, 1))
    url = _url("programme_member_end", membership.programme_id, membership.pk)
    response = client_of_role(Role.COORDINATOR).post(url, {"left_on": "2025-04-01"})
    assert response.status_code == 200
    assert "après cette date" in response.context["form"].errors["left_on"][0]
    assert 'value="2025-04-01"' in _html(response)
    membership.refresh_from_db()
    assert membership.left_on is None
