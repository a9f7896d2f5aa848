import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from members import services
from members.enums import Activity, ConsentScope, Role, Stage
from members.models import Member
from tests.members.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("members:member_list")
EXPORT_URL = reverse("members:member_export")

READERS = [Role.COORDINATOR, Role.ADMINISTRATOR]
REFUSED = [role for role in Role if role not in READERS]

CSV_HEADER = [
    "Nom",
    "Prénom",
    "Étape",
    "À cette étape depuis le",
    "Métier",
    "Chargé·e d'accompagnement",
    "Contrat en cours",
    "Fin prévue du contrat",
]


def _names(response) -> list[str]:
    return [member.last_name for member in response.context["page"]]


def _csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:]), delimiter=";"))


def _former_service_user(member: Member, coordinator) -> None:
    services.consent_record(
        actor=coordinator,
        member=member,
        scope=ConsentScope.HEALTH_PROFILE,
        given_on=timezone.localdate(),
        explanation="Expliqué lors du rendez-vous d'accueil.",
    )
    services.sensitive_profile_set(actor=coordinator, member=member, is_former_service_user=True)


# --- who may see the list ---------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST_URL, EXPORT_URL])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", READERS)
def test_list_for_coordinators_and_administrators(client_of_role, role):
    MemberFactory(last_name="Benali", first_name="Nadia")
    response = client_of_role(role).get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Benali Nadia" in html
    # Administrators read; only coordinators register people.
    assert ("Enregistrer une personne" in html) == (role == Role.COORDINATOR)


@pytest.mark.parametrize("role", REFUSED)
@pytest.mark.parametrize("url", [LIST_URL, EXPORT_URL])
def test_other_roles_are_refused(client_of_role, role, url):
    MemberFactory()
    assert client_of_role(role).get(url).status_code == 403


def test_an_entrepreneur_does_not_list_even_themself(client):
    member = MemberFactory()
    client.force_login(member.user)
    assert client.get(LIST_URL).status_code == 403
    assert client.get(EXPORT_URL).status_code == 403


@pytest.mark.parametrize("url", [LIST_URL, EXPORT_URL])
def test_wrong_method(client_of_role, url):
    assert client_of_role(Role.COORDINATOR).post(url).status_code == 405


# --- what a row shows ---------------------------------------------------------------------


