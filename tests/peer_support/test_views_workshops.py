"""Peer-to-peer workshops: the list, creating and changing one, its page (names only of
the people the reader accompanies) and the attendance."""

import datetime
import html as html_lib

import pytest
from django.urls import reverse
from django.utils import timezone

from members.enums import Role
from peer_support.enums import AccessAction, WorkshopKind
from peer_support.models import AccessLog, PeerWorkshop, WorkshopAttendance
from tests.peer_support.factories import (
    FollowUpFactory,
    PeerMediatorFactory,
    PeerWorkshopFactory,
    lead_user,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("peer_support:workshop_list")
CREATE_URL = reverse("peer_support:workshop_create")
NO_ACCESS_ROLES = [
    Role.COORDINATOR,
    Role.ACCOUNTANT,
    Role.ADMINISTRATOR,
    Role.FUNDER,
    Role.RESEARCHER,
    Role.ENTREPRENEUR,
]


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _url(name: str, *args) -> str:
    return reverse(f"peer_support:{name}", args=args)


@pytest.fixture
def mediator(client):
    member = PeerMediatorFactory()
    client.force_login(member.user)
    return member


@pytest.fixture
def workshop(mediator):
    return PeerWorkshopFactory(facilitators=[mediator])


def _workshop_data(**overrides) -> dict:
    return {
        "kind": WorkshopKind.PEER_TO_PEER,
        "title": "Groupe de parole",
        "date": timezone.localdate().isoformat(),
        "duration": "120",
        "duration_other": "",
        "place": "Local de Montreuil",
        "other_participants": "2",
        "note": "",
    } | overrides


def test_list_anonymous_goes_to_login(client):
    assert client.get(LIST_URL)["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", NO_ACCESS_ROLES)
def test_list_refused_to_other_roles(client_of_role, role):
    assert client_of_role(role).get(LIST_URL).status_code == 403
    assert client_of_role(role).get(CREATE_URL).status_code == 403


@pytest.mark.parametrize("role", NO_ACCESS_ROLES)
def test_workshop_pages_unknown_to_other_roles(client_of_role, role):
    workshop = PeerWorkshopFactory()
    client = client_of_role(role)
    for name in ("workshop_detail", "workshop_edit", "workshop_attendance"):
        assert client.get(_url(name, workshop.pk)).status_code == 404, name


def test_workshop_pages_unknown_to_another_mediator(client, mediator):
    workshop = PeerWorkshopFactory()
    for name in ("workshop_detail", "workshop_edit", "workshop_attendance"):
        assert client.get(_url(name, workshop.pk)).status_code == 404, name


def test_wrong_methods(client, workshop):
    assert client.post(LIST_URL).status_code == 405
    assert client.post(_url("workshop_detail", workshop.pk)).status_code == 405
    assert client.put(_url("workshop_edit", workshop.pk)).status_code == 405


def test_list_shows_the_mediators_workshops(client, workshop):
    PeerWorkshopFactory(title="Atelier d'un·e autre")
    html = _text(client.get(LIST_URL))
    assert workshop.title in html
    assert "Atelier d'un·e autre" not in html


def test_create_happy_path_and_bad_input(client, mediator):
    colleague = PeerMediatorFactory()
    response = client.post(CREATE_URL, _workshop_data(title="", duration=""))
    html = _text(response)
    assert "Indiquez le thème de l'atelier." in html
    assert "Choisissez la durée de l'atelier." in html
    assert 'value="Local de Montreuil"' in html
    response = client.post(CREATE_URL, _workshop_data(cofacilitators=[colleague.pk]))
    workshop = PeerWorkshop.objects.get()
    assert response["Location"] == _url("workshop_detail", workshop.pk)
    assert set(workshop.facilitations.values_list("member", flat=True)) == {
        mediator.pk,
        colleague.pk,
    }


def test_lead_reads_but_does_not_create(client):
    client.force_login(lead_user())
    workshop = PeerWorkshopFactory()
    assert client.get(LIST_URL).status_code == 200
    assert client.get(CREATE_URL).status_code == 403
    assert client.get(_url("workshop_detail", workshop.pk)).status_code == 200
    assert client.get(_url("workshop_edit", workshop.pk)).status_code == 403


def test_edit_happy_path(client, workshop):
    data = _workshop_data(title="Nouveau thème", date=workshop.date.isoformat())
    del data["kind"]
    response = client.post(_url("workshop_edit", workshop.pk), data)
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.title == "Nouveau thème"


def test_attendance_then_detail_names_only_the_readers_people(client, mediator, workshop):
    mine = FollowUpFactory(mediator=mediator, pseudonym="Samia")
    other = FollowUpFactory(pseudonym="Gaëlle")
    WorkshopAttendance.objects.create(
        workshop=workshop, followup=other, recorded_by=other.mediator.user
    )
    url = _url("workshop_attendance", workshop.pk)
    page = _text(client.get(url))
    assert "Samia" in page and "Gaëlle" not in page
    assert AccessLog.objects.filter(action=AccessAction.LIST, followup=mine).exists()
    assert client.post(url, {"followups": [mine.pk]}).status_code == 302
    assert WorkshopAttendance.objects.filter(workshop=workshop, followup=mine).exists()
    response = client.get(_url("workshop_detail", workshop.pk))
    html = _text(response)
    assert "Samia" in html
    assert "Gaëlle" not in html
    assert "Et 1 personne accompagnée par un·e autre médiateur·rice." in html


def test_attendance_of_someone_else_is_refused(client, mediator, workshop):
    FollowUpFactory(mediator=mediator)
    stranger = FollowUpFactory()
    response = client.post(_url("workshop_attendance", workshop.pk), {"followups": [stranger.pk]})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide." in _text(response)
    assert not WorkshopAttendance.objects.exists()


def test_attendance_nobody_came_removes_the_attendance(client, mediator, workshop):
    mine = FollowUpFactory(mediator=mediator)
    WorkshopAttendance.objects.create(workshop=workshop, followup=mine, recorded_by=mediator.user)
    assert client.post(_url("workshop_attendance", workshop.pk), {}).status_code == 302
    assert not WorkshopAttendance.objects.exists()


def test_attendance_of_a_future_workshop_redirects(client, mediator):
    future = PeerWorkshopFactory(
        facilitators=[mediator], date=timezone.localdate() + datetime.timedelta(days=3)
    )
    response = client.get(_url("workshop_attendance", future.pk))
    assert response.status_code == 302
