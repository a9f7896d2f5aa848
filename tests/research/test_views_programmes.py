"""The programmes' list and page: coordinators set up, administrators read, funders and
researchers see their own programmes' anonymous page, nobody else anything."""

import datetime

import pytest
from django.urls import reverse

from activities.models import Mission
from coop.models import Programme
from members.enums import Role
from research.indicators import REGISTRY
from tests.activities.factories import MissionFactory
from tests.members.factories import AppointmentFactory, ProgrammeFactory, UserFactory
from tests.peer_support.factories import FollowUpFactory
from tests.research.factories import (
    FunderContactFactory,
    FunderFactory,
    ProgrammeMemberFactory,
)

pytestmark = pytest.mark.django_db

SEE_ALL = [Role.COORDINATOR, Role.ADMINISTRATOR]
READERS = [Role.FUNDER, Role.RESEARCHER]
NO_ACCESS = [Role.ENTREPRENEUR, Role.ACCOUNTANT, Role.PEER_SUPPORT_LEAD]
NOT_MANAGERS = [Role.ADMINISTRATOR, *READERS, *NO_ACCESS]


def _url(name, *args):
    return reverse(f"research:{name}", args=args)


def _html(response) -> str:
    return response.content.decode()


def _programme(**kwargs):
    return ProgrammeFactory(
        starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2030, 12, 31), **kwargs
    )


def _reader_client(client_of_role, role, *programmes):
    client = client_of_role(role)
    for programme in programmes:
        programme.readers.add(client.user)
    return client


# --- list -----------------------------------------------------------------------------------


