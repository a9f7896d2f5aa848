"""The client directory: list, creation, editing, client page and contacts."""

import html as html_lib

import pytest
from django.urls import reverse

from coop.models import Client, ClientContact
from members.enums import Role
from tests.activities.factories import ClientFactory, MissionFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("coop:client_list")
CREATE_URL = reverse("coop:client_create")

READERS = [Role.COORDINATOR, Role.ADMINISTRATOR, Role.ACCOUNTANT]
NOT_READERS = [role for role in Role if role not in READERS]
NOT_MANAGERS = [role for role in Role if role != Role.COORDINATOR]

# SIRET numbers whose SIREN passes the Luhn key (localflavor's check).
VALID_SIRET = "73282932000074"
OTHER_VALID_SIRET = "73282932000082"
WRONG_SIRET = "12345678901234"
SIRET_MESSAGE = "Saisissez un numéro SIRET français valide."


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _names(response) -> list[str]:
    return [client.name for client in response.context["page"]]


def _client_data(**overrides) -> dict:
    return {
        "name": "Collège Louise-Michel",
        "kind": "school",
        "is_public": "on",
        "siret": "732 829 320 00074",
        "address": "12 rue de la République",
        "postcode": "93100",
        "commune": "Montreuil",
        "email": "secretariat@college.exemple.fr",
        "phone": "01 48  70 00 00",
    } | overrides


def _detail_url(client: Client) -> str:
    return reverse("coop:client_detail", args=[client.pk])


def _edit_url(client: Client) -> str:
    return reverse("coop:client_edit", args=[client.pk])


def _contact_url(client: Client) -> str:
    return reverse("coop:contact_add", args=[client.pk])


# --- who may reach the pages ------------------------------------------------------------


def _all_urls() -> list:
    return [
        lambda c: LIST_URL,
        lambda c: CREATE_URL,
        _detail_url,
        _edit_url,
        _contact_url,
    ]


@pytest.mark.parametrize("url", _all_urls())
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url(ClientFactory()))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", READERS)
def test_readers_see_the_list_and_the_client(client_of_role, role):
    known = ClientFactory(name="Mairie de Bagnolet")
    client = client_of_role(role)
    listing = _text(client.get(LIST_URL))
    assert "Mairie de Bagnolet" in listing
    assert ("Ajouter un client" in listing) == (role == Role.COORDINATOR)
    page = _text(client.get(_detail_url(known)))
    assert "Mairie de Bagnolet" in page
    assert ("Modifier le client" in page) == (role == Role.COORDINATOR)


@pytest.mark.parametrize("role", NOT_READERS)
def test_other_roles_do_not_see_the_directory(client_of_role, role):
    known = ClientFactory()
    client = client_of_role(role)
    assert client.get(LIST_URL).status_code == 403
    assert client.get(_detail_url(known)).status_code == 403


def test_an_entrepreneur_does_not_see_even_their_own_client(client):
    member = MemberFactory(path="cape")
    mission = MissionFactory(entrepreneurs=[member])
    client.force_login(member.user)
    assert client.get(LIST_URL).status_code == 403
    assert client.get(_detail_url(mission.client)).status_code == 403


@pytest.mark.parametrize("role", NOT_MANAGERS)
@pytest.mark.parametrize("url", [lambda c: CREATE_URL, _edit_url, _contact_url])
def test_only_coordinators_change_the_directory(client_of_role, role, url):
    known = ClientFactory()
    client = client_of_role(role)
    assert client.get(url(known)).status_code == 403
    assert client.post(url(known), _client_data()).status_code == 403


@pytest.mark.parametrize("url", [_detail_url, _edit_url, _contact_url])
def test_unknown_client_is_404(client_of_role, url):
    client = client_of_role(Role.COORDINATOR)
    gone = ClientFactory()
    address = url(gone)
    gone.delete()
    assert client.get(address).status_code == 404


@pytest.mark.parametrize("url", [lambda c: LIST_URL, _detail_url])
def test_read_pages_refuse_post(client_of_role, url):
    client = client_of_role(Role.COORDINATOR)
    assert client.post(url(ClientFactory())).status_code == 405


@pytest.mark.parametrize("url", [lambda c: CREATE_URL, _edit_url, _contact_url])
def test_forms_refuse_other_methods(client_of_role, url):
    client = client_of_role(Role.COORDINATOR)
    assert client.put(url(ClientFactory())).status_code == 405


