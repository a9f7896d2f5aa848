"""Money on an entrepreneur's account, written through the real services (coop.billing,
coop.ledger): issued invoices and credit notes, payments and their reversals, account
expenses, and the session expenses the cooperative reimburses."""

import datetime
from decimal import Decimal

from django.utils import timezone

from activities.enums import ExpenseStatus, MissionKind, SessionStatus
from activities.models import Expense
from coop import billing, ledger
from coop.enums import (
    AccountExpenseKind,
    ClientKind,
    ExpensePaidBy,
    PaymentMethod,
    Unit,
    VatRate,
)
from coop.models import ContributionRate, Invoice, Payment
from coop.treasury import add_months, first_of_month
from members.enums import Role
from tests.activities.factories import ClientFactory, MissionFactory, SessionFactory
from tests.coop.factories import CooperativeProfileFactory, issued_invoice, line
from tests.members.factories import MemberFactory, UserFactory

# A declaration number for services to private persons (SAP).
SAP = "SAP851234567"


def issuer():
    """A coordinator who issues, records payments and expenses."""
    return UserFactory(role=Role.COORDINATOR)


def invoice_on(day: datetime.date, *, entrepreneur, lines, actor=None, **fields):
    """An invoice issued on `day` (issue dates never go back: issue in date order)."""
    fields.setdefault("service_start", day - datetime.timedelta(days=1))
    return issued_invoice(
        issuer=actor or issuer(), issued_on=day, entrepreneur=entrepreneur, lines=lines, **fields
    )


def credit_note_on(
    day: datetime.date, invoice: Invoice, *, quantities=None, reason="Séance annulée"
):
    actor = issuer()
    draft = billing.credit_note_create(
        actor=actor, invoice=invoice, reason=reason, quantities=quantities
    )
    return billing.invoice_issue(actor=actor, invoice=draft, issued_on=day)


def pay(invoice: Invoice, amount: str, on: datetime.date, method=PaymentMethod.TRANSFER):
    return ledger.payment_record(
        actor=issuer(),
        invoice=invoice,
        paid_on=on,
        amount=Decimal(amount),
        method=method,
        reference="VIR-TEST",
    )


def reverse(payment: Payment) -> Payment:
    """The counter-entry of a mistaken payment (dated today, as the service does)."""
    return ledger.payment_reverse(actor=issuer(), payment=payment, reason="Saisie en double")


def account_expense(
    entrepreneur,
    kind: str,
    on: datetime.date,
    net: str,
    vat: str = "0.00",
    paid_by=ExpensePaidBy.COOPERATIVE,
    supplier: str = "",
    description: str = "",
):
    return ledger.account_expense_add(
        actor=issuer(),
        entrepreneur=entrepreneur,
        kind=kind,
        spent_on=on,
        description=description or AccountExpenseKind(kind).label,
        net=Decimal(net),
        vat=Decimal(vat),
        supplier=supplier,
        paid_by=paid_by,
    )


def session_expense(
    entrepreneur, on: datetime.date, amount: str, status=ExpenseStatus.VALIDATED, kind="meals"
) -> Expense:
    """An expense of one of the entrepreneur's sessions, validated by default."""
    session = SessionFactory(
        mission__entrepreneurs=[entrepreneur], date=on, status=SessionStatus.VALIDATED
    )
    return Expense.objects.create(
        session=session,
        kind=kind,
        amount=Decimal(amount),
        status=status,
        return_reason="Ticket illisible" if status == ExpenseStatus.RETURNED else "",
    )


def individual_client(**fields):
    """A private person at home, client of home services (gardening, small works)."""
    values = {
        "name": "Jeanne Moreau",
        "kind": ClientKind.INDIVIDUAL,
        "is_public": False,
        "address": "3 allée des Tilleuls",
        "postcode": "69005",
        "commune": "Lyon",
        "email": "jeanne.moreau@courriel.example",
    }
    return ClientFactory(**(values | fields))


def scenario_months():
    """The current month and the three before it (their first days)."""
    m0 = first_of_month(timezone.localdate())
    return m0, add_months(m0, -1), add_months(m0, -2), add_months(m0, -3)


def day_of(month: datetime.date, day: int) -> datetime.date:
    return month.replace(day=day)


