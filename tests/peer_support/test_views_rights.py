"""The person's rights: the page listing them, the export (PDF and JSON), erasure (the
lead, after a confirmation saying what stays), and the consent to research use."""

import html as html_lib
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from members.enums import Role
from peer_support.enums import AccessAction, ConsentScope
from peer_support.models import AccessLog, Consent, FollowUp
from tests.peer_support.factories import (
    FollowUpFactory,
    MeetingFactory,
    PeerMediatorFactory,
    days_ago,
    lead_user,
)

pytestmark = pytest.mark.django_db

NO_ACCESS_ROLES = [
    Role.COORDINATOR,
    Role.ACCOUNTANT,
    Role.ADMINISTRATOR,
    Role.FUNDER,
    Role.RESEARCHER,
    Role.ENTREPRENEUR,
]
PAGES = (
    "followup_rights",
    "followup_export_pdf",
    "followup_export_json",
    "followup_erase",
    "research_consent",
    "research_withdraw",
)


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
def followup(mediator):
    return FollowUpFactory(mediator=mediator, pseudonym="Samia")


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_goes_to_login(client, name):
    followup = FollowUpFactory()
    response = client.get(_url(name, followup.pk))
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", NO_ACCESS_ROLES)
@pytest.mark.parametrize("name", PAGES)
def test_unknown_to_other_roles(client_of_role, role, name):
    followup = FollowUpFactory()
    assert client_of_role(role).get(_url(name, followup.pk)).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_unknown_to_another_mediator(client, mediator, name):
    assert client.get(_url(name, FollowUpFactory().pk)).status_code == 404


@pytest.mark.parametrize("name", PAGES[:3])
def test_read_pages_wrong_method(client, followup, name):
    assert client.post(_url(name, followup.pk)).status_code == 405


def test_rights_page_for_the_mediator(client, followup):
    response = client.get(_url("followup_rights", followup.pk))
    html = _text(response)
    assert "Samia peut à tout moment voir tout ce qui est noté sur elle" in html
    assert f'href="{_url("followup_export_pdf", followup.pk)}"' in html
    assert f'href="{_url("followup_edit", followup.pk)}"' in html
    assert f'href="{_url("research_withdraw", followup.pk)}"' in html
    # The lead erases, after checking the request.
    assert _url("followup_erase", followup.pk) not in html
    assert "transmettez sa demande au ou à la référent·e pair-aidance" in html
    assert AccessLog.objects.filter(action=AccessAction.VIEW).count() == 1


def test_export_json(client, followup):
    MeetingFactory(followup=followup)
    response = client.get(_url("followup_export_json", followup.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["followup"]["pseudonym"] == "Samia"
    assert data["meetings"][0]["note"].startswith("Il a parlé")
    assert AccessLog.objects.filter(action=AccessAction.EXPORT, followup=followup).exists()


def test_export_pdf(client, followup):
    response = client.get(_url("followup_export_pdf", followup.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"suivi-{followup.pk}-" in response["Content-Disposition"]
    assert AccessLog.objects.filter(action=AccessAction.EXPORT, followup=followup).exists()


def test_erase_refused_to_the_mediator(client, followup):
    assert client.get(_url("followup_erase", followup.pk)).status_code == 403
    assert client.post(_url("followup_erase", followup.pk), {"confirm": "on"}).status_code == 403
    followup.refresh_from_db()
    assert not followup.is_erased


def test_erase_by_the_lead_after_confirmation(client, followup):
    lead = lead_user()
    client.force_login(lead)
    page = client.get(_url("followup_erase", followup.pk))
    html = _text(page)
    assert "Effacer le suivi de Samia ?" in html
    assert "Ce qui reste, sans nom" in html
    assert "Des chiffres anonymes" in html
    response = client.post(_url("followup_erase", followup.pk), {})
    assert "Cochez la case pour confirmer l'effacement." in _text(response)
    assert not FollowUp.objects.get(pk=followup.pk).is_erased
    response = client.post(_url("followup_erase", followup.pk), {"confirm": "on"})
    assert response.status_code == 302
    erased = FollowUp.objects.get(pk=followup.pk)
    assert erased.is_erased and erased.pseudonym == ""
    assert AccessLog.objects.filter(action=AccessAction.ERASE, actor=lead).exists()
    # The mediator no longer sees it; the lead sees the anonymous shell.
    assert "Personne effacée" in _text(client.get(response["Location"]))


def test_erase_wrong_method(client, followup):
    client.force_login(lead_user())
    assert client.put(_url("followup_erase", followup.pk)).status_code == 405


def test_research_withdraw(client, followup):
    url = _url("research_withdraw", followup.pk)
    assert client.get(url).status_code == 200
    response = client.post(url, {"on": ""})
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in _text(response)
    response = client.post(url, {"on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert not FollowUp.objects.for_research().filter(pk=followup.pk).exists()
    # Nothing left to withdraw: the page says so.
    assert client.get(url).status_code == 302


def test_research_withdraw_before_the_consent_is_refused(client, followup):
    before = (followup.opened_on - timezone.timedelta(days=2)).isoformat()
    response = client.post(_url("research_withdraw", followup.pk), {"on": before})
    assert "Un consentement est retiré après avoir été donné" in _text(response)


def test_research_consent_given_later(client, mediator):
    followup = FollowUpFactory(mediator=mediator, research_consent=False)
    url = _url("research_consent", followup.pk)
    response = client.post(url, {"given_on": days_ago(1).isoformat(), "explanation": ""})
    assert "Notez ce qui a été expliqué sur la recherche." in _text(response)
    data = {"given_on": days_ago(1).isoformat(), "explanation": "Chiffres sans nom."}
    assert client.post(url, data).status_code == 302
    assert Consent.objects.filter(
        followup=followup, scope=ConsentScope.RESEARCH, withdrawn_on__isnull=True
    ).exists()
    assert client.get(url).status_code == 302  # already in force


def test_research_pages_wrong_method(client, followup):
    assert client.put(_url("research_consent", followup.pk)).status_code == 405
    assert client.put(_url("research_withdraw", followup.pk)).status_code == 405