# --- the list and its filters --------------------------------------------------------------


def test_list_is_sorted_by_name_and_shows_the_mission_count(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    school = ClientFactory(name="Lycée Voltaire")
    ClientFactory(name="Association Aurore", kind="association", is_public=False)
    MissionFactory.create_batch(2, client=school)
    response = client.get(LIST_URL)
    assert _names(response) == ["Association Aurore", "Lycée Voltaire"]
    counts = {row.name: row.mission_count for row in response.context["page"]}
    assert counts == {"Association Aurore": 0, "Lycée Voltaire": 2}


def test_filter_by_kind(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    ClientFactory(name="Lycée Voltaire", kind="school")
    ClientFactory(name="Association Aurore", kind="association")
    assert _names(client.get(LIST_URL, {"kind": "association"})) == ["Association Aurore"]


def test_filter_public_or_private(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    ClientFactory(name="Mairie de Montreuil", kind="local_authority", is_public=True)
    ClientFactory(name="Garage Dupont", kind="company", is_public=False)
    assert _names(client.get(LIST_URL, {"public": "1"})) == ["Mairie de Montreuil"]
    assert _names(client.get(LIST_URL, {"public": "0"})) == ["Garage Dupont"]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("voltaire", ["Lycée Voltaire"]),
        ("bagnolet", ["Garage Dupont"]),
        ("732 829 320", ["Garage Dupont"]),
        ("73282932000074", ["Garage Dupont"]),
        ("lycée montreuil", ["Lycée Voltaire"]),
    ],
)
def test_search_by_name_commune_or_siret(client_of_role, search, expected):
    client = client_of_role(Role.COORDINATOR)
    ClientFactory(name="Lycée Voltaire", commune="Montreuil", postcode="93100")
    ClientFactory(name="Garage Dupont", commune="Bagnolet", postcode="93170", siret=VALID_SIRET)
    assert _names(client.get(LIST_URL, {"q": search})) == expected


def test_a_wrong_filter_shows_nothing_and_says_so(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    ClientFactory()
    response = client.get(LIST_URL, {"kind": "castle"})
    assert response.status_code == 200
    assert _names(response) == []
    assert "Corrigez les filtres" in _text(response)


def test_list_paginates(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    ClientFactory.create_batch(51, created_by=client.user)
    first = client.get(LIST_URL)
    assert len(first.context["page"]) == 50
    assert len(client.get(LIST_URL, {"page": 2}).context["page"]) == 1


@pytest.mark.parametrize("clients", [5, 50])
def test_list_query_count_does_not_grow(client_of_role, django_assert_num_queries, clients):
    client = client_of_role(Role.COORDINATOR)
    for index in range(clients):
        known = ClientFactory(created_by=client.user)
        if index % 5 == 0:
            MissionFactory(client=known)
    # session, user, two-factor check, count of clients, the page of clients (with their
    # mission count)
    with django_assert_num_queries(5):
        response = client.get(LIST_URL, {"kind": "school"})
    assert response.status_code == 200


# --- creating and editing -------------------------------------------------------------------


def test_create_form_says_public_clients_go_through_chorus_pro(client_of_role):
    html = _text(client_of_role(Role.COORDINATOR).get(CREATE_URL))
    assert "Chorus Pro" in html
    assert 'inputmode="numeric"' in html


def test_create_a_client(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    response = client.post(CREATE_URL, _client_data())
    created = Client.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail_url(created)
    assert created.siret == VALID_SIRET
    assert created.is_public
    assert created.created_by == client.user
    assert created.phone == "01 48 70 00 00"
    page = _text(client.get(response["Location"]))
    assert "Le client Collège Louise-Michel est ajouté." in page
    assert "Chorus Pro" in page


def test_a_wrong_siret_gets_its_french_message_and_keeps_what_was_typed(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    response = client.post(CREATE_URL, _client_data(siret=WRONG_SIRET, name="Mairie de Pantin"))
    assert response.status_code == 200
    assert not Client.objects.exists()
    html = _text(response)
    assert SIRET_MESSAGE in html
    assert 'value="Mairie de Pantin"' in html
    assert response.context["form"].errors["siret"] == [SIRET_MESSAGE]


def test_a_siret_already_in_the_directory_is_refused_on_its_field(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    ClientFactory(siret=VALID_SIRET)
    response = client.post(CREATE_URL, _client_data())
    assert response.status_code == 200
    assert "déjà ce numéro SIRET" in response.context["form"].errors["siret"][0]
    assert Client.objects.count() == 1


@pytest.mark.parametrize("postcode", ["9310", "931000", "ABCDE"])
def test_postcode_has_five_digits(client_of_role, postcode):
    client = client_of_role(Role.COORDINATOR)
    response = client.post(CREATE_URL, _client_data(postcode=postcode))
    assert response.context["form"].errors["postcode"] == ["Le code postal a cinq chiffres."]
    assert not Client.objects.exists()


def test_name_and_kind_are_required(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    response = client.post(CREATE_URL, _client_data(name="", kind=""))
    assert set(response.context["form"].errors) == {"name", "kind"}


def test_edit_a_client(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    known = ClientFactory(name="Collège A", is_public=True)
    form_page = _text(client.get(_edit_url(known)))
    assert 'value="Collège A"' in form_page
    data = _client_data(name="Collège B", siret=OTHER_VALID_SIRET)
    del data["is_public"]
    response = client.post(_edit_url(known), data)
    assert response.status_code == 302
    known.refresh_from_db()
    assert known.name == "Collège B"
    assert not known.is_public
    assert known.siret == OTHER_VALID_SIRET


def test_edit_keeps_its_own_siret(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    known = ClientFactory(siret=VALID_SIRET)
    response = client.post(_edit_url(known), _client_data())
    assert response.status_code == 302


def test_edit_with_wrong_siret_keeps_the_input(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    known = ClientFactory(name="Collège A")
    response = client.post(_edit_url(known), _client_data(name="Collège C", siret=WRONG_SIRET))
    assert response.status_code == 200
    assert SIRET_MESSAGE in _text(response)
    assert 'value="Collège C"' in _text(response)
    known.refresh_from_db()
    assert known.name == "Collège A"


# --- the client page and its contacts -------------------------------------------------------


def test_client_page_shows_contacts_and_missions_with_status(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    known = ClientFactory(name="Lycée Voltaire")
    ClientContact.objects.create(
        client=known, name="Mme Rivière", job_title="CPE", email="cpe@lycee.exemple.fr"
    )
    member = MemberFactory(path="cape", first_name="Nadia", last_name="Benali")
    mission = MissionFactory(client=known, title="Ateliers écrans", entrepreneurs=[member])
    MissionFactory(client=known, title="Proposée", status="proposed")
    MissionFactory(title="Chez un autre client")
    html = _text(client.get(_detail_url(known)))
    assert "Mme Rivière" in html
    assert "CPE" in html
    assert reverse("activities:mission_detail", args=[mission.pk]) in html
    assert "Ateliers écrans" in html
    assert "Nadia Benali" in html
    assert "Planifiée" in html
    assert "Proposée" in html
    assert "Chez un autre client" not in html


def test_add_a_contact(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    known = ClientFactory()
    response = client.post(
        _contact_url(known),
        {"name": "M. Garcia", "job_title": "Principal", "email": "", "phone": "06 01 02 03 04"},
    )
    assert response.status_code == 302
    assert response["Location"] == _detail_url(known)
    contact = known.contacts.get()
    assert (contact.name, contact.phone) == ("M. Garcia", "06 01 02 03 04")


def test_a_contact_needs_a_name_and_a_real_email(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    known = ClientFactory()
    response = client.post(
        _contact_url(known), {"name": "", "job_title": "Infirmière", "email": "pas-un-mail"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "email"}
    assert 'value="Infirmière"' in _text(response)
    assert not ClientContact.objects.exists()


@pytest.mark.parametrize(("contacts", "missions"), [(1, 2), (10, 25)])
def test_client_page_query_count_does_not_grow(
    client_of_role, django_assert_num_queries, contacts, missions
):
    client = client_of_role(Role.COORDINATOR)
    known = ClientFactory()
    for index in range(contacts):
        ClientContact.objects.create(client=known, name=f"Contact {index}")
    MissionFactory.create_batch(missions, client=known)
    # session, user, two-factor check; the client with who added it; its contacts;
    # count of its missions; the page of missions; their entrepreneurs
    with django_assert_num_queries(8):
        response = client.get(_detail_url(known))
    assert response.status_code == 200
