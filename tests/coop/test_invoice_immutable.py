"""An issued invoice or credit note never changes and is never deleted, whatever the code
path (DESIGN.md rule 1): the database triggers of migration coop.0005 refuse it, on SQLite
and on PostgreSQL alike. Drafts stay editable. The payment journal and the recovery log
are append-only in the same way."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from coop import billing
from coop.enums import InvoiceStatus, PaymentMethod, RecoveryKind, Unit, VatRate
from coop.models import Invoice, InvoiceLine, Payment, RecoveryAction
from members.enums import Role
from tests.coop.factories import draft_invoice, issued_invoice, line
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

# The trigger's own words (coop/migrations/0005_invoice_immutable.py), as the database
# reports them whatever the code path.
REFUSED_INVOICE = "Une facture émise ne se modifie pas"
REFUSED_LINE = "Les lignes d’une facture émise ne changent plus"
REFUSED_JOURNAL = "Le journal des paiements ne se modifie pas"
REFUSED_RECOVERY = "Le journal de recouvrement ne se modifie pas"


def refused(message: str):
    """The change must fail inside its own savepoint, so that the test goes on."""
    return pytest.raises(IntegrityError, match=message)


def raw(sql: str, *params) -> None:
    """SQL straight to the database: no Django collector, no model method in the way."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def issued():
    return issued_invoice(lines=[line(), line(description="Déplacement", unit=Unit.KILOMETRE)])


@pytest.fixture
def credit_note(issued):
    coordinator = UserFactory(role=Role.COORDINATOR)
    draft = billing.credit_note_create(actor=coordinator, invoice=issued, reason="Erreur de prix")
    return billing.invoice_issue(actor=coordinator, invoice=draft)


def _unchanged(invoice: Invoice) -> None:
    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.status == InvoiceStatus.ISSUED
    assert (stored.number, stored.title, stored.gross) == (
        invoice.number,
        invoice.title,
        invoice.gross,
    )
    assert stored.lines.count() == invoice.lines.count()


@pytest.mark.parametrize("document", ["issued", "credit_note"])
def test_save_is_refused(document, request):
    invoice = request.getfixturevalue(document)
    invoice.title = "Autre objet"
    with refused(REFUSED_INVOICE), transaction.atomic():
        invoice.save()
    invoice.refresh_from_db()
    assert invoice.title != "Autre objet"
    _unchanged(invoice)


def test_queryset_update_is_refused_even_back_to_draft(issued):
    with refused(REFUSED_INVOICE), transaction.atomic():
        Invoice.objects.filter(pk=issued.pk).update(gross=Decimal("1.00"))
    with refused(REFUSED_INVOICE), transaction.atomic():
        Invoice.objects.filter(pk=issued.pk).update(status=InvoiceStatus.DRAFT)
    with refused(REFUSED_INVOICE), transaction.atomic():
        raw("UPDATE coop_invoice SET number = 'FA-0000-99999' WHERE id = %s", issued.pk)
    _unchanged(issued)


def test_delete_is_refused(issued):
    # Django's collector stops first (its lines are PROTECTed): ProtectedError is an
    # IntegrityError.
    with pytest.raises(IntegrityError), transaction.atomic():
        issued.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=issued.pk).delete()
    # Underneath, the database itself refuses, even without the collector.
    with refused(REFUSED_INVOICE), transaction.atomic():
        raw("DELETE FROM coop_invoice WHERE id = %s", issued.pk)
    with refused(REFUSED_INVOICE), transaction.atomic():
        Invoice.objects.filter(pk=issued.pk)._raw_delete(connection.alias)
    _unchanged(issued)


def test_adding_a_line_is_refused(issued):
    with refused(REFUSED_LINE), transaction.atomic():
        InvoiceLine.objects.create(
            invoice=issued,
            position=9,
            description="Ajout après coup",
            quantity=Decimal("1"),
            unit=Unit.HOUR,
            unit_price=Decimal("10.00"),
            vat_rate=VatRate.STANDARD,
            net=Decimal("10.00"),
        )
    with refused(REFUSED_LINE), transaction.atomic():
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(
                    invoice=issued,
                    description="Ajout en masse",
                    quantity=Decimal("1"),
                    unit_price=Decimal("10.00"),
                    net=Decimal("10.00"),
                )
            ]
        )
    _unchanged(issued)


