"""A programme's funders, their contacts and its reader accounts: coordinators only."""

import pytest
from django.urls import reverse

from members.enums import Role
from research.enums import FunderKind
from research.models import Funder, FunderContact
from tests.members.factories import ProgrammeFactory, UserFactory
from tests.research.factories import FunderContactFactory, FunderFactory

pytestmark = pytest.mark.django_db

NOT_MANAGERS = [
    Role.ADMINISTRATOR,
    Role.FUNDER,
    Role.RESEARCHER,
    Role.ENTREPRENEUR,
    Role.ACCOUNTANT,
    Role.PEER_SUPPORT_LEAD,
]


def _url(name, *args):
    return reverse(f"research:{name}", args=args)


def _html(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _set_up():
    """A programme, its funder with one contact, and a funder account reading it."""
    programme = ProgrammeFactory()
    funder = FunderFactory(programmes=[programme])
    contact = FunderContactFactory(funder=funder)
    reader = UserFactory(role=Role.FUNDER)
    programme.readers.add(reader)
    return programme, funder, contact, reader


# Each set-up page: its name, the method it answers, and its arguments from _set_up().
PAGES = [
    ("programme_funder_attach", "get", lambda p, f, c, r: [p.pk]),
    ("programme_funder_detach", "post", lambda p, f, c, r: [p.pk, f.pk]),
    ("programme_contact_add", "get", lambda p, f, c, r: [p.pk, f.pk]),
    ("programme_contact_edit", "get", lambda p, f, c, r: [p.pk, c.pk]),
    ("programme_contact_remove", "get", lambda p, f, c, r: [p.pk, c.pk]),
    ("programme_reader_attach", "get", lambda p, f, c, r: [p.pk]),
    ("programme_reader_detach", "post", lambda p, f, c, r: [p.pk, r.pk]),
]


@pytest.mark.parametrize(("name", "method", "args"), PAGES)
def test_anonymous_goes_to_login(client, name, method, args):
    response = getattr(client, method)(_url(name, *args(*_set_up())))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", NOT_MANAGERS)
@pytest.mark.parametrize(("name", "method", "args"), PAGES)
def test_refused_to_everyone_but_coordinators(client_of_role, role, name, method, args):
    objects = _set_up()
    client = client_of_role(role)
    objects[0].readers.add(client.user)
    assert getattr(client, method)(_url(name, *args(*objects))).status_code == 403
    assert Funder.objects.get().programmes.exists()
    assert FunderContact.objects.exists()


@pytest.mark.parametrize(("name", "method", "args"), PAGES)
def test_objects_of_another_programme_are_not_found(client_of_role, name, method, args):
    """The funder, contact or reader of one programme, through another's address (an
    unknown programme for the pages of a programme alone)."""
    programme, funder, contact, reader = _set_up()
    arguments = args(ProgrammeFactory(), funder, contact, reader)
    if len(arguments) == 1:
        arguments = [99999]
    client = client_of_role(Role.COORDINATOR)
    assert getattr(client, method)(_url(name, *arguments)).status_code == 404


@pytest.mark.parametrize(
    "name", ["programme_funder_detach", "programme_reader_detach", "programme_contact_remove"]
)
def test_wrong_method(client_of_role, name):
    programme, funder, contact, reader = _set_up()
    args = {
        "programme_funder_detach": [programme.pk, funder.pk],
        "programme_reader_detach": [programme.pk, reader.pk],
        "programme_contact_remove": [programme.pk, contact.pk],
    }[name]
    client = client_of_role(Role.COORDINATOR)
    method = client.put if name == "programme_contact_remove" else client.get
    assert method(_url(name, *args)).status_code == 405


# --- funders --------------------------------------------------------------------------------


def test_attach_an_existing_funder(client_of_role):
    programme = ProgrammeFactory()
    known = FunderFactory(name="Fondation de France")
    attached = FunderFactory(programmes=[programme])
    client = client_of_role(Role.COORDINATOR)
    response = client.get(_url("programme_funder_attach", programme.pk))
    assert list(response.context["form"].fields["funder"].queryset) == [known]
    assert attached.name not in _html(response)
    response = client.post(_url("programme_funder_attach", programme.pk), {"funder": known.pk})
    assert response.status_code == 302
    assert response["Location"] == _url("programme_detail", programme.pk) + "#financeurs"
    assert set(programme.funders.all()) == {known, attached}


def test_attach_a_new_funder(client_of_role):
    programme = ProgrammeFactory()
    response = client_of_role(Role.COORDINATOR).post(
        _url("programme_funder_attach", programme.pk),
        {"funder": "", "name": "ARS Île-de-France", "kind": FunderKind.HEALTH_AGENCY},
        follow=True,
    )
    funder = Funder.objects.get()
    assert (funder.name, funder.kind) == ("ARS Île-de-France", FunderKind.HEALTH_AGENCY)
    assert "ARS Île-de-France finance le programme : ajoutez ses contacts." in _messages(response)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"funder": "", "name": "", "kind": ""}, "name"),
        ({"funder": "", "name": "Conseil régional", "kind": ""}, "kind"),
        ({"funder": "", "name": "Conseil régional", "kind": "planète"}, "kind"),
        ({"funder": "99999", "name": "Conseil régional", "kind": ""}, "funder"),
    ],
)
def test_attach_bad_input_keeps_what_was_typed(client_of_role, data, field):
    programme = ProgrammeFactory()
    response = client_of_role(Role.COORDINATOR).post(
        _url("programme_funder_attach", programme.pk), data
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    if data["name"]:
        assert data["name"] in _html(response)
    assert not Funder.objects.exists()


def test_detach(client_of_role):
    programme, funder, contact, _reader = _set_up()
    response = client_of_role(Role.COORDINATOR).post(
        _url("programme_funder_detach", programme.pk, funder.pk)
    )
    assert response.status_code == 302
    assert not programme.funders.exists()
    assert FunderContact.objects.get() == contact


# --- contacts -------------------------------------------------------------------------------


def _contact_data(**changes):
    data = {
        "full_name": "Anne Durand",
        "position": "Chargée de mission addictions",
        "email": "anne.durand@ars.example",
        "receives_reports": "on",
    }
    data.update(changes)
    return data


def test_contact_add(client_of_role):
    programme, funder, _contact, _reader = _set_up()
    client = client_of_role(Role.COORDINATOR)
    assert client.get(_url("programme_contact_add", programme.pk, funder.pk)).status_code == 200
    response = client.post(
        _url("programme_contact_add", programme.pk, funder.pk), _contact_data(), follow=True
    )
    added = FunderContact.objects.get(email="anne.durand@ars.example")
    assert added.funder == funder and added.receives_reports
    assert "Anne Durand" in _html(response)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "anne.durand"}, "Saisissez une adresse de courriel valide."),
        ({"full_name": ""}, "Ce champ est obligatoire."),
    ],
)
def test_contact_bad_input_keeps_what_was_typed(client_of_role, changes, message):
    programme, funder, _contact, _reader = _set_up()
    response = client_of_role(Role.COORDINATOR).post(
        _url("programme_contact_add", programme.pk, funder.pk), _contact_data(**changes)
    )
    assert response.status_code == 200
    assert message in str(response.context["form"].errors)
    assert "Chargée de mission addictions" in _html(response)
    assert FunderContact.objects.count() == 1


