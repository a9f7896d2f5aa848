"""The pages of pseudonymised extracts: the researcher's requests, form, page and single
download; the coordinator's requests to decide and decision."""

import datetime
import html

import pytest
from django.urls import reverse

from members.enums import Role
from research.enums import ExtractStatus, ExtractTerritory
from research.models import ExtractRequest
from tests.members.factories import ProgrammeFactory, UserFactory
from tests.research.factories_extracts import (
    ExtractRequestFactory,
    covered_member,
    researcher_of,
)

pytestmark = pytest.mark.django_db

NO_ACCESS = [
    Role.FUNDER,
    Role.ENTREPRENEUR,
    Role.PEER_SUPPORT_LEAD,
    Role.ACCOUNTANT,
    Role.ADMINISTRATOR,
]


def _url(name, *args):
    return reverse(f"research:{name}", args=args)


def _html(response) -> str:
    return html.unescape(response.content.decode())


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _researcher(client_of_role, programme=None):
    client = client_of_role(Role.RESEARCHER)
    if programme is not None:
        programme.readers.add(client.user)
    return client


def _world(programme, count=5, **kwargs):
    coordinator = UserFactory(role=Role.COORDINATOR)
    for _i in range(count):
        covered_member(programme, coordinator=coordinator, **kwargs)


def _form(programme, **kwargs):
    return {
        "programme": programme.pk,
        "dataset": "entrepreneurs",
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "purpose": "Comparer les parcours d'entrée (convention de recherche 2025-14).",
        "territory": "department",
        "dates": "month",
        "ages": "esf",
        "include_gender": "on",
    } | kwargs


def _pages(extract):
    """Every page with the method it answers."""
    return [
        ("GET", _url("extract_list")),
        ("GET", _url("extract_create")),
        ("GET", _url("extract_detail", extract.pk)),
        ("POST", _url("extract_download", extract.pk)),
        ("GET", _url("extract_review_list")),
        ("GET", _url("extract_decide", extract.pk)),
    ]


def _call(client, method, url):
    return client.get(url) if method == "GET" else client.post(url)


# --- anonymous, roles, strangers -----------------------------------------------------------