def treasury_scenario(member):
    """Four months of one account, whose figures tests/coop/test_treasury.py and
    test_fec.py work out by hand (rates: the cooperative's 10 %, the member's own 8 % from
    M1).

    M3: invoice A 10 h × 50 € at 20 % (500 + 100 = 600), paid in full; salary 180.
    M2: invoice B 3 × 100 € at 20 % + 1 × 200 € exempt (500 + 60 = 560), 280 paid;
        supplier invoice 40 + 8 VAT; a validated session expense of 12,50.
    M1: credit note on B's exempt line (200); invoice C 7 × 13,33 € at 20 %
        (93,31 + 18,66 = 111,97) at 8 %, 50 paid; expense report 25,50; salary 300.
    M0: B's last 80 paid on the 1st, reversed (a mistake), recorded again; salary 180."""
    m0, m1, m2, m3 = scenario_months()
    CooperativeProfileFactory()
    invoice_a = invoice_on(
        day_of(m3, 10),
        entrepreneur=member,
        lines=[line(quantity=Decimal("10"), unit_price=Decimal("50.00"))],
    )
    pay(invoice_a, "600.00", day_of(m3, 20))
    account_expense(member, AccountExpenseKind.SALARY, day_of(m3, 28), "180.00")

    invoice_b = invoice_on(
        day_of(m2, 5),
        entrepreneur=member,
        vat_exemption="training",
        lines=[
            line(quantity=Decimal("3"), unit_price=Decimal("100.00")),
            line(
                description="Formation des bénévoles",
                quantity=Decimal("1"),
                unit=Unit.FLAT,
                unit_price=Decimal("200.00"),
                vat_rate=VatRate.ZERO,
            ),
        ],
    )
    pay(invoice_b, "280.00", day_of(m2, 25))
    account_expense(
        member,
        AccountExpenseKind.SUPPLIER_INVOICE,
        day_of(m2, 15),
        "40.00",
        vat="8.00",
        supplier="Jardinerie du Rhône",
    )
    session_expense(member, day_of(m2, 8), "12.50")
    # Not reimbursed (yet): they never count.
    session_expense(member, day_of(m2, 9), "99.00", status=ExpenseStatus.PENDING)

    ContributionRate.objects.create(member=member, rate=Decimal("8.00"), starts_on=m1)
    exempt_line = invoice_b.lines.get(vat_rate=VatRate.ZERO)
    credit_note_on(day_of(m1, 3), invoice_b, quantities={exempt_line.pk: Decimal("1")})
    invoice_c = invoice_on(
        day_of(m1, 10),
        entrepreneur=member,
        lines=[line(quantity=Decimal("7"), unit_price=Decimal("13.33"))],
    )
    pay(invoice_c, "50.00", day_of(m1, 20))
    account_expense(
        member,
        AccountExpenseKind.EXPENSE_REPORT,
        day_of(m1, 12),
        "25.50",
        paid_by=ExpensePaidBy.ENTREPRENEUR,
    )
    account_expense(member, AccountExpenseKind.SALARY, day_of(m1, 28), "300.00")

    mistaken = pay(invoice_b, "80.00", day_of(m0, 1))
    reverse(mistaken)
    pay(invoice_b, "80.00", day_of(m0, 1))
    account_expense(member, AccountExpenseKind.SALARY, day_of(m0, 1), "180.00")
    return {"a": invoice_a, "b": invoice_b, "c": invoice_c}


def home_services(year: int):
    """Last year's home services of one private client, worked out by hand:

    - "Entretien du jardin", 4 h × 30 € at 20 % (120 + 24 = 144), issued on 10 March;
      a credit note cancels 1 h (36) on 20 March; paid 100 by CESU on 25 March and 8 by
      transfer on 2 April: 108 paid, 3 hours.
    - A gardening mission's session of 1 h 30 on 6 May, billed 45 € + 9 VAT (54) on
      10 May; 20 paid on 30 December, the other 34 today (the next year).

    So: 128 paid in the year, 100 of it by CESU, 4 h 30 of work by Awa Diallo."""
    CooperativeProfileFactory(sap_declaration=SAP)
    worker = MemberFactory(path="cape", first_name="Awa", last_name="Diallo")
    jeanne = individual_client()
    garden = invoice_on(
        datetime.date(year, 3, 10),
        entrepreneur=worker,
        client=jeanne,
        home_service=True,
        title="Entretien du jardin",
        lines=[
            line(description="Tonte et taille", quantity=Decimal("4"), unit_price=Decimal("30.00"))
        ],
    )
    credit_note_on(
        datetime.date(year, 3, 20),
        garden,
        quantities={garden.lines.get().pk: Decimal("1")},
        reason="Une heure non faite",
    )
    pay(garden, "100.00", datetime.date(year, 3, 25), method=PaymentMethod.CESU)
    pay(garden, "8.00", datetime.date(year, 4, 2))

    mission = MissionFactory(
        client=jeanne,
        kind=MissionKind.GARDENING,
        title="Jardin de Mme Moreau",
        entrepreneurs=[worker],
        agreed_price=Decimal("90.00"),
        planned_sessions=2,
        starts_on=datetime.date(year, 5, 1),
    )
    session = SessionFactory(
        mission=mission,
        entrepreneur=worker,
        date=datetime.date(year, 5, 6),
        duration_minutes=90,
        status=SessionStatus.VALIDATED,
    )
    draft = billing.invoice_from_sessions(
        actor=worker.user, mission=mission, entrepreneur=worker, sessions=[session]
    )
    sessions_invoice = billing.invoice_issue(
        actor=issuer(), invoice=draft, issued_on=datetime.date(year, 5, 10)
    )
    pay(sessions_invoice, "20.00", datetime.date(year, 12, 30))
    pay(sessions_invoice, "34.00", timezone.localdate())
    return {"client": jeanne, "worker": worker, "garden": garden, "sessions": sessions_invoice}


__all__ = [
    "SAP",
    "CooperativeProfileFactory",
    "account_expense",
    "credit_note_on",
    "home_services",
    "individual_client",
    "invoice_on",
    "issuer",
    "line",
    "pay",
    "reverse",
    "scenario_months",
    "session_expense",
    "treasury_scenario",
]
