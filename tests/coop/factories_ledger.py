"""Factories of the money after invoicing: overdue invoices, payments, recovery actions and
account expenses, made through the real services (coop.billing, coop.ledger)."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from coop import ledger
from coop.enums import AccountExpenseKind, ExpensePaidBy, PaymentMethod
from members.enums import Role
from tests.coop.factories import issued_invoice
from tests.members.factories import MemberFactory, UserFactory
from tests.members.factories_extra import PDF_BYTES, PNG_BYTES

# The payment terms the factories use: due 30 days after issuance.
TERMS = 30


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def overdue_invoice(*, days_late: int = 10, terms: int = TERMS, **kwargs):
    """An invoice issued `terms + days_late` days ago, due `terms` days after issuance.
    Issuing dates must not go back in time: make the latest-due ones last."""
    issued_on = days_ago(terms + days_late)
    kwargs.setdefault("service_start", issued_on - datetime.timedelta(days=3))
    return issued_invoice(
        issued_on=issued_on, due_on=issued_on + datetime.timedelta(days=terms), **kwargs
    )


def issuer(role: Role = Role.COORDINATOR):
    return UserFactory(role=role)


def payment(invoice, amount, *, actor=None, paid_on=None, **fields):
    return ledger.payment_record(
        actor=actor or issuer(),
        invoice=invoice,
        paid_on=paid_on or timezone.localdate(),
        amount=Decimal(amount),
        method=fields.pop("method", PaymentMethod.TRANSFER),
        **fields,
    )


def receipt(name: str = "facture.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    content_type = "image/png" if content == PNG_BYTES else "application/pdf"
    return SimpleUploadedFile(name, content, content_type=content_type)


def account_expense(*, entrepreneur=None, actor=None, **fields):
    values = {
        "kind": AccountExpenseKind.SUPPLIER_INVOICE,
        "spent_on": days_ago(5),
        "supplier": "Papeterie Lumière",
        "supplier_reference": "F-2026-118",
        "description": "Affiches pour les ateliers",
        "net": Decimal("100.00"),
        "vat": Decimal("20.00"),
        "paid_by": ExpensePaidBy.COOPERATIVE,
    } | fields
    return ledger.account_expense_add(
        actor=actor or issuer(),
        entrepreneur=entrepreneur or MemberFactory(path="cape"),
        **values,
    )