def test_anonymous_goes_to_login(client):
    extract = ExtractRequestFactory(approved=True)
    for method, url in _pages(extract):
        response = _call(client, method, url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", NO_ACCESS)
def test_other_roles_reach_no_page(client_of_role, role):
    extract = ExtractRequestFactory(approved=True)
    client = client_of_role(role)
    extract.programme.readers.add(client.user)  # even a reader of the programme
    for method, url in _pages(extract):
        assert _call(client, method, url).status_code == 403, url
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.APPROVED


def test_a_coordinator_neither_asks_nor_downloads(client_of_role):
    extract = ExtractRequestFactory(approved=True)
    client = client_of_role(Role.COORDINATOR)
    assert client.get(_url("extract_list")).status_code == 403
    assert client.get(_url("extract_create")).status_code == 403
    assert client.post(_url("extract_download", extract.pk)).status_code == 403
    assert client.get(_url("extract_detail", extract.pk)).status_code == 200


def test_a_researcher_does_not_decide(client_of_role):
    programme = ProgrammeFactory()
    client = _researcher(client_of_role, programme)
    extract = ExtractRequestFactory(programme=programme, requested_by=client.user)
    assert client.get(_url("extract_review_list")).status_code == 403
    assert client.get(_url("extract_decide", extract.pk)).status_code == 403
    assert (
        client.post(_url("extract_decide", extract.pk), {"decision": "approve"}).status_code == 403
    )
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.REQUESTED


def test_another_researchers_request_is_not_found(client_of_role):
    extract = ExtractRequestFactory(approved=True)
    client = _researcher(client_of_role, extract.programme)
    assert client.get(_url("extract_detail", extract.pk)).status_code == 404
    assert client.post(_url("extract_download", extract.pk)).status_code == 404
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.APPROVED


def test_a_researcher_who_no_longer_reads_the_programme_loses_its_requests(client_of_role):
    programme = ProgrammeFactory()
    client = _researcher(client_of_role, programme)
    extract = ExtractRequestFactory(programme=programme, requested_by=client.user, approved=True)
    programme.readers.remove(client.user)
    assert client.get(_url("extract_detail", extract.pk)).status_code == 404
    assert client.post(_url("extract_download", extract.pk)).status_code == 404
    assert list(client.get(_url("extract_list")).context["page"]) == []


def test_a_researcher_cannot_ask_for_a_programme_they_do_not_read(client_of_role):
    read, other = ProgrammeFactory(name="Lu"), ProgrammeFactory(name="Pas à moi")
    client = _researcher(client_of_role, read)
    response = client.get(_url("extract_create"))
    assert list(response.context["form"].fields["programme"].queryset) == [read]
    response = client.post(_url("extract_create"), _form(other))
    assert response.status_code == 200
    assert "Choisissez un programme que vous suivez." in _html(response)
    assert not ExtractRequest.objects.exists()


def test_a_researcher_without_programmes_is_told(client_of_role):
    response = _researcher(client_of_role).get(_url("extract_create"))
    assert "ne suit encore aucun programme" in _html(response)


@pytest.mark.parametrize(
    ("method", "name", "with_pk"),
    [
        ("post", "extract_list", False),
        ("put", "extract_create", False),
        ("post", "extract_detail", True),
        ("get", "extract_download", True),
        ("post", "extract_review_list", False),
        ("put", "extract_decide", True),
    ],
)
def test_wrong_method(client_of_role, method, name, with_pk):
    programme = ProgrammeFactory()
    role = Role.COORDINATOR if name in ("extract_review_list", "extract_decide") else None
    client = client_of_role(role) if role else _researcher(client_of_role, programme)
    extract = ExtractRequestFactory(programme=programme, requested_by=researcher_of(programme))
    if role is None:
        extract.requested_by = client.user
        extract.save()
    url = _url(name, extract.pk) if with_pk else _url(name)
    assert getattr(client, method)(url).status_code == 405


# --- the researcher's pages ----------------------------------------------------------------


def test_ask_for_an_extract(client_of_role):
    programme = ProgrammeFactory(k_anonymity=5, starts_on=datetime.date(2024, 1, 1))
    _world(programme)
    client = _researcher(client_of_role, programme)
    response = client.post(_url("extract_create"), _form(programme), follow=True)
    extract = ExtractRequest.objects.get()
    assert response.redirect_chain[-1][0] == _url("extract_detail", extract.pk)
    assert extract.status == ExtractStatus.REQUESTED
    assert extract.requested_by == client.user
    assert "Votre demande est enregistrée" in _messages(response)[0]
    page = _html(response)
    assert "Contrôle de k-anonymat : réussi" in page
    assert "tranche_age" in page  # the columns of the file


def test_a_refused_request_can_be_asked_again_coarser(client_of_role):
    programme = ProgrammeFactory(k_anonymity=5, starts_on=datetime.date(2024, 1, 1))
    _world(programme, postcode="93100")
    _world(programme, count=1, postcode="75011")
    client = _researcher(client_of_role, programme)
    response = client.post(_url("extract_create"), _form(programme), follow=True)
    extract = ExtractRequest.objects.get()
    assert extract.status == ExtractStatus.REFUSED
    page = _html(response)
    assert "Refusée le" in page and "contrôle de k-anonymat" in page
    assert "Territoire : « Région » — il resterait 0 personne(s)" in page
    again = f"{_url('extract_create')}?depuis={extract.pk}"
    assert again in page

    form = client.get(again).context["form"]
    assert form.initial["territory"] == ExtractTerritory.REGION
    assert form.initial["purpose"] == extract.purpose
    response = client.post(_url("extract_create"), _form(programme, territory="region"))
    assert ExtractRequest.objects.filter(status=ExtractStatus.REQUESTED).count() == 1


def test_bad_input_keeps_what_was_typed(client_of_role):
    programme = ProgrammeFactory()
    client = _researcher(client_of_role, programme)
    data = _form(programme, period_start="2025-06-01", period_end="2025-01-01", purpose="Pour voir")
    response = client.post(_url("extract_create"), data)
    assert response.status_code == 200
    page = _html(response)
    assert "La fin de la période précède son début." in page
    assert "Dites en une phrase au moins (20 caractères)" in page
    assert "Pour voir" in page
    assert 'value="2025-06-01"' in page
    assert not ExtractRequest.objects.exists()
    response = client.post(_url("extract_create"), _form(programme, period_start="pas une date"))
    assert response.status_code == 200
    assert not ExtractRequest.objects.exists()


def test_download_once_then_a_page_without_file(client_of_role):
    programme = ProgrammeFactory(k_anonymity=5, starts_on=datetime.date(2024, 1, 1))
    _world(programme)
    client = _researcher(client_of_role, programme)
    extract = ExtractRequestFactory(programme=programme, requested_by=client.user, approved=True)
    page = _html(client.get(_url("extract_detail", extract.pk)))
    assert "Télécharger le fichier (une seule fois)" in page
    assert extract.secret not in page

    response = client.post(_url("extract_download", extract.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="extraction-')
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"\xef\xbb\xbfpseudonyme;")
    assert response.content.count(b"\r\n") == 6  # a header line and five people

    again = client.post(_url("extract_download", extract.pk))
    assert again.status_code == 410
    assert "Extraction déjà téléchargée" in _html(again)
    assert b"pseudonyme;" not in again.content
    page = _html(client.get(_url("extract_detail", extract.pk)))
    assert "Télécharger le fichier" not in page
    assert "Elle ne peut pas l'être une seconde fois." in page


def test_download_refused_when_no_longer_anonymous(client_of_role):
    programme = ProgrammeFactory(k_anonymity=5, starts_on=datetime.date(2024, 1, 1))
    _world(programme, count=4)
    client = _researcher(client_of_role, programme)
    extract = ExtractRequestFactory(programme=programme, requested_by=client.user, approved=True)
    response = client.post(_url("extract_download", extract.pk), follow=True)
    assert response.redirect_chain[-1][0] == _url("extract_detail", extract.pk)
    assert "n'est plus anonyme" in _messages(response)[0]
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.REFUSED


def test_a_request_not_approved_has_no_file(client_of_role):
    programme = ProgrammeFactory()
    client = _researcher(client_of_role, programme)
    extract = ExtractRequestFactory(programme=programme, requested_by=client.user)
    response = client.post(_url("extract_download", extract.pk))
    assert response.status_code == 410
    assert "il n'y a pas de fichier" in _html(response)


# --- the coordinator's pages ---------------------------------------------------------------


def test_the_requests_to_decide_come_first(client_of_role):
    waiting = ExtractRequestFactory()
    ExtractRequestFactory(refused=True)
    client = client_of_role(Role.COORDINATOR)
    assert list(client.get(_url("extract_review_list")).context["page"]) == [waiting]
    everything = client.get(_url("extract_review_list") + "?status=all").context["page"]
    assert len(everything) == 2
    response = client.get(_url("extract_review_list") + "?status=nimporte")
    assert response.status_code == 200
    assert list(response.context["page"]) == []


def test_approve_a_request(client_of_role):
    extract = ExtractRequestFactory()
    _world(extract.programme)
    client = client_of_role(Role.COORDINATOR)
    response = client.get(_url("extract_decide", extract.pk))
    assert "Contrôle de k-anonymat : réussi" in _html(response)
    assert extract.purpose in _html(response)
    response = client.post(
        _url("extract_decide", extract.pk), {"decision": "approve", "note": ""}, follow=True
    )
    assert response.redirect_chain[-1][0] == _url("extract_review_list")
    assert "approuvée" in _messages(response)[0]
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.APPROVED
    assert extract.decided_by == client.user
    response = client.get(_url("extract_decide", extract.pk), follow=True)
    assert response.redirect_chain[-1][0] == _url("extract_detail", extract.pk)
    assert "Télécharger" not in _html(response)  # only the researcher who asked


def test_refuse_a_request_says_why(client_of_role):
    extract = ExtractRequestFactory()
    client = client_of_role(Role.COORDINATOR)
    response = client.post(_url("extract_decide", extract.pk), {"decision": "refuse", "note": ""})
    assert response.status_code == 200
    assert "Dites pourquoi la demande est refusée." in _html(response)
    response = client.post(
        _url("extract_decide", extract.pk),
        {"decision": "refuse", "note": "La convention n'est pas signée."},
    )
    assert response.status_code == 302
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.REFUSED
    assert extract.decision_note == "La convention n'est pas signée."


def test_approval_of_a_request_no_longer_anonymous_refuses_it(client_of_role):
    extract = ExtractRequestFactory()
    _world(extract.programme, count=4)
    client = client_of_role(Role.COORDINATOR)
    assert "l'approuver la ferait refuser" in _html(client.get(_url("extract_decide", extract.pk)))
    response = client.post(_url("extract_decide", extract.pk), {"decision": "approve"}, follow=True)
    assert "n'est plus anonyme" in _messages(response)[0]
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.REFUSED
    assert extract.refused_automatically


# --- queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("requests", [2, 20])
def test_researcher_list_query_count(client_of_role, django_assert_num_queries, requests):
    programme = ProgrammeFactory()
    client = _researcher(client_of_role, programme)
    for _i in range(requests):
        ExtractRequestFactory(programme=programme, requested_by=client.user)
    # session, user, the count and the page of requests (with their programme)
    with django_assert_num_queries(4):
        response = client.get(_url("extract_list"))
    assert len(response.context["page"]) == requests


@pytest.mark.parametrize("requests", [2, 20])
def test_coordinator_list_query_count(client_of_role, django_assert_num_queries, requests):
    client = client_of_role(Role.COORDINATOR)
    programme = ProgrammeFactory()
    researcher = researcher_of(programme)
    for _i in range(requests):
        ExtractRequestFactory(programme=programme, requested_by=researcher)
    # session, user, two-factor check, the count and the page of requests (with their
    # programme and researcher)
    with django_assert_num_queries(5):
        response = client.get(_url("extract_review_list"))
    assert len(response.context["page"]) == requests


def test_detail_query_count(client_of_role, django_assert_num_queries):
    programme = ProgrammeFactory()
    client = _researcher(client_of_role, programme)
    extract = ExtractRequestFactory(programme=programme, requested_by=client.user, refused=True)
    # session, user, the request (with its programme, researcher and decider)
    with django_assert_num_queries(3):
        client.get(_url("extract_detail", extract.pk))
