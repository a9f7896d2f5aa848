"""The entrepreneur's "Mes devis et factures", on a phone: their own quotes and invoices
with their state in plain words, the missions with sessions to bill, nobody else's."""

import html as html_lib
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from coop import billing
from coop.enums import PaymentMethod
from coop.models import Payment
from members.enums import Role
from tests.coop.factories import draft_invoice, draft_quote, issued_invoice
from tests.coop.factories_billing import (
    accepted_quote,
    coordinator,
    entrepreneur,
    mission_with_sessions,
    requested_invoice,
    sent_quote,
)

pytestmark = pytest.mark.django_db

URL = reverse("coop:my_invoicing")
NOT_ENTREPRENEURS = [role for role in Role if role != Role.ENTREPRENEUR]


def _text(response) -> str:
    return html_lib.unescape(response.content.decode()).replace("\xa0", " ")


@pytest.fixture
def member(client):
    member = entrepreneur()
    client.force_login(member.user)
    return member


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", NOT_ENTREPRENEURS)
def test_other_roles_are_refused(client_of_role, role):
    assert client_of_role(role).get(URL).status_code == 403


def test_post_is_refused(client, member):
    assert client.post(URL).status_code == 405


def test_empty_page_says_what_to_do(client, member):
    text = _text(client.get(URL))
    assert "Pas encore de devis." in text
    assert "Pas encore de facture." in text
    assert "Faire un devis" in text


def test_states_in_plain_words(client, member):
    draft_quote(entrepreneur=member, title="Devis brouillon")
    sent_quote(entrepreneur=member, title="Devis envoyé")
    accepted_quote(entrepreneur=member, title="Devis accepté")
    draft_invoice(entrepreneur=member, title="Facture brouillon")
    requested_invoice(entrepreneur=member, title="Facture demandée")
    unpaid = issued_invoice(entrepreneur=member, title="Facture impayée")
    Payment.objects.create(
        invoice=unpaid,
        paid_on=timezone.localdate(),
        amount=Decimal("72.00"),
        method=PaymentMethod.TRANSFER,
        recorded_by=coordinator(),
    )
    paid = issued_invoice(entrepreneur=member, title="Facture payée")
    Payment.objects.create(
        invoice=paid,
        paid_on=timezone.localdate(),
        amount=paid.gross,
        method=PaymentMethod.TRANSFER,
        recorded_by=coordinator(),
    )
    text = _text(client.get(URL))
    assert "À envoyer" in text
    assert "Envoyé au client" in text
    assert "Accepté" in text
    assert "À faire : la facture." in text
    assert "En préparation" in text
    assert "En attente d'émission" in text
    # 2 × 80,00 € HT + 20 % = 192,00 € TTC; 72,00 € paid, 120,00 € left.
    assert "Émise — reste à payer 120,00 €" in text
    assert "Émise — payée" in text
    assert f'href="{reverse("coop:invoice_pdf", args=[paid.pk])}"' in text


def test_only_own_documents(client, member):
    other = entrepreneur()
    draft_quote(entrepreneur=other, title="Le devis d'une autre")
    draft_invoice(entrepreneur=other, title="La facture d'une autre")
    draft_quote(entrepreneur=member, title="Mon devis")
    text = _text(client.get(URL))
    assert "Mon devis" in text
    assert "Le devis d'une autre" not in text
    assert "La facture d'une autre" not in text


def test_missions_with_sessions_to_bill(client, member):
    mission = mission_with_sessions(member=member, validated=3, logged=1, title="Ateliers écrans")
    billed = mission_with_sessions(member=member, validated=1, title="Déjà facturée")
    billing.invoice_from_sessions(
        actor=member.user,
        mission=billed,
        entrepreneur=member,
        sessions=list(billing.billable_sessions(billed)),
    )
    # A colleague's validated session on the same mission is theirs to bill.
    colleague = entrepreneur()
    mission.entrepreneurs.add(colleague)
    mission_with_sessions(member=colleague, validated=2, title="Mission d'un collègue")
    response = client.get(URL)
    to_bill = response.context["to_bill"]
    assert [(item.title, item.to_bill) for item in to_bill] == [("Ateliers écrans", 3)]
    text = _text(response)
    assert "3 séances validées, pas encore facturées" in text
    assert reverse("coop:invoice_from_sessions", args=[mission.pk]) in text


def test_pages_of_quotes_and_invoices(client, member):
    for index in range(12):
        draft_quote(entrepreneur=member, title=f"Devis {index:02d}")
    first = client.get(URL)
    assert len(first.context["quote_page"].object_list) == 10
    second = client.get(URL, {"devis": 2})
    assert [quote.title for quote in second.context["quote_page"]] == ["Devis 01", "Devis 00"]


def _page_with(member, count: int) -> None:
    for _ in range(count):
        draft_quote(entrepreneur=member)
        issued_invoice(entrepreneur=member)
    mission_with_sessions(member=member, validated=count)


@pytest.mark.parametrize("count", [1, 4])
def test_constant_queries(client, member, django_assert_num_queries, count):
    _page_with(member, count)
    # Session and user (2), the member (1), the missions to bill (1), the quotes: count
    # and page (2), the invoices: count and page (2).
    with django_assert_num_queries(8):
        response = client.get(URL)
    assert response.status_code == 200


def test_entrepreneur_without_member_record_sees_an_empty_page(client_of_role):
    client = client_of_role(Role.ENTREPRENEUR)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Faire un devis" not in _text(response)


def test_credit_note_is_shown_as_such(client, member):
    invoice = issued_invoice(entrepreneur=member)
    credit_note = billing.credit_note_create(
        actor=coordinator(), invoice=invoice, reason="Séance annulée"
    )
    text = _text(client.get(URL))
    assert "Avoir" in text
    assert f"Annule tout ou partie de la facture {invoice.number}." in text
    assert reverse("coop:invoice_detail", args=[credit_note.pk]) in text


def test_issued_invoice_shows_its_number_and_day(client, member):
    invoice = issued_invoice(entrepreneur=member, issued_on=timezone.localdate())
    text = _text(client.get(URL))
    assert f"{invoice.number}, le {invoice.issued_on:%d/%m/%Y}" in text