def test_changing_a_line_is_refused(issued):
    first = issued.lines.first()
    first.unit_price = Decimal("1.00")
    with refused(REFUSED_LINE), transaction.atomic():
        first.save()
    with refused(REFUSED_LINE), transaction.atomic():
        InvoiceLine.objects.filter(invoice=issued).update(description="Réécrit")
    first.refresh_from_db()
    assert first.unit_price == Decimal("80.00")


def test_deleting_a_line_is_refused(issued):
    with refused(REFUSED_LINE), transaction.atomic():
        issued.lines.first().delete()
    with refused(REFUSED_LINE), transaction.atomic():
        InvoiceLine.objects.filter(invoice=issued).delete()
    assert issued.lines.count() == 2


def test_moving_a_draft_line_onto_an_issued_invoice_is_refused(issued):
    draft = draft_invoice()
    with refused(REFUSED_LINE), transaction.atomic():
        draft.lines.update(invoice=issued)
    # Nor off it onto a draft.
    with refused(REFUSED_LINE), transaction.atomic():
        issued.lines.update(invoice=draft)
    assert issued.lines.count() == 2 and draft.lines.count() == 1


def test_lines_of_an_issued_credit_note_are_frozen_too(credit_note):
    with refused(REFUSED_LINE), transaction.atomic():
        credit_note.lines.update(quantity=Decimal("0.5"))
    _unchanged(credit_note)


def test_a_draft_stays_editable_through_the_orm():
    invoice = draft_invoice()
    invoice.title = "Nouvel objet"
    invoice.save()
    Invoice.objects.filter(pk=invoice.pk).update(notes="Note")
    added = InvoiceLine.objects.create(
        invoice=invoice,
        position=1,
        description="Déplacement",
        quantity=Decimal("12"),
        unit=Unit.KILOMETRE,
        unit_price=Decimal("0.60"),
        net=Decimal("7.20"),
    )
    InvoiceLine.objects.filter(pk=added.pk).update(quantity=Decimal("10"))
    added.delete()
    invoice.refresh_from_db()
    assert (invoice.title, invoice.notes, invoice.lines.count()) == ("Nouvel objet", "Note", 1)
    invoice.lines.all().delete()
    invoice.delete()
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_a_requested_invoice_is_still_editable():
    invoice = draft_invoice()
    billing.invoice_request_issue(actor=invoice.entrepreneur.user, invoice=invoice)
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.DRAFT, notes="Rendue")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.notes) == (InvoiceStatus.DRAFT, "Rendue")


def test_issuing_is_the_last_write(issued):
    """The issuing write itself goes through (its row was a draft before it); any write
    after it is refused, even one that changes nothing."""
    with refused(REFUSED_INVOICE), transaction.atomic():
        Invoice.objects.filter(pk=issued.pk).update(status=InvoiceStatus.ISSUED)


def test_payment_journal_is_append_only(issued):
    coordinator = UserFactory(role=Role.COORDINATOR)
    payment = Payment.objects.create(
        invoice=issued,
        paid_on=timezone.localdate(),
        amount=Decimal("50.00"),
        method=PaymentMethod.TRANSFER,
        recorded_by=coordinator,
    )
    payment.amount = Decimal("60.00")
    with refused(REFUSED_JOURNAL), transaction.atomic():
        payment.save()
    with refused(REFUSED_JOURNAL), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(note="corrigé")
    with refused(REFUSED_JOURNAL), transaction.atomic():
        payment.delete()
    # A mistake is reversed by a counter-entry.
    Payment.objects.create(
        invoice=issued,
        paid_on=timezone.localdate(),
        amount=Decimal("-50.00"),
        method=PaymentMethod.TRANSFER,
        reverses=payment,
        recorded_by=coordinator,
    )
    assert list(Payment.objects.order_by("pk").values_list("amount", flat=True)) == [
        Decimal("50.00"),
        Decimal("-50.00"),
    ]


def test_recovery_log_is_append_only(issued):
    action = RecoveryAction.objects.create(
        invoice=issued,
        kind=RecoveryKind.PHONE_CALL,
        note="Appel au service comptable",
        at=timezone.now() - datetime.timedelta(days=1),
    )
    with refused(REFUSED_RECOVERY), transaction.atomic():
        RecoveryAction.objects.filter(pk=action.pk).update(note="Réécrit")
    with refused(REFUSED_RECOVERY), transaction.atomic():
        action.delete()
    action.refresh_from_db()
    assert action.note == "Appel au service comptable"
