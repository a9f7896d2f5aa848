"""The money pages: recording and cancelling payments, the payment journal, the unpaid
invoices with their reminders and recovery log, the account expenses and their receipts,
and the money part of the invoice page."""

import html as html_lib
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from coop import billing, ledger
from coop.enums import AccountExpenseKind, ExpensePaidBy, PaymentMethod, RecoveryKind
from coop.models import AccountExpense, OutgoingEmail, Payment, RecoveryAction
from members.enums import Role
from tests.coop.factories import BillableClientFactory, draft_invoice, issued_invoice, line
from tests.coop.factories_ledger import (
    account_expense,
    days_ago,
    issuer,
    overdue_invoice,
    payment,
    receipt,
)
from tests.members.factories import MemberFactory
from tests.members.factories_extra import EXE_BYTES, PDF_BYTES, PNG_BYTES

pytestmark = pytest.mark.django_db

ISSUERS = [Role.COORDINATOR, Role.ACCOUNTANT]
NOT_ISSUERS = [
    Role.ADMINISTRATOR,
    Role.ENTREPRENEUR,
    Role.PEER_SUPPORT_LEAD,
    Role.FUNDER,
    Role.RESEARCHER,
]
READERS = [Role.COORDINATOR, Role.ACCOUNTANT, Role.ADMINISTRATOR]
NOT_READERS = [Role.ENTREPRENEUR, Role.PEER_SUPPORT_LEAD, Role.FUNDER, Role.RESEARCHER]
NBSP = "\xa0"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _url(name: str, *args) -> str:
    return reverse(f"coop:{name}", args=args)


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _assert_login(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.fixture
def invoice():
    """An issued invoice of 192,00 € TTC, issued 10 days ago, due in 20 days."""
    return issued_invoice(issued_on=days_ago(10), service_start=days_ago(12))


# --- recording a payment ------------------------------------------------------------------


def test_payment_anonymous(client, invoice):
    _assert_login(client.get(_url("payment_create", invoice.pk)))
    _assert_login(client.post(_url("payment_create", invoice.pk), {"amount": "1"}))
    assert not Payment.objects.exists()


@pytest.mark.parametrize("role", NOT_ISSUERS)
def test_payment_refused_to_other_roles(client_of_role, invoice, role):
    client = client_of_role(role)
    assert client.get(_url("payment_create", invoice.pk)).status_code == 403
    response = client.post(
        _url("payment_create", invoice.pk),
        {"paid_on": timezone.localdate(), "amount": "10", "method": "transfer"},
    )
    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_payment_the_entrepreneur_of_the_invoice_is_refused(client, invoice):
    client.force_login(invoice.entrepreneur.user)
    assert client.get(_url("payment_create", invoice.pk)).status_code == 403


def test_payment_no_page_for_drafts_credit_notes_or_unknown_ids(client_of_role, invoice):
    client = client_of_role(Role.COORDINATOR)
    credit_note = billing.credit_note_create(actor=client.user, invoice=invoice, reason="Erreur")
    assert client.get(_url("payment_create", draft_invoice().pk)).status_code == 404
    assert client.get(_url("payment_create", credit_note.pk)).status_code == 404
    assert client.get(_url("payment_create", 999999)).status_code == 404


def test_payment_wrong_method(client_of_role, invoice):
    response = client_of_role(Role.COORDINATOR).put(_url("payment_create", invoice.pk))
    assert response.status_code == 405


@pytest.mark.parametrize("role", ISSUERS)
def test_payment_recorded(client_of_role, invoice, role):
    client = client_of_role(role)
    page = client.get(_url("payment_create", invoice.pk))
    assert page.status_code == 200
    html = _text(page)
    assert invoice.number in html and invoice.client.name in html
    assert 'value="192,00"' in html  # what is left to pay, proposed
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in html
    response = client.post(
        _url("payment_create", invoice.pk),
        {
            "paid_on": days_ago(1).isoformat(),
            "amount": "100,50",
            "method": PaymentMethod.CHEQUE,
            "reference": "Chèque 123",
            "note": "",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == _url("invoice_detail", invoice.pk)
    entry = Payment.objects.get()
    assert (entry.invoice, entry.amount, entry.method, entry.reference, entry.paid_on) == (
        invoice,
        Decimal("100.50"),
        PaymentMethod.CHEQUE,
        "Chèque 123",
        days_ago(1),
    )
    assert entry.recorded_by == client.user
    assert _messages(response) == [
        f"Le paiement de 100,50 € est enregistré sur la facture {invoice.number}."
    ]
    html = _text(response)
    assert f"Reste à payer</dt><dd><strong>91,50{NBSP}€" in html
    assert "Chèque 123" in html


def test_payment_bad_input_keeps_what_was_typed(client_of_role, invoice):
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        _url("payment_create", invoice.pk),
        {
            "paid_on": days_ago(1).isoformat(),
            "amount": "douze",
            "method": PaymentMethod.TRANSFER,
            "reference": "VIR SEPA 42",
        },
    )
    assert response.status_code == 200
    html = _text(response)
    assert "Le formulaire contient des erreurs" in html
    assert "Saisissez un nombre." in html
    assert 'value="VIR SEPA 42"' in html
    # More than what is left: the service's message, on the amount.
    response = client.post(
        _url("payment_create", invoice.pk),
        {"paid_on": days_ago(1).isoformat(), "amount": "200", "method": "transfer"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "amount": [f"Le paiement (200,00{NBSP}€) dépasse ce qui reste à payer (192,00{NBSP}€)."]
    }
    assert 'value="200"' in _text(response)
    assert not Payment.objects.exists()


# --- cancelling an entry ------------------------------------------------------------------


def test_reverse_anonymous_and_other_roles(client, client_of_role, invoice):
    entry = payment(invoice, "50.00")
    _assert_login(client.get(_url("payment_reverse", entry.pk)))
    for role in NOT_ISSUERS:
        other = client_of_role(role)
        assert other.get(_url("payment_reverse", entry.pk)).status_code == 403
        assert other.post(_url("payment_reverse", entry.pk), {"reason": "x"}).status_code == 403
    assert Payment.objects.count() == 1


def test_reverse_unknown_entry_and_wrong_method(client_of_role):
    client = client_of_role(Role.ACCOUNTANT)
    assert client.get(_url("payment_reverse", 999999)).status_code == 404
    assert client.delete(_url("payment_reverse", 999999)).status_code == 405


def test_reverse_an_entry(client_of_role, invoice):
    entry = payment(invoice, "50.00", reference="VIR 1")
    client = client_of_role(Role.ACCOUNTANT)
    page = _text(client.get(_url("payment_reverse", entry.pk)))
    assert f"50,00{NBSP}€" in page and "VIR 1" in page
    response = client.post(_url("payment_reverse", entry.pk), {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["Ce champ est obligatoire."]}
    response = client.post(
        _url("payment_reverse", entry.pk), {"reason": "Virement rejeté"}, follow=True
    )
    assert response.redirect_chain[-1][0] == _url("invoice_detail", invoice.pk)
    reversal = Payment.objects.get(reverses=entry)
    assert (reversal.amount, reversal.note) == (Decimal("-50.00"), "Virement rejeté")
    assert _messages(response) == [
        f"L'écriture de 50,00 € du {entry.paid_on:%d/%m/%Y} est annulée."
    ]
    # Twice: the service's refusal, on the page.
    response = client.post(_url("payment_reverse", entry.pk), {"reason": "Encore"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"Cette écriture est déjà annulée (le {timezone.localdate():%d/%m/%Y})."
    ]
    assert "Encore</textarea>" in _text(response)
    assert Payment.objects.count() == 2


# --- the money part of the invoice page ---------------------------------------------------


def test_invoice_page_shows_payments_and_actions_to_issuers(client_of_role):
    invoice = overdue_invoice(days_late=5)
    kept = payment(invoice, "40.00", reference="VIR A")
    mistaken = payment(invoice, "10.00", reference="VIR B")
    ledger.payment_reverse(actor=issuer(), payment=mistaken, reason="Doublon")
    ledger.recovery_action_log(
        actor=issuer(), invoice=invoice, kind=RecoveryKind.PHONE_CALL, note="Promis vendredi"
    )
    client = client_of_role(Role.COORDINATOR)
    html = _text(client.get(_url("invoice_detail", invoice.pk)))
    assert "En retard de 5 jours" in html
    assert f"Déjà payé</dt><dd>40,00{NBSP}€" in html
    assert f"Reste à payer</dt><dd><strong>152,00{NBSP}€" in html
    assert f'href="{_url("payment_create", invoice.pk)}"' in html
    assert f'href="{_url("reminder_send", invoice.pk)}"' in html
    assert f'href="{_url("recovery_action_add", invoice.pk)}"' in html
    # Only the entry still standing can be cancelled.
    assert f'href="{_url("payment_reverse", kept.pk)}"' in html
    assert f'href="{_url("payment_reverse", mistaken.pk)}"' not in html
    assert "Annulation" in html and "Doublon" in html
    assert "Appel téléphonique" in html and "Promis vendredi" in html


def test_invoice_page_entrepreneur_reads_without_actions(client):
    invoice = overdue_invoice(days_late=5)
    payment(invoice, "192.00")
    client.force_login(invoice.entrepreneur.user)
    html = _text(client.get(_url("invoice_detail", invoice.pk)))
    assert "Payée" in html
    assert f"Reste à payer</dt><dd><strong>0,00{NBSP}€" in html
    assert _url("payment_create", invoice.pk) not in html
    assert "Annuler cette écriture" not in html
    assert _url("reminder_send", invoice.pk) not in html


# --- the payment journal ------------------------------------------------------------------

LIST_URL = reverse("coop:payment_list")


def test_payment_list_anonymous(client):
    _assert_login(client.get(LIST_URL))


@pytest.mark.parametrize("role", NOT_READERS)
def test_payment_list_refused_to_other_roles(client_of_role, role):
    assert client_of_role(role).get(LIST_URL).status_code == 403


def test_payment_list_wrong_method(client_of_role):
    assert client_of_role(Role.COORDINATOR).post(LIST_URL).status_code == 405


@pytest.fixture
def journal():
    """Two invoices of two entrepreneurs and clients, three entries and a reversal."""
    nadia = MemberFactory(first_name="Nadia", last_name="Benali", path="cape")
    first = issued_invoice(
        entrepreneur=nadia,
        client=BillableClientFactory(name="Collège Voltaire"),
        issued_on=days_ago(20),
        service_start=days_ago(25),
        lines=[line(quantity=Decimal("10"), unit_price=Decimal("150.00"))],
    )
    second = issued_invoice(
        client=BillableClientFactory(name="Mairie de Bron"),
        issued_on=days_ago(15),
        service_start=days_ago(16),
    )
    cheque = payment(first, "1000.00", paid_on=days_ago(10), method=PaymentMethod.CHEQUE)
    transfer = payment(first, "234.56", paid_on=days_ago(5))
    other = payment(second, "92.00", paid_on=days_ago(2))
    reversal = ledger.payment_reverse(actor=issuer(), payment=transfer, reason="Rejeté")
    return {
        "first": first,
        "second": second,
        "cheque": cheque,
        "transfer": transfer,
        "other": other,
        "reversal": reversal,
    }


def _rows(response) -> list[int]:
    return [row.pk for row in response.context["page"]]


@pytest.mark.parametrize("role", READERS)
def test_payment_list_for_readers(client_of_role, journal, role):
    response = client_of_role(role).get(LIST_URL)
    assert response.status_code == 200
    entries = journal
    assert _rows(response) == [
        entries["reversal"].pk,
        entries["other"].pk,
        entries["transfer"].pk,
        entries["cheque"].pk,
    ]
    totals = response.context["totals"]
    assert totals == {
        "count": 4,
        "received": Decimal("1326.56"),
        "reversed": Decimal("-234.56"),
        "net": Decimal("1092.00"),
    }
    assert [(item.method, item.count, item.amount) for item in response.context["by_method"]] == [
        (PaymentMethod.CHEQUE, 1, Decimal("1000.00")),
        (PaymentMethod.TRANSFER, 3, Decimal("92.00")),
    ]
    html = _text(response)
    assert f"1{NBSP}092,00{NBSP}€" in html
    assert "Nadia Benali" in html and "Collège Voltaire" in html
    assert f'href="{_url("invoice_detail", entries["first"].pk)}"' in html
    assert f"-234,56{NBSP}€" in html and "Rejeté" in html


def test_payment_list_filters(client_of_role, journal):
    client = client_of_role(Role.ACCOUNTANT)
    by_person = client.get(LIST_URL, {"entrepreneur": "benali nad"})
    assert set(_rows(by_person)) == {
        journal["cheque"].pk,
        journal["transfer"].pk,
        journal["reversal"].pk,
    }
    assert _rows(client.get(LIST_URL, {"client": "bron"})) == [journal["other"].pk]
    assert _rows(client.get(LIST_URL, {"method": "cheque"})) == [journal["cheque"].pk]
    assert _rows(client.get(LIST_URL, {"number": journal["second"].number})) == [
        journal["other"].pk
    ]
    period = client.get(
        LIST_URL, {"date_from": days_ago(6).isoformat(), "date_to": days_ago(1).isoformat()}
    )
    assert _rows(period) == [journal["other"].pk, journal["transfer"].pk]
    assert period.context["totals"]["net"] == Decimal("326.56")


def test_payment_list_bad_filters_keep_what_was_typed(client_of_role, journal):
    response = client_of_role(Role.COORDINATOR).get(
        LIST_URL,
        {
            "entrepreneur": "Benali",
            "date_from": days_ago(1).isoformat(),
            "date_to": days_ago(5).isoformat(),
            "method": "troc",
        },
    )
    assert response.status_code == 200
    assert response.context["totals"] is None
    errors = response.context["form"].errors
    assert errors["date_to"] == ["La fin de la période précède son début."]
    assert "method" in errors
    html = _text(response)
    assert 'value="Benali"' in html
    assert "Corrigez les filtres signalés pour voir la liste." in html


@pytest.mark.parametrize("invoices", [1, 4])
def test_payment_list_query_count_does_not_grow(
    client_of_role, django_assert_num_queries, invoices
):
    for index in range(invoices):
        invoice = issued_invoice(issued_on=days_ago(30 - index), service_start=days_ago(40))
        payment(invoice, "50.00", method=PaymentMethod.CHEQUE)
        entry = payment(invoice, "10.00")
        ledger.payment_reverse(actor=issuer(), payment=entry, reason="Erreur")
    client = client_of_role(Role.COORDINATOR)
    # session, user, two-factor check, count, the page (with invoice, entrepreneur, client
    # and the reversed entry), the totals, the totals by method
    with django_assert_num_queries(7):
        response = client.get(LIST_URL)
    assert len(response.context["page"].object_list) == 3 * invoices
    name = invoice.entrepreneur.last_name
    with django_assert_num_queries(7):
        response = client.get(
            LIST_URL, {"entrepreneur": name, "client": "Horizons", "method": "cheque"}
        )
    assert response.context["page"].object_list  # found: the page's query ran


# --- unpaid and overdue invoices ----------------------------------------------------------

OVERDUE_URL = reverse("coop:overdue_list")


def test_overdue_anonymous(client):
    _assert_login(client.get(OVERDUE_URL))


@pytest.mark.parametrize("role", NOT_READERS)
def test_overdue_refused_to_other_roles(client_of_role, role):
    assert client_of_role(role).get(OVERDUE_URL).status_code == 403


def test_overdue_wrong_method(client_of_role):
    assert client_of_role(Role.ACCOUNTANT).post(OVERDUE_URL).status_code == 405


@pytest.fixture
def unpaid():
    """Invoices due 95, 40 and 10 days ago, one paid, one not yet due."""
    very_late = overdue_invoice(
        days_late=95, client=BillableClientFactory(name="Lycée Ampère", email="")
    )
    late = overdue_invoice(days_late=40)
    paid = overdue_invoice(days_late=10)
    recent = overdue_invoice(
        days_late=10, entrepreneur=MemberFactory(path="cape", last_name="Quennehen")
    )
    not_due = overdue_invoice(days_late=-5)
    payment(late, "92.00")
    payment(paid, "192.00")
    ledger.reminder_send(actor=issuer(), invoice=late, to=["a@example.fr"])
    ledger.recovery_action_log(
        actor=issuer(), invoice=late, kind=RecoveryKind.FORMAL_NOTICE, note="LRAR 1A234"
    )
    return {
        "very_late": very_late,
        "late": late,
        "paid": paid,
        "recent": recent,
        "not_due": not_due,
    }


@pytest.mark.parametrize("role", READERS)
def test_overdue_list(client_of_role, unpaid, role):
    response = client_of_role(role).get(OVERDUE_URL)
    assert response.status_code == 200
    assert _rows(response) == [unpaid["very_late"].pk, unpaid["late"].pk, unpaid["recent"].pk]
    rows = {row.pk: row for row in response.context["page"]}
    late = rows[unpaid["late"].pk]
    assert (late.days_late, late.balance, late.reminders_sent) == (40, Decimal("100.00"), 1)
    assert late.last_action_label == "Mise en demeure"
    assert rows[unpaid["very_late"].pk].reminders_sent == 0
    totals = response.context["totals"]
    assert (totals["count"], totals["balance"]) == (3, Decimal("484.00"))
    assert totals["bands"][0][1] == Decimal("192.00")
    assert totals["bands"][1][1] == Decimal("100.00")
    assert totals["bands"][3][1] == Decimal("192.00")
    html = _text(response)
    assert "95 jours" in html and "40 jours" in html
    assert "pas d'adresse e-mail" in html  # the Lycée Ampère had none when issued
    assert f"484,00{NBSP}€" in html
    assert ("Relancer" in html) == (role != Role.ADMINISTRATOR)


def test_overdue_list_every_unpaid_invoice_and_filters(client_of_role, unpaid):
    client = client_of_role(Role.COORDINATOR)
    everything = client.get(OVERDUE_URL, {"state": "unpaid"})
    assert _rows(everything)[-1] == unpaid["not_due"].pk
    assert len(_rows(everything)) == 4
    assert everything.context["totals"]["not_due"] == Decimal("192.00")
    assert "pas encore échue" in _text(everything)
    assert _rows(client.get(OVERDUE_URL, {"lateness": "91+"})) == [unpaid["very_late"].pk]
    assert _rows(client.get(OVERDUE_URL, {"lateness": "1-30"})) == [unpaid["recent"].pk]
    assert _rows(client.get(OVERDUE_URL, {"reminded": "1"})) == [unpaid["late"].pk]
    assert _rows(client.get(OVERDUE_URL, {"client": "ampère"})) == [unpaid["very_late"].pk]
    assert _rows(client.get(OVERDUE_URL, {"entrepreneur": "quennehen"})) == [unpaid["recent"].pk]
    # An unknown state shows the overdue ones; a bad filter is said, the typed text kept.
    assert len(_rows(client.get(OVERDUE_URL, {"state": "n'importe"}))) == 3
    bad = client.get(OVERDUE_URL, {"lateness": "1000", "client": "Ampère"})
    assert "lateness" in bad.context["form"].errors
    assert 'value="Ampère"' in _text(bad)


@pytest.mark.parametrize("invoices", [1, 4])
def test_overdue_query_count_does_not_grow(client_of_role, django_assert_num_queries, invoices):
    for index in range(invoices):
        late = overdue_invoice(days_late=40 - index)
        ledger.recovery_action_log(
            actor=issuer(), invoice=late, kind=RecoveryKind.NOTE, note="Appelé"
        )
    client = client_of_role(Role.ACCOUNTANT)
    # session, user, two-factor check, count, the page (with entrepreneur, client, paid,
    # credited, last action and reminders as subqueries), the totals
    with django_assert_num_queries(6):
        response = client.get(OVERDUE_URL)
    assert len(response.context["page"].object_list) == invoices
    with django_assert_num_queries(6):
        response = client.get(
            OVERDUE_URL, {"state": "unpaid", "client": "Horizons", "lateness": "31-60"}
        )
    assert len(response.context["page"].object_list) == invoices


# --- sending a reminder -------------------------------------------------------------------


def test_reminder_anonymous_and_other_roles(client, client_of_role):
    invoice = overdue_invoice(days_late=5)
    _assert_login(client.get(_url("reminder_send", invoice.pk)))
    for role in NOT_ISSUERS:
        other = client_of_role(role)
        assert other.get(_url("reminder_send", invoice.pk)).status_code == 403
        assert other.post(_url("reminder_send", invoice.pk), {"to": "a@b.fr"}).status_code == 403
    assert not OutgoingEmail.objects.exists()


def test_reminder_wrong_method_and_unknown_invoice(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    assert client.get(_url("reminder_send", 999999)).status_code == 404
    assert client.put(_url("reminder_send", 999999)).status_code == 405


def test_reminder_sent_by_hand(client_of_role):
    customer = BillableClientFactory(email="compta@horizons.example")
    customer.contacts.create(name="Agnès Roy", email="agnes@horizons.example")
    invoice = overdue_invoice(days_late=5, client=customer)
    client = client_of_role(Role.COORDINATOR)
    page = client.get(_url("reminder_send", invoice.pk))
    html = _text(page)
    assert "compta@horizons.example</textarea>" in html
    assert "Autres adresses connues du client : agnes@horizons.example" in html
    # The message to be sent, shown before sending.
    assert f"Rappel : facture {invoice.number} en attente de paiement" in html
    assert "article L441-10 du Code de commerce" in html
    response = client.post(
        _url("reminder_send", invoice.pk),
        {"to": "compta@horizons.example, agnes@horizons.example", "note": "Merci d'avance."},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == _url("invoice_detail", invoice.pk)
    action = RecoveryAction.objects.get()
    assert (action.kind, action.actor, action.note) == (
        RecoveryKind.REMINDER_MANUAL,
        client.user,
        "Merci d'avance.",
    )
    assert action.email.to == ["compta@horizons.example", "agnes@horizons.example"]
    assert _messages(response) == [
        "La relance est partie à compta@horizons.example, agnes@horizons.example, "
        "avec la facture en pièce jointe."
    ]
    assert "Relance envoyée à la main" in _text(response)


def test_reminder_bad_addresses_keep_what_was_typed(client_of_role):
    invoice = overdue_invoice(days_late=5)
    response = client_of_role(Role.ACCOUNTANT).post(
        _url("reminder_send", invoice.pk), {"to": "compta@ok.fr, pas une adresse", "note": "Note"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"to": ["« pas » n'est pas une adresse e-mail."]}
    html = _text(response)
    assert "compta@ok.fr, pas une adresse</textarea>" in html
    assert "Note</textarea>" in html
    assert not OutgoingEmail.objects.exists()


def test_reminder_refused_before_the_due_date(client_of_role):
    invoice = overdue_invoice(days_late=-3)
    client = client_of_role(Role.COORDINATOR)
    page = _text(client.get(_url("reminder_send", invoice.pk)))
    assert "Cette facture n'est pas encore en retard" in page
    assert "Envoyer la relance" not in page
    response = client.post(_url("reminder_send", invoice.pk), {"to": "a@example.fr"})
    assert response.status_code == 200
    assert not OutgoingEmail.objects.exists()


# --- logging a recovery action ------------------------------------------------------------


def test_recovery_action_roles(client, client_of_role):
    invoice = overdue_invoice(days_late=5)
    _assert_login(client.get(_url("recovery_action_add", invoice.pk)))
    for role in NOT_ISSUERS:
        assert client_of_role(role).get(_url("recovery_action_add", invoice.pk)).status_code == 403
    coordinator = client_of_role(Role.COORDINATOR)
    assert coordinator.get(_url("recovery_action_add", 999999)).status_code == 404
    assert coordinator.patch(_url("recovery_action_add", invoice.pk)).status_code == 405


def test_recovery_action_logged(client_of_role):
    invoice = overdue_invoice(days_late=5)
    client = client_of_role(Role.ACCOUNTANT)
    response = client.post(_url("recovery_action_add", invoice.pk), {"kind": "formal_notice"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"note": ["Ce champ est obligatoire."]}
    assert re.search(r'value="formal_notice"[^>]*checked', _text(response))
    response = client.post(
        _url("recovery_action_add", invoice.pk),
        {"kind": "formal_notice", "note": "Mise en demeure envoyée en recommandé"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == _url("invoice_detail", invoice.pk)
    action = RecoveryAction.objects.get()
    assert (action.kind, action.note, action.actor) == (
        RecoveryKind.FORMAL_NOTICE,
        "Mise en demeure envoyée en recommandé",
        client.user,
    )
    assert _messages(response) == [f"« Mise en demeure » est noté sur la facture {invoice.number}."]


# --- account expenses: the list -----------------------------------------------------------

EXPENSES_URL = reverse("coop:account_expense_list")


def test_expense_list_anonymous(client):
    _assert_login(client.get(EXPENSES_URL))


@pytest.mark.parametrize("role", NOT_ISSUERS)
def test_expense_list_refused_to_other_roles(client_of_role, role):
    assert client_of_role(role).get(EXPENSES_URL).status_code == 403


def test_expense_list_wrong_method(client_of_role):
    assert client_of_role(Role.ACCOUNTANT).post(EXPENSES_URL).status_code == 405


@pytest.mark.parametrize("role", ISSUERS)
def test_expense_list(client_of_role, role):
    nadia = MemberFactory(first_name="Nadia", last_name="Benali", path="cape")
    supplies = account_expense(entrepreneur=nadia, spent_on=days_ago(20), receipt=receipt())
    meal = account_expense(
        entrepreneur=nadia,
        kind=AccountExpenseKind.EXPENSE_REPORT,
        supplier="",
        description="Repas avec le client",
        net=Decimal("25.00"),
        vat=Decimal("2.50"),
        paid_by=ExpensePaidBy.ENTREPRENEUR,
        spent_on=days_ago(3),
    )
    salary = account_expense(
        kind=AccountExpenseKind.SALARY,
        supplier="",
        description="Salaire de mars",
        net=Decimal("1800.00"),
        vat=Decimal("0"),
        spent_on=days_ago(10),
    )
    client = client_of_role(role)
    response = client.get(EXPENSES_URL)
    assert response.status_code == 200
    assert _rows(response) == [meal.pk, salary.pk, supplies.pk]
    totals = response.context["totals"]
    assert (totals["count"], totals["net"], totals["vat"], totals["gross"]) == (
        3,
        Decimal("1925.00"),
        Decimal("22.50"),
        Decimal("1947.50"),
    )
    assert (totals["to_reimburse"], totals["to_reimburse_count"]) == (Decimal("27.50"), 1)
    html = _text(response)
    assert f"1{NBSP}947,50{NBSP}€" in html
    assert "à rembourser" in html
    assert f'href="{_url("account_expense_receipt", supplies.pk)}"' in html
    assert f'href="{_url("account_expense_reimburse", meal.pk)}"' in html
    assert f'href="{_url("account_expense_reimburse", supplies.pk)}"' not in html
    assert _rows(client.get(EXPENSES_URL, {"entrepreneur": "nadia"})) == [meal.pk, supplies.pk]
    assert _rows(client.get(EXPENSES_URL, {"to_reimburse": "1"})) == [meal.pk]
    assert _rows(client.get(EXPENSES_URL, {"kind": "salary"})) == [salary.pk]
    assert _rows(client.get(EXPENSES_URL, {"supplier": "lumière"})) == [supplies.pk]
    assert _rows(client.get(EXPENSES_URL, {"date_from": days_ago(10).isoformat()})) == [
        meal.pk,
        salary.pk,
    ]
    bad = client.get(EXPENSES_URL, {"date_from": "hier", "entrepreneur": "Nadia"})
    assert "date_from" in bad.context["form"].errors
    assert 'value="Nadia"' in _text(bad)


@pytest.mark.parametrize("expenses", [2, 8])
def test_expense_list_query_count_does_not_grow(
    client_of_role, django_assert_num_queries, expenses
):
    for index in range(expenses):
        expense = account_expense(
            spent_on=days_ago(index), receipt=receipt() if index % 2 else None
        )
    client = client_of_role(Role.COORDINATOR)
    # session, user, two-factor check, count, the page (with the entrepreneur), the totals
    with django_assert_num_queries(6):
        response = client.get(EXPENSES_URL)
    assert len(response.context["page"].object_list) == expenses
    name = expense.entrepreneur.last_name
    with django_assert_num_queries(6):
        response = client.get(EXPENSES_URL, {"entrepreneur": name, "kind": "supplier_invoice"})
    assert response.context["page"].object_list


# --- account expenses: adding, changing, reimbursing --------------------------------------


def test_pick_the_entrepreneur(client, client_of_role):
    _assert_login(client.get(_url("account_expense_pick")))
    for role in NOT_ISSUERS:
        assert client_of_role(role).get(_url("account_expense_pick")).status_code == 403
    nadia = MemberFactory(first_name="Nadia", last_name="Benali")
    MemberFactory(first_name="Paul", last_name="Martin")
    accountant = client_of_role(Role.ACCOUNTANT)
    assert accountant.post(_url("account_expense_pick")).status_code == 405
    response = accountant.get(_url("account_expense_pick"), {"q": "benali"})
    assert [member.pk for member in response.context["members"]] == [nadia.pk]
    assert f'href="{_url("account_expense_create", nadia.pk)}"' in _text(response)
    short = accountant.get(_url("account_expense_pick"), {"q": "b"})
    assert "q" in short.context["form"].errors
    assert short.context["members"] is None


def _expense_data(**overrides) -> dict:
    return {
        "kind": AccountExpenseKind.SUPPLIER_INVOICE,
        "spent_on": days_ago(2).isoformat(),
        "description": "Matériel d'atelier",
        "supplier": "Bricoles & Cie",
        "supplier_reference": "F-9",
        "net": "1 250,00",
        "vat": "250",
        "paid_by": ExpensePaidBy.ENTREPRENEUR,
        "receipt": SimpleUploadedFile("ticket.png", PNG_BYTES, content_type="image/png"),
    } | overrides


def test_expense_create_roles(client, client_of_role):
    member = MemberFactory()
    url = _url("account_expense_create", member.pk)
    _assert_login(client.get(url))
    for role in NOT_ISSUERS:
        other = client_of_role(role)
        assert other.get(url).status_code == 403
        assert other.post(url, _expense_data()).status_code == 403
    coordinator = client_of_role(Role.COORDINATOR)
    assert coordinator.get(_url("account_expense_create", 999999)).status_code == 404
    assert coordinator.put(url).status_code == 405
    assert not AccountExpense.objects.exists()


@pytest.mark.parametrize("role", ISSUERS)
def test_expense_created_with_its_receipt(client_of_role, private_media, role):
    member = MemberFactory(first_name="Nadia", last_name="Benali")
    client = client_of_role(role)
    page = client.get(_url("account_expense_create", member.pk))
    assert 'enctype="multipart/form-data"' in _text(page)
    assert "Imputée au compte de Nadia Benali." in _text(page)
    response = client.post(_url("account_expense_create", member.pk), _expense_data(), follow=True)
    expense = AccountExpense.objects.get()
    assert response.redirect_chain[-1][0] == f"{EXPENSES_URL}?entrepreneur=Nadia+Benali"
    assert (expense.entrepreneur, expense.net, expense.vat, expense.paid_by) == (
        member,
        Decimal("1250.00"),
        Decimal("250.00"),
        ExpensePaidBy.ENTREPRENEUR,
    )
    assert expense.recorded_by == client.user
    assert expense.receipt_content_type == "image/png"
    assert (private_media / expense.receipt.name).read_bytes() == PNG_BYTES
    assert _messages(response) == [
        "La dépense « Matériel d'atelier » est ajoutée au compte de Nadia Benali."
    ]
    assert _rows(response) == [expense.pk]


def test_expense_bad_input_keeps_what_was_typed(client_of_role):
    member = MemberFactory()
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        _url("account_expense_create", member.pk),
        _expense_data(receipt=SimpleUploadedFile("virus.pdf", EXE_BYTES)),
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "receipt": ["Seuls les fichiers PDF, JPEG et PNG sont acceptés."]
    }
    html = _text(response)
    assert 'value="Matériel d\'atelier"' in html and 'value="Bricoles & Cie"' in html
    assert 'value="1 250,00"' in html
    assert "le fichier choisi n'est pas gardé" in html
    # A rule of the service, on its field.
    response = client.post(
        _url("account_expense_create", member.pk),
        _expense_data(kind=AccountExpenseKind.SALARY, vat="10", receipt=""),
    )
    assert response.context["form"].errors == {
        "paid_by": ["Le salaire est payé par la coopérative."],
        "vat": ["Un salaire ne porte pas de TVA."],
    }
    assert not AccountExpense.objects.exists()


def test_expense_edit(client, client_of_role, private_media):
    expense = account_expense(receipt=receipt())
    url = _url("account_expense_edit", expense.pk)
    _assert_login(client.get(url))
    for role in NOT_ISSUERS:
        assert client_of_role(role).get(url).status_code == 403
    coordinator = client_of_role(Role.COORDINATOR)
    assert coordinator.get(_url("account_expense_edit", 999999)).status_code == 404
    assert coordinator.delete(url).status_code == 405
    page = _text(coordinator.get(url))
    assert 'value="Affiches pour les ateliers"' in page
    assert f'href="{_url("account_expense_receipt", expense.pk)}"' in page
    data = _expense_data(paid_by=ExpensePaidBy.COOPERATIVE, receipt="", net="100", vat="20")
    response = coordinator.post(url, data, follow=True)
    assert _messages(response) == ["La dépense est enregistrée."]
    expense.refresh_from_db()
    assert (expense.description, expense.supplier) == ("Matériel d'atelier", "Bricoles & Cie")
    assert (private_media / expense.receipt.name).read_bytes() == PDF_BYTES  # kept


def test_expense_reimbursed(client, client_of_role):
    advanced = account_expense(
        kind=AccountExpenseKind.EXPENSE_REPORT,
        supplier="",
        paid_by=ExpensePaidBy.ENTREPRENEUR,
        spent_on=days_ago(4),
    )
    url = _url("account_expense_reimburse", advanced.pk)
    _assert_login(client.post(url))
    for role in NOT_ISSUERS:
        assert client_of_role(role).post(url, {"on": days_ago(1)}).status_code == 403
    accountant = client_of_role(Role.ACCOUNTANT)
    assert accountant.put(url).status_code == 405
    assert f"120,00{NBSP}€" in _text(accountant.get(url))
    response = accountant.post(url, {"on": days_ago(5).isoformat()})
    assert response.context["form"].errors == {
        "on": [f"Le remboursement ne peut pas précéder la dépense (le {days_ago(4):%d/%m/%Y})."]
    }
    assert f'value="{days_ago(5).isoformat()}"' in _text(response)
    response = accountant.post(url, {"on": days_ago(1).isoformat()}, follow=True)
    advanced.refresh_from_db()
    assert advanced.reimbursed_on == days_ago(1)
    assert _messages(response) == [
        f"Le remboursement de 120,00 € à {advanced.entrepreneur.full_name} est noté."
    ]
    paid = account_expense()
    response = accountant.post(
        _url("account_expense_reimburse", paid.pk), {"on": days_ago(1).isoformat()}
    )
    assert response.context["form"].non_field_errors() == [
        "Cette dépense a été payée par la coopérative : il n'y a rien à rembourser."
    ]


# --- receipts -----------------------------------------------------------------------------


def test_receipt_served_to_who_sees_the_expense(client, client_of_role, private_media):
    expense = account_expense(receipt=receipt("Facture Lumière.PDF"))
    url = _url("account_expense_receipt", expense.pk)
    _assert_login(client.get(url))
    for role in READERS:
        response = client_of_role(role).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'attachment; filename="justificatif-{expense.spent_on:%Y-%m-%d}-{expense.pk}.pdf"'
        )
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        # Read to the end: the test client then closes the file.
        assert b"".join(response.streaming_content) == PDF_BYTES
    # The entrepreneur whose account it is, yes; another one, a funder: 404.
    client.force_login(expense.entrepreneur.user)
    own = client.get(url)
    assert own.status_code == 200
    assert b"".join(own.streaming_content) == PDF_BYTES
    for role in (Role.ENTREPRENEUR, Role.FUNDER, Role.RESEARCHER, Role.PEER_SUPPORT_LEAD):
        assert client_of_role(role).get(url).status_code == 404
    assert client_of_role(Role.COORDINATOR).post(url).status_code == 405
    # Never reachable other than through the view.
    assert client_of_role(Role.COORDINATOR).get("/media/" + expense.receipt.name).status_code == 404


def test_receipt_missing_or_absent_is_404(client_of_role, private_media):
    client = client_of_role(Role.ACCOUNTANT)
    without = account_expense()
    assert client.get(_url("account_expense_receipt", without.pk)).status_code == 404
    lost = account_expense(receipt=receipt())
    (private_media / lost.receipt.name).unlink()
    assert client.get(_url("account_expense_receipt", lost.pk)).status_code == 404
