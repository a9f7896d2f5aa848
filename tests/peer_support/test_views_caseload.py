"""The list of follow-ups ("Mes accompagnements" for a peer mediator, every follow-up
with filters for the lead) and opening a follow-up."""

import datetime
import html as html_lib

import pytest
from django.urls import reverse
from django.utils import timezone

from members.enums import Role
from peer_support.enums import AccessAction, Checkpoint, ConsentScope
from peer_support.models import AccessLog, FollowUp
from tests.members.factories import MemberFactory
from tests.peer_support.factories import (
    FollowUpFactory,
    GoalFactory,
    MeetingFactory,
    PeerMediatorFactory,
    ReferralFactory,
    days_ago,
    lead_user,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("peer_support:followup_list")
OPEN_URL = reverse("peer_support:followup_open")
# Roles that never read a follow-up (an entrepreneur here is not a peer mediator).
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


@pytest.fixture
def mediator(client):
    """A peer mediator, logged in."""
    member = PeerMediatorFactory()
    client.force_login(member.user)
    return member


@pytest.fixture
def lead(client):
    user = lead_user()
    client.force_login(user)
    return user


# --- the list -------------------------------------------------------------------------


def test_list_anonymous_goes_to_login(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", NO_ACCESS_ROLES)
def test_list_refused_to_other_roles(client_of_role, role):
    FollowUpFactory(pseudonym="Gaëlle")
    response = client_of_role(role).get(LIST_URL)
    assert response.status_code == 403
    assert "Gaëlle" not in _text(response)


def test_list_refused_to_a_mediator_who_left(client):
    member = PeerMediatorFactory(path="exited")
    client.force_login(member.user)
    assert client.get(LIST_URL).status_code == 403


def test_list_wrong_method(client, mediator):
    assert client.post(LIST_URL).status_code == 405


def test_list_shows_only_the_mediators_people_open_first(client, mediator):
    closed = FollowUpFactory(mediator=mediator, pseudonym="Bérénice", closed=True)
    recent = FollowUpFactory(mediator=mediator, pseudonym="Anissa", opened_on=days_ago(3))
    older = FollowUpFactory(mediator=mediator, pseudonym="Chloé", opened_on=days_ago(200))
    shared = FollowUpFactory(pseudonym="Dounia", with_comediator=mediator)
    stranger = FollowUpFactory(pseudonym="Éloïse")
    erased = FollowUpFactory(mediator=mediator, erased=True)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    html = _text(response)
    assert "Mes accompagnements" in html
    assert "Éloïse" not in html
    assert f'href="{reverse("peer_support:followup_detail", args=[stranger.pk])}"' not in html
    assert f'href="{reverse("peer_support:followup_detail", args=[erased.pk])}"' not in html
    shown = [followup.pk for followup in response.context["page"]]
    # Open ones first, newest first; then the closed one.
    assert shown == [recent.pk, shared.pk, older.pk, closed.pk]
    assert "no-store" in response["Cache-Control"]


def test_list_figures_of_each_person(client, mediator):
    followup = FollowUpFactory(mediator=mediator, pseudonym="Anissa")
    GoalFactory(followup=followup)
    MeetingFactory(followup=followup, date=days_ago(4))
    MeetingFactory(followup=followup, date=days_ago(9))
    ReferralFactory(followup=followup)
    html = _text(client.get(LIST_URL))
    last = days_ago(4).strftime("%d/%m/%Y")
    assert f"Dernière rencontre le {last}" in html
    assert "2 rencontres" in html
    assert "1 objectif en cours" in html
    assert "1 orientation sans réponse" in html
    assert f'href="{reverse("peer_support:meeting_log", args=[followup.pk])}"' in html


def test_list_writes_one_access_log_row_per_name_shown(client, mediator):
    shown = [FollowUpFactory(mediator=mediator) for _ in range(3)]
    client.get(LIST_URL)
    rows = AccessLog.objects.filter(actor=mediator.user, action=AccessAction.LIST)
    assert sorted(rows.values_list("followup", flat=True)) == sorted(f.pk for f in shown)


def test_list_search_in_names_within_the_caseload(client, mediator):
    FollowUpFactory(mediator=mediator, pseudonym="Éloïse")
    FollowUpFactory(mediator=mediator, pseudonym="Marc")
    FollowUpFactory(pseudonym="Eloise B.")  # someone else's
    response = client.get(LIST_URL, {"q": "eloise"})
    names = [followup.pseudonym for followup in response.context["page"]]
    assert names == ["Éloïse"]
    assert 'value="eloise"' in response.content.decode()


def test_list_search_finding_nobody_says_so(client, mediator):
    FollowUpFactory(mediator=mediator, pseudonym="Marc")
    html = _text(client.get(LIST_URL, {"q": "Zoé"}))
    assert "Personne ne correspond à cette recherche." in html


def test_list_status_filter(client, mediator):
    FollowUpFactory(mediator=mediator, pseudonym="Ouvert")
    FollowUpFactory(mediator=mediator, pseudonym="Fermé", closed=True)
    response = client.get(LIST_URL, {"status": "closed"})
    assert [f.pseudonym for f in response.context["page"]] == ["Fermé"]


def test_list_bad_filter_keeps_what_was_typed(client, mediator):
    FollowUpFactory(mediator=mediator, pseudonym="Marc")
    response = client.get(LIST_URL, {"status": "n'importe quoi"})
    assert response.status_code == 200
    html = _text(response)
    assert "Corrigez les filtres signalés pour voir la liste." in html
    assert "Marc" not in html


def test_list_paginates(client, mediator):
    for _ in range(27):
        FollowUpFactory(mediator=mediator)
    first = client.get(LIST_URL)
    assert len(first.context["page"].object_list) == 25
    second = client.get(LIST_URL, {"page": 2})
    assert len(second.context["page"].object_list) == 2


def test_list_empty_caseload_explains_what_to_do(client, mediator):
    html = _text(client.get(LIST_URL))
    assert "Vous n'accompagnez encore personne ici." in html
    assert f'href="{OPEN_URL}"' in html


@pytest.mark.parametrize("size", [3, 30])
def test_list_query_count_does_not_grow(client, mediator, django_assert_num_queries, size):
    for index in range(size):
        followup = FollowUpFactory(mediator=mediator, opened_on=days_ago(10 + index))
        MeetingFactory(followup=followup)
        GoalFactory(followup=followup)
    client.get(LIST_URL)  # the session is warm
    # session, user with the mediator's member record (joined: members.backends), the
    # count of the caseload, the page with its figures (subqueries), the access-log
    # INSERT of the names shown.
    with django_assert_num_queries(5):
        response = client.get(LIST_URL)
    assert len(response.context["page"].object_list) == min(size, 25)


@pytest.mark.parametrize("size", [3, 30])
def test_list_with_search_query_count_does_not_grow(
    client, mediator, django_assert_num_queries, size
):
    for _ in range(size):
        FollowUpFactory(mediator=mediator, pseudonym="Sam")
    client.get(LIST_URL)
    # as above, plus the caseload's names read for the search
    with django_assert_num_queries(6):
        response = client.get(LIST_URL, {"q": "sam"})
    assert response.context["page"].paginator.count == size


# --- the lead's list ------------------------------------------------------------------


def test_lead_sees_every_followup_with_its_mediator(client, lead):
    first = FollowUpFactory(pseudonym="Anissa")
    second = FollowUpFactory(pseudonym="Bruno")
    erased = FollowUpFactory(erased=True)
    response = client.get(LIST_URL)
    html = _text(response)
    assert "Suivis de pair-aidance" in html
    assert {f.pk for f in response.context["page"]} == {first.pk, second.pk, erased.pk}
    assert first.mediator.full_name in html
    assert f"Personne effacée (suivi n° {erased.pk})" in html
    assert f'href="{reverse("peer_support:access_log")}"' in html
    assert f'href="{reverse("peer_support:counts")}"' in html
    # The lead does not open follow-ups: mediators do.
    assert f'href="{OPEN_URL}"' not in html


def test_lead_filters_by_mediator_including_comediations(client, lead):
    mediator = PeerMediatorFactory()
    main = FollowUpFactory(mediator=mediator)
    co = FollowUpFactory(with_comediator=mediator)
    FollowUpFactory()
    response = client.get(LIST_URL, {"mediator": mediator.pk})
    assert {f.pk for f in response.context["page"]} == {main.pk, co.pk}


def test_lead_filters_by_status_number_and_period(client, lead):
    running = FollowUpFactory(opened_on=days_ago(100))
    closed_long_ago = FollowUpFactory(
        opened_on=days_ago(400), closed_on=days_ago(300), outcome="moved"
    )
    recent = FollowUpFactory(opened_on=days_ago(10))
    page = client.get(LIST_URL, {"status": "closed"}).context["page"]
    assert [f.pk for f in page] == [closed_long_ago.pk]
    page = client.get(LIST_URL, {"number": recent.pk}).context["page"]
    assert [f.pk for f in page] == [recent.pk]
    period = {"start": days_ago(60).isoformat(), "end": days_ago(30).isoformat()}
    page = client.get(LIST_URL, period).context["page"]
    assert [f.pk for f in page] == [running.pk]
    only_end = {"end": days_ago(350).isoformat()}
    assert [f.pk for f in client.get(LIST_URL, only_end).context["page"]] == [closed_long_ago.pk]


def test_lead_period_in_the_wrong_order_is_refused_in_french(client, lead):
    FollowUpFactory()
    response = client.get(LIST_URL, {"start": "2026-03-01", "end": "2026-01-01"})
    html = _text(response)
    assert "La fin de la période vient après son début." in html
    assert 'value="2026-03-01"' in html
    assert response.context["page"].paginator.count == 0


@pytest.mark.parametrize("size", [3, 30])
def test_lead_list_query_count_does_not_grow(client, lead, django_assert_num_queries, size):
    for _ in range(size):
        FollowUpFactory()
    client.get(LIST_URL)
    # session, user, the lead's authenticator (two-factor), the count, the page with its
    # figures and mediators, the access-log INSERT, the mediators of the filter's list.
    with django_assert_num_queries(7):
        client.get(LIST_URL)


# --- opening a follow-up --------------------------------------------------------------


def _open_data(**overrides) -> dict:
    today = timezone.localdate().isoformat()
    return {
        "pseudonym": "Samia",
        "birth_year": "1990",
        "gender": "woman",
        "commune": "Montreuil",
        "postcode": "93100",
        "arrival_route": "addiction_care",
        "opened_on": today,
        "housing": "emergency",
        "resource": "rsa",
        "care_follow_up": "addiction",
        "consent_given_on": today,
        "consent_explanation": "Ce qui est noté, qui le lit, ses droits.",
        "research_consent": "on",
        "research_consent_explanation": "Des chiffres sans son nom.",
    } | overrides


def test_open_anonymous_goes_to_login(client):
    response = client.get(OPEN_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", [*NO_ACCESS_ROLES, Role.PEER_SUPPORT_LEAD])
def test_open_refused_to_anyone_but_peer_mediators(client_of_role, role):
    client = client_of_role(role)
    assert client.get(OPEN_URL).status_code == 403
    assert client.post(OPEN_URL, _open_data()).status_code == 403
    assert not FollowUp.objects.exists()


def test_open_refused_to_an_entrepreneur_who_is_not_a_peer_mediator(client):
    member = MemberFactory(path="cape")
    client.force_login(member.user)
    assert client.get(OPEN_URL).status_code == 403


def test_open_wrong_method(client, mediator):
    assert client.put(OPEN_URL).status_code == 405


def test_open_form_starts_today(client, mediator):
    response = client.get(OPEN_URL)
    assert response.status_code == 200
    html = _text(response)
    today = timezone.localdate().isoformat()
    assert f'name="opened_on" value="{today}"' in html
    assert "Son accord" in html


def test_open_happy_path(client, mediator):
    response = client.post(OPEN_URL, _open_data())
    followup = FollowUp.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("peer_support:followup_detail", args=[followup.pk])
    assert followup.mediator == mediator
    assert followup.pseudonym == "Samia"
    assert followup.department == "93"
    assert followup.situations.get().checkpoint == Checkpoint.ENTRY
    scopes = set(followup.consents.values_list("scope", flat=True))
    assert scopes == {ConsentScope.PROCESSING, ConsentScope.RESEARCH}
    assert AccessLog.objects.filter(followup=followup, action=AccessAction.CREATE).exists()


def test_open_without_research_consent(client, mediator):
    client.post(OPEN_URL, _open_data(research_consent="", research_consent_explanation=""))
    followup = FollowUp.objects.get()
    assert list(followup.consents.values_list("scope", flat=True)) == [ConsentScope.PROCESSING]


def test_open_bad_input_keeps_what_was_typed(client, mediator):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        OPEN_URL,
        _open_data(
            pseudonym="Samia",
            postcode="931",
            consent_explanation="",
            research_consent_explanation="",
            opened_on=tomorrow,
        ),
    )
    assert response.status_code == 200
    html = _text(response)
    assert "Le formulaire contient des erreurs" in html
    assert "Un code postal a 5 chiffres, par exemple 93100." in html
    assert "Notez ce qui a été expliqué à la personne." in html
    assert "Notez ce qui a été expliqué sur la recherche." in html
    assert 'value="Samia"' in html
    assert 'value="931"' in html
    assert not FollowUp.objects.exists()


def test_open_service_refusal_is_shown_on_its_field(client, mediator):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(OPEN_URL, _open_data(opened_on=tomorrow, consent_given_on=tomorrow))
    html = _text(response)
    assert "Le début du suivi ne peut pas être dans le futur." in html
    assert not FollowUp.objects.exists()