def test_contact_address_already_known(client_of_role):
    programme, funder, contact, _reader = _set_up()
    response = client_of_role(Role.COORDINATOR).post(
        _url("programme_contact_add", programme.pk, funder.pk),
        _contact_data(email=contact.email.upper()),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Ce contact existe déjà chez ce financeur."]


def test_contact_edit(client_of_role):
    programme, _funder, contact, _reader = _set_up()
    client = client_of_role(Role.COORDINATOR)
    response = client.get(_url("programme_contact_edit", programme.pk, contact.pk))
    assert contact.email in _html(response)
    response = client.post(
        _url("programme_contact_edit", programme.pk, contact.pk),
        _contact_data(receives_reports=""),
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.full_name, contact.receives_reports) == ("Anne Durand", False)


def test_contact_remove_asks_then_removes(client_of_role):
    programme, _funder, contact, _reader = _set_up()
    client = client_of_role(Role.COORDINATOR)
    response = client.get(_url("programme_contact_remove", programme.pk, contact.pk))
    assert response.status_code == 200
    assert "ne recevra plus les rapports" in _html(response)
    assert FunderContact.objects.exists()
    response = client.post(_url("programme_contact_remove", programme.pk, contact.pk))
    assert response.status_code == 302
    assert not FunderContact.objects.exists()


# --- readers --------------------------------------------------------------------------------


def test_reader_attach_offers_funder_and_researcher_accounts_only(client_of_role):
    programme, _funder, _contact, already = _set_up()
    funder_account = UserFactory(role=Role.FUNDER)
    researcher = UserFactory(role=Role.RESEARCHER)
    UserFactory(role=Role.FUNDER, is_active=False)
    for role in (Role.ENTREPRENEUR, Role.ACCOUNTANT, Role.PEER_SUPPORT_LEAD, Role.ADMINISTRATOR):
        UserFactory(role=role)
    client = client_of_role(Role.COORDINATOR)
    response = client.get(_url("programme_reader_attach", programme.pk))
    offered = set(response.context["form"].fields["user"].queryset)
    assert offered == {funder_account, researcher}
    assert already not in offered


def test_reader_attach(client_of_role):
    programme = ProgrammeFactory()
    researcher = UserFactory(role=Role.RESEARCHER)
    response = client_of_role(Role.COORDINATOR).post(
        _url("programme_reader_attach", programme.pk), {"user": researcher.pk}
    )
    assert response.status_code == 302
    assert list(programme.readers.all()) == [researcher]


def test_reader_attach_refuses_other_accounts(client_of_role):
    programme = ProgrammeFactory()
    entrepreneur = UserFactory(role=Role.ENTREPRENEUR)
    response = client_of_role(Role.COORDINATOR).post(
        _url("programme_reader_attach", programme.pk), {"user": entrepreneur.pk}
    )
    assert response.status_code == 200
    assert "user" in response.context["form"].errors
    assert not programme.readers.exists()


def test_reader_detach(client_of_role):
    programme, _funder, _contact, reader = _set_up()
    response = client_of_role(Role.COORDINATOR).post(
        _url("programme_reader_detach", programme.pk, reader.pk)
    )
    assert response.status_code == 302
    assert not programme.readers.exists()
    assert not reader.programmes_read.exists()