def test_list_anonymous_goes_to_login(client):
    response = client.get(_url("programme_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", NO_ACCESS)
def test_list_refused(client_of_role, role):
    assert client_of_role(role).get(_url("programme_list")).status_code == 403


def test_list_refuses_post(client_of_role):
    assert client_of_role(Role.COORDINATOR).post(_url("programme_list")).status_code == 405


@pytest.mark.parametrize("role", SEE_ALL)
def test_list_running_and_ended(client_of_role, role):
    running = _programme(name="Collectif d'entraide")
    FunderFactory(name="ARS Île-de-France", programmes=[running])
    ProgrammeMemberFactory(programme=running)
    ProgrammeMemberFactory(programme=running, left=True)
    ended = ProgrammeFactory(
        name="Ancien programme",
        starts_on=datetime.date(2020, 1, 1),
        ends_on=datetime.date(2021, 12, 31),
    )
    response = client_of_role(role).get(_url("programme_list"))
    assert response.status_code == 200
    assert response.context["running"] == [running]
    assert response.context["ended"] == [ended]
    html = _html(response)
    assert "ARS Île-de-France" in html
    assert response.context["running"][0].covered_now == 1
    assert ("Nouveau programme" in html) is (role == Role.COORDINATOR)


@pytest.mark.parametrize("role", READERS)
def test_my_programmes(client_of_role, role):
    mine, other = _programme(name="Le mien"), _programme(name="Un autre")
    FunderFactory(name="Fondation X", programmes=[mine])
    client = _reader_client(client_of_role, role, mine)
    response = client.get(_url("programme_list"))
    assert response.status_code == 200
    html = _html(response)
    assert "Mes programmes" in html
    assert "Le mien" in html and "Fondation X" in html
    assert other.name not in html
    assert "Nouveau programme" not in html


def test_my_programmes_empty(client_of_role):
    _programme()
    html = _html(client_of_role(Role.FUNDER).get(_url("programme_list")))
    assert "Aucun programme ne vous est encore ouvert" in html


@pytest.mark.parametrize("size", [1, 8])
def test_list_query_count(client_of_role, django_assert_num_queries, size):
    client = client_of_role(Role.COORDINATOR)
    for _ in range(size):
        programme = _programme()
        FunderFactory(programmes=[programme])
        ProgrammeMemberFactory(programme=programme)
    # session, user, two-factor check, the programmes (with members covered today), their
    # funders
    with django_assert_num_queries(5):
        assert client.get(_url("programme_list")).status_code == 200


@pytest.mark.parametrize("size", [1, 8])
def test_my_programmes_query_count(client_of_role, django_assert_num_queries, size):
    programmes = [_programme() for _ in range(size)]
    for programme in programmes:
        FunderFactory(programmes=[programme])
    client = _reader_client(client_of_role, Role.FUNDER, *programmes)
    # session, user (no second factor for a funder), my programmes, their funders
    with django_assert_num_queries(4):
        assert client.get(_url("programme_list")).status_code == 200


# --- page -----------------------------------------------------------------------------------


def test_detail_anonymous_goes_to_login(client):
    assert client.get(_url("programme_detail", _programme().pk)).status_code == 302


@pytest.mark.parametrize("role", NO_ACCESS)
def test_detail_refused(client_of_role, role):
    assert client_of_role(role).get(_url("programme_detail", _programme().pk)).status_code == 403


def test_detail_refuses_post(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    assert client.post(_url("programme_detail", _programme().pk)).status_code == 405


def test_detail_unknown(client_of_role):
    assert client_of_role(Role.COORDINATOR).get(_url("programme_detail", 99999)).status_code == 404


def _full_programme():
    programme = _programme(name="Co'Opp", territory="Montreuil", disclosure_threshold=13)
    funder = FunderFactory(name="Fondation de France", programmes=[programme])
    FunderContactFactory(funder=funder, full_name="Anne Durand", email="anne@fdf.example")
    programme.readers.add(UserFactory(role=Role.RESEARCHER, email="chercheuse@labo.example"))
    ProgrammeMemberFactory(programme=programme, member__last_name="Zorglub")
    MissionFactory(programme=programme)
    AppointmentFactory(programme=programme)
    FollowUpFactory(programme=programme)
    return programme


@pytest.mark.parametrize("role", SEE_ALL)
def test_detail_for_coordinators_and_administrators(client_of_role, role):
    programme = _full_programme()
    response = client_of_role(role).get(_url("programme_detail", programme.pk))
    assert response.status_code == 200
    html = _html(response)
    for text in ("Fondation de France", "Anne Durand", "anne@fdf.example", "chercheuse@labo"):
        assert text in html
    shown = response.context["programme"]
    counts = (shown.mission_count, shown.appointment_count, shown.workshop_count)
    assert counts == (1, 1, 0)
    assert (shown.followup_count, shown.covered_now, shown.covered_ever) == (1, 1, 1)
    assert "1 mission" in html
    assert "1 suivi de pair-aidance" in html
    # Counts only: the page names nobody covered nor followed.
    assert "ZORGLUB" not in html
    assert ("Ajouter un financeur" in html) is (role == Role.COORDINATOR)
    assert ("Modifier" in html) is (role == Role.COORDINATOR)


@pytest.mark.parametrize("role", READERS)
def test_detail_for_readers_names_nobody(client_of_role, role):
    programme = _full_programme()
    FunderFactory(name="Département", programmes=[programme])
    client = _reader_client(client_of_role, role, programme)
    response = client.get(_url("programme_detail", programme.pk))
    assert response.status_code == 200
    html = _html(response)
    assert "Co&#x27;Opp" in html and "Montreuil" in html
    assert "Département" in html and "Fondation de France" in html
    assert "moins de 13 personnes" in html
    for hidden in (
        "Anne Durand",
        "anne@fdf.example",
        "chercheuse@labo",
        "ZORGLUB",
        "1 mission",
        "1 suivi de pair-aidance",
        "Membres couverts",
    ):
        assert hidden not in html
    assert "covered_now" not in response.context["programme"].__dict__
    assert "Ajouter" not in html


@pytest.mark.parametrize("role", READERS)
def test_detail_of_another_programme_is_not_found(client_of_role, role):
    mine, other = _programme(), _programme()
    client = _reader_client(client_of_role, role, mine)
    assert client.get(_url("programme_detail", other.pk)).status_code == 404


def test_detail_shows_the_indicator_set(client_of_role):
    indicators = list(REGISTRY.values())
    if len(indicators) < 2:
        pytest.skip("The catalogue needs two indicators.")
    chosen, left_out = indicators[0], indicators[1]
    programme = _programme(indicators=[chosen.code])
    client = _reader_client(client_of_role, Role.FUNDER, programme)
    html = _html(client.get(_url("programme_detail", programme.pk)))
    assert str(chosen.label).replace("'", "&#x27;") in html
    assert str(left_out.label).replace("'", "&#x27;") not in html


def test_detail_with_every_indicator(client_of_role):
    programme = _programme(indicators=[])
    html = _html(client_of_role(Role.COORDINATOR).get(_url("programme_detail", programme.pk)))
    assert "tous les indicateurs" in html
    for indicator in REGISTRY.values():
        assert str(indicator.definition).replace("'", "&#x27;")[:30] in html


@pytest.mark.parametrize("size", [1, 6])
def test_detail_query_count(client_of_role, django_assert_num_queries, size):
    client = client_of_role(Role.COORDINATOR)
    programme = _programme()
    for _ in range(size):
        funder = FunderFactory(programmes=[programme])
        FunderContactFactory(funder=funder)
        programme.readers.add(UserFactory(role=Role.FUNDER))
        ProgrammeMemberFactory(programme=programme)
        MissionFactory(programme=programme)
    # session, user, two-factor check, the programme (with its counts), its funders, their
    # contacts, its readers
    with django_assert_num_queries(7):
        assert client.get(_url("programme_detail", programme.pk)).status_code == 200


@pytest.mark.parametrize("size", [1, 6])
def test_public_page_query_count(client_of_role, django_assert_num_queries, size):
    programme = _programme()
    for _ in range(size):
        FunderFactory(programmes=[programme])
    client = _reader_client(client_of_role, Role.RESEARCHER, programme)
    # session, user (no second factor for a researcher), the programme, its funders' names
    with django_assert_num_queries(4):
        assert client.get(_url("programme_detail", programme.pk)).status_code == 200


# --- create and edit --------------------------------------------------------------------------


def _programme_data(**changes):
    data = {
        "name": "Collectif d'entraide 93",
        "funder": "ARS Île-de-France",
        "territory": "Seine-Saint-Denis",
        "starts_on": "2026-01-01",
        "ends_on": "2027-12-31",
        "description": "Un collectif d'entraide.",
        "disclosure_threshold": "11",
        "k_anonymity": "11",
    }
    data.update(changes)
    return data


def test_create_anonymous(client):
    assert client.get(_url("programme_create")).status_code == 302


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_create_refused(client_of_role, role):
    assert client_of_role(role).get(_url("programme_create")).status_code == 403


def test_create_refuses_put(client_of_role):
    assert client_of_role(Role.COORDINATOR).put(_url("programme_create")).status_code == 405


def test_create(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    assert client.get(_url("programme_create")).status_code == 200
    codes = list(REGISTRY)[:1]
    response = client.post(_url("programme_create"), _programme_data(indicators=codes))
    programme = Programme.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("programme_detail", programme.pk)
    assert programme.ends_on == datetime.date(2027, 12, 31)
    assert programme.indicators == codes


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"disclosure_threshold": "4"}, "disclosure_threshold", "Au moins 5 personnes"),
        ({"k_anonymity": "2"}, "k_anonymity", "Au moins 5 personnes"),
        ({"ends_on": "2025-01-01"}, "ends_on", "La fin du programme précède son début."),
        ({"starts_on": "31/02/2026"}, "starts_on", "Saisissez une date valide."),
        ({"indicators": ["inconnu"]}, "indicators", "inconnu"),
    ],
)
def test_create_bad_input_keeps_what_was_typed(client_of_role, changes, field, message):
    client = client_of_role(Role.COORDINATOR)
    response = client.post(_url("programme_create"), _programme_data(**changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    html = _html(response)
    assert "Collectif d&#x27;entraide 93" in html
    assert "Un collectif d&#x27;entraide." in html
    assert not Programme.objects.exists()


def test_create_duplicate_name(client_of_role):
    _programme(name="Collectif d'entraide 93")
    response = client_of_role(Role.COORDINATOR).post(_url("programme_create"), _programme_data())
    assert response.status_code == 200
    assert "name" in response.context["form"].errors


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_edit_refused(client_of_role, role):
    programme = _programme()
    programme.readers.add(UserFactory(role=Role.FUNDER))
    assert client_of_role(role).get(_url("programme_edit", programme.pk)).status_code == 403


def test_edit_unknown(client_of_role):
    assert client_of_role(Role.COORDINATOR).get(_url("programme_edit", 99999)).status_code == 404


def test_edit(client_of_role):
    programme = _programme(indicators=list(REGISTRY)[:1])
    client = client_of_role(Role.COORDINATOR)
    response = client.get(_url("programme_edit", programme.pk))
    assert response.status_code == 200
    assert response.context["form"]["indicators"].value() == programme.indicators
    response = client.post(
        _url("programme_edit", programme.pk),
        _programme_data(name="Nouveau nom", disclosure_threshold="5", starts_on="2025-01-01"),
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert (programme.name, programme.disclosure_threshold, programme.indicators) == (
        "Nouveau nom",
        5,
        [],
    )


def test_edit_refused_by_the_service_keeps_what_was_typed(client_of_role):
    programme = _programme()
    ProgrammeMemberFactory(programme=programme, joined_on=datetime.date(2025, 2, 1))
    response = client_of_role(Role.COORDINATOR).post(
        _url("programme_edit", programme.pk),
        _programme_data(name="Renommé", starts_on="2026-01-01"),
    )
    assert response.status_code == 200
    assert "01/02/2025" in " ".join(response.context["form"].errors["starts_on"])
    assert "Renommé" in _html(response)
    programme.refresh_from_db()
    assert programme.name != "Renommé"


def test_mission_count_ignores_other_programmes(client_of_role):
    programme = _programme()
    MissionFactory(programme=_programme())
    response = client_of_role(Role.COORDINATOR).get(_url("programme_detail", programme.pk))
    assert response.context["programme"].mission_count == 0
    assert Mission.objects.count() == 1