def test_row_shows_name_stage_activity_coordinator_and_contract(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    coordinator = UserFactory(role=Role.COORDINATOR, first_name="Claire", last_name="Fontaine")
    member = MemberFactory(
        last_name="Benali", first_name="Nadia", activity=Activity.SEWING, coordinator=coordinator
    )
    cape = services.cape_start(
        actor=coordinator,
        member=member,
        start_date=member.information_meeting_on + datetime.timedelta(days=10),
        planned_end_date=member.information_meeting_on + datetime.timedelta(days=200),
    )
    html = client.get(LIST_URL).content.decode()
    assert f'href="{reverse("members:member_detail", args=[member.pk])}"' in html
    assert "Benali Nadia" in html
    assert f"depuis le {cape.start_date:%d/%m/%Y}" in html
    assert "Couture" in html
    assert "Claire Fontaine" in html
    assert "CAPE" in html
    assert f"fin prévue le {cape.planned_end_date:%d/%m/%Y}" in html
    assert "Exporter en CSV" in html


def test_health_data_never_shows_in_the_list(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(last_name="Benali")
    _former_service_user(member, member.coordinator)
    html = client.get(LIST_URL).content.decode()
    assert "Benali" in html
    assert "usager" not in html.lower()
    assert "consentement" not in html.lower()


def test_list_is_sorted_by_last_name(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    for name in ["Moreau", "bernard", "Dubois", "André"]:
        MemberFactory(last_name=name)
    assert _names(client.get(LIST_URL)) == ["André", "bernard", "Dubois", "Moreau"]


# --- each filter ----------------------------------------------------------------------------


def test_current_members_only_by_default(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MemberFactory(last_name="Présente")
    MemberFactory(last_name="Partie", path="exited")
    assert _names(client.get(LIST_URL)) == ["Présente"]
    assert _names(client.get(LIST_URL, {"include_exited": "on"})) == ["Partie", "Présente"]
    # Asking for the exit stage shows the people who left.
    assert _names(client.get(LIST_URL, {"stage": Stage.EXITED})) == ["Partie"]


def test_filter_by_stage(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MemberFactory(last_name="Accueil")
    MemberFactory(last_name="Cape", path="cape")
    MemberFactory(last_name="Cesa", path="cesa")
    MemberFactory(last_name="Associe", path="associate")
    assert _names(client.get(LIST_URL, {"stage": Stage.CESA})) == ["Cesa"]
    assert _names(client.get(LIST_URL, {"stage": Stage.WELCOME})) == ["Accueil"]


def test_filter_by_activity(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MemberFactory(last_name="Jardin", activity=Activity.GARDENING)
    MemberFactory(last_name="Prevention", activity=Activity.PREVENTION)
    assert _names(client.get(LIST_URL, {"activity": Activity.GARDENING})) == ["Jardin"]


def test_filter_by_profile(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MemberFactory(last_name="Pair", is_peer_mediator=True)
    MemberFactory(last_name="Soignant", is_care_professional=True)
    MemberFactory(last_name="Autre")
    assert _names(client.get(LIST_URL, {"profile": "peer_mediator"})) == ["Pair"]
    assert _names(client.get(LIST_URL, {"profile": "care_professional"})) == ["Soignant"]


def test_profile_filter_offers_no_health_data(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    response = client.get(LIST_URL, {"profile": "former_service_user"})
    assert response.status_code == 200
    assert response.context["form"].errors["profile"]
    assert "former_service_user" not in dict(response.context["form"].fields["profile"].choices)


def test_filter_by_coordinator(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    mine = MemberFactory(last_name="Suivie", coordinator=client.user)
    MemberFactory(last_name="Ailleurs")
    response = client.get(LIST_URL, {"coordinator": client.user.pk})
    assert _names(response) == [mine.last_name]
    # Only active coordinators are offered.
    former = UserFactory(role=Role.COORDINATOR, is_active=False)
    offered = [value for value, _label in response.context["form"].fields["coordinator"].choices]
    assert client.user.pk in [getattr(value, "value", value) for value in offered]
    assert former.pk not in [getattr(value, "value", value) for value in offered]


def test_filter_by_contract_end(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    today = timezone.localdate()
    for name, planned_end in [("Bientot", 20), ("Plustard", 200)]:
        member = MemberFactory(
            last_name=name, information_meeting_on=today - datetime.timedelta(days=100)
        )
        services.cape_start(
            actor=member.coordinator,
            member=member,
            start_date=today - datetime.timedelta(days=90),
            planned_end_date=today + datetime.timedelta(days=planned_end),
        )
    MemberFactory(last_name="Sanscontrat")
    before = (today + datetime.timedelta(days=30)).isoformat()
    assert _names(client.get(LIST_URL, {"contract_end_before": before})) == ["Bientot"]
    # The day itself counts, and the French way of writing a date is understood.
    exact = (today + datetime.timedelta(days=20)).strftime("%d/%m/%Y")
    assert _names(client.get(LIST_URL, {"contract_end_before": exact})) == ["Bientot"]


def test_search_by_first_or_last_name(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MemberFactory(first_name="Nadia", last_name="Benali")
    MemberFactory(first_name="Louis", last_name="Nadal")
    MemberFactory(first_name="Hélène", last_name="Garnier")
    assert _names(client.get(LIST_URL, {"q": "benali"})) == ["Benali"]
    assert _names(client.get(LIST_URL, {"q": "NAD"})) == ["Benali", "Nadal"]
    assert _names(client.get(LIST_URL, {"q": "nadia benali"})) == ["Benali"]
    assert _names(client.get(LIST_URL, {"q": "Hélène"})) == ["Garnier"]
    assert _names(client.get(LIST_URL, {"q": "Inconnu"})) == []


def test_filters_combine(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MemberFactory(last_name="Benali", activity=Activity.SEWING, path="cape")
    MemberFactory(last_name="Bensaid", activity=Activity.SEWING)
    MemberFactory(last_name="Benoit", activity=Activity.CARE, path="cape")
    response = client.get(LIST_URL, {"q": "ben", "activity": Activity.SEWING, "stage": Stage.CAPE})
    assert _names(response) == ["Benali"]


def test_bad_filters_keep_what_was_typed_and_list_nothing(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MemberFactory(last_name="Benali")
    response = client.get(
        LIST_URL, {"q": "Bena", "stage": "inconnue", "contract_end_before": "31/02/2026"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    errors = response.context["form"].errors
    assert "stage" in errors and "contract_end_before" in errors
    assert "Sélectionnez un choix valide" in html
    assert "Saisissez une date valide" in html
    assert 'value="Bena"' in html
    assert 'value="31/02/2026"' in html
    assert _names(response) == []
    assert "Exporter en CSV" not in html
    # The folded filters open to show what is wrong.
    assert '<details class="field" open>' in html


# --- pagination -------------------------------------------------------------------------


def test_pagination_keeps_the_filters(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    coordinator = UserFactory(role=Role.COORDINATOR)
    MemberFactory.create_batch(55, activity=Activity.GARDENING, coordinator=coordinator)
    MemberFactory.create_batch(3, activity=Activity.SEWING, coordinator=coordinator)
    first = client.get(LIST_URL, {"activity": Activity.GARDENING})
    assert first.context["page"].paginator.count == 55
    assert len(first.context["page"].object_list) == 50
    html = first.content.decode()
    assert 'href="?activity=gardening&amp;page=2"' in html
    assert "55 membres" in html
    # The extra filters stay folded, saying one is in use.
    assert '<details class="field">' in html
    assert "Plus de filtres (1 en cours)" in html
    # The export link keeps the filters, without the page.
    assert f'href="{EXPORT_URL}?activity=gardening"' in html
    second = client.get(LIST_URL, {"activity": Activity.GARDENING, "page": 2})
    assert len(second.context["page"].object_list) == 5
    assert 'href="?activity=gardening&amp;page=1"' in second.content.decode()
    assert client.get(LIST_URL, {"page": "abc"}).status_code == 200


@pytest.mark.parametrize("members", [5, 50])
def test_list_query_count_does_not_grow(client_of_role, django_assert_num_queries, members):
    client = client_of_role(Role.COORDINATOR)
    for index in range(members):
        # Half of them followed by this coordinator, the others each by their own.
        followed = {"coordinator": client.user} if index % 2 else {}
        MemberFactory(path=["cape", "cesa", None][index % 3], **followed)
    # session, user, two-factor check, count of members, the page of members (with their
    # coordinator and open contract), the coordinators offered in the filter
    with django_assert_num_queries(6):
        response = client.get(LIST_URL, {"contract_end_before": "2099-01-01"})
    assert response.status_code == 200
    # a chosen coordinator is checked too: one more
    with django_assert_num_queries(7):
        client.get(LIST_URL, {"coordinator": client.user.pk})


# --- the CSV export ---------------------------------------------------------------------


def test_export_headers_and_row(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    coordinator = UserFactory(role=Role.COORDINATOR, first_name="Claire", last_name="Fontaine")
    member = MemberFactory(
        last_name="Benali", first_name="Nadia", activity=Activity.SEWING, coordinator=coordinator
    )
    cape = services.cape_start(
        actor=coordinator,
        member=member,
        start_date=member.information_meeting_on + datetime.timedelta(days=10),
        planned_end_date=member.information_meeting_on + datetime.timedelta(days=200),
    )
    MemberFactory(last_name="Zola", first_name="Émile", coordinator=coordinator)
    response = client.get(EXPORT_URL)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="membres-')
    rows = _csv_rows(response)
    assert rows[0] == CSV_HEADER
    assert rows[1] == [
        "Benali",
        "Nadia",
        "CAPE",
        cape.start_date.strftime("%d/%m/%Y"),
        "Couture",
        "Claire Fontaine",
        "CAPE",
        cape.planned_end_date.strftime("%d/%m/%Y"),
    ]
    assert rows[2][:3] == ["Zola", "Émile", "Accueil"]
    assert rows[2][6:] == ["", ""]
    assert len(rows) == 3


def test_export_is_semicolon_separated_utf8_with_bom(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MemberFactory(last_name="Benali")
    content = b"".join(client.get(EXPORT_URL).streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8").splitlines()[0].startswith("\ufeffNom;Prénom;Étape;")


def test_export_never_holds_health_data(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(last_name="Benali")
    _former_service_user(member, member.coordinator)
    content = b"".join(client.get(EXPORT_URL).streaming_content).decode("utf-8").lower()
    assert "benali" in content
    for word in ["usager", "consent", "true", "vrai", "santé", "expliqué"]:
        assert word not in content
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert all(len(row) == len(CSV_HEADER) for row in rows)


def test_export_applies_the_list_filters_on_all_pages(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    coordinator = UserFactory(role=Role.COORDINATOR)
    MemberFactory.create_batch(55, activity=Activity.GARDENING, coordinator=coordinator)
    MemberFactory.create_batch(3, activity=Activity.SEWING, coordinator=coordinator)
    MemberFactory(activity=Activity.GARDENING, coordinator=coordinator, path="exited")
    rows = _csv_rows(client.get(EXPORT_URL, {"activity": Activity.GARDENING, "page": 2}))
    assert len(rows) == 1 + 55
    assert {row[4] for row in rows[1:]} == {"Jardinage"}
    rows = _csv_rows(client.get(EXPORT_URL, {"activity": "gardening", "include_exited": "on"}))
    assert len(rows) == 1 + 56


def test_export_with_bad_filters_goes_back_to_the_list(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    response = client.get(EXPORT_URL, {"stage": "inconnue", "q": "Ben"})
    assert response.status_code == 302
    assert response["Location"] == f"{LIST_URL}?stage=inconnue&q=Ben"


def test_export_neutralises_spreadsheet_formulas(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MemberFactory(last_name="=HYPERLINK(1)", first_name="+33")
    rows = _csv_rows(client.get(EXPORT_URL))
    assert rows[1][:2] == ["'=HYPERLINK(1)", "'+33"]


@pytest.mark.parametrize("members", [5, 50])
def test_export_query_count_does_not_grow(client_of_role, django_assert_num_queries, members):
    client = client_of_role(Role.COORDINATOR)
    for index in range(members):
        MemberFactory(path=["cape", "cesa", None][index % 3])
    # session, user, two-factor check, the members (with their coordinator and open
    # contract), read in chunks: one query up to 2,000 rows
    with django_assert_num_queries(4):
        response = client.get(EXPORT_URL, {"profile": ""})
        rows = _csv_rows(response)
    assert len(rows) == 1 + members
