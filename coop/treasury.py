"""An entrepreneur's treasury statement: what their activity brought in and what it cost,
month by month, and what they can pay themselves.

In a CAE the cooperative sells on the entrepreneur's behalf; the entrepreneur's account
receives what clients actually pay, excluding VAT (VAT belongs to the State), less the
cooperative contribution, less the account's expenses (supplier invoices, expense reports,
the salary's employer cost, and the session expenses the cooperative reimburses). What is
left funds the entrepreneur's salary: one euro net costs `salary_cost_ratio` euros.

Every figure is summed in the database, one query per kind of record whatever the number
of months or documents. The rules for one payment are written twice, once as SQL
expressions for the statements and once in Python for the accounting export, and the
tests hold them equal:

- the part excluding VAT of a payment is amount × invoice net / invoice gross, rounded
  half up to the cent;
- the contribution is that part × the rate frozen on the invoice at issuance
  (`Invoice.contribution_rate`) / 100, rounded half up to the cent;
- a payment on a credit note is money paid back to the client: it counts negatively, as
  does the reversal of a mistaken payment (a negative entry)."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Round, TruncMonth
from django.utils import timezone

from activities.enums import ExpenseStatus
from activities.models import Expense
from coop.billing import contribution_rate_for
from coop.enums import AccountExpenseKind, InvoiceKind, InvoiceStatus
from coop.models import AccountExpense, CooperativeProfile, Invoice, Payment
from coop.models.invoicing import sees_all_invoicing
from coop.money import CENT, HUNDRED, ZERO
from members.enums import Role
from members.models import Member

# Sums of many amounts: more digits than one document's.
TOTAL = {"max_digits": 16, "decimal_places": 2}
DEFAULT_MONTHS = 12
MAX_MONTHS = 120


def money_field() -> models.DecimalField:
    return models.DecimalField(**TOTAL)


def zero_money() -> Value:
    return Value(ZERO, output_field=money_field())


# --- one payment's figures, in Python ------------------------------------------------------


def payment_net_part(amount: Decimal, net: Decimal, gross: Decimal) -> Decimal:
    """The part excluding VAT of a payment of `amount` on a document of `net`/`gross`."""
    if not gross:
        return ZERO
    return (amount * net / gross).quantize(CENT, rounding=ROUND_HALF_UP)


def contribution_of(net_part: Decimal, rate: Decimal | None) -> Decimal:
    """The cooperative contribution on a part excluding VAT, at the invoice's frozen rate."""
    return (net_part * (rate or ZERO) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def payment_sign(kind: str) -> int:
    """Money from the client counts positively; paid back on a credit note, negatively."""
    return -1 if kind == InvoiceKind.CREDIT_NOTE else 1


# --- the same, as SQL expressions ----------------------------------------------------------


class MulDiv(models.Func):
    """a × b / c (NULL when c is 0), exactly on PostgreSQL's numerics. SQLite keeps a
    decimal without cents as an integer and divides integers as integers (50 × 80 / 96
    gives 41): there the first operand is made real before the product, and the product is
    not cast back to a "numeric" (which would turn 4000.0 into the integer 4000)."""

    arity = 3
    output_field = models.DecimalField(max_digits=20, decimal_places=6)

    def _operands(self, compiler):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        return parts, params

    def as_sql(self, compiler, connection, **extra_context):
        (a, b, c), params = self._operands(compiler)
        return f"(({a}) * ({b}) / NULLIF({c}, 0))", params

    def as_sqlite(self, compiler, connection, **extra_context):
        (a, b, c), params = self._operands(compiler)
        return f"(CAST(({a}) AS REAL) * ({b}) / NULLIF({c}, 0))", params


def _cents(expression) -> Round:
    return Round(expression, 2, output_field=money_field())


def _signed(expression, kind_path: str):
    """The expression, negated for records of a credit note (money paid back)."""
    return Case(
        When(**{kind_path: InvoiceKind.CREDIT_NOTE}, then=expression * Value(-1)),
        default=expression,
        output_field=money_field(),
    )


def payment_net_expression(prefix: str = ""):
    """SQL: the part excluding VAT of the payment, signed (see payment_net_part)."""
    invoice = f"{prefix}invoice__"
    net = _cents(MulDiv(F(f"{prefix}amount"), F(f"{invoice}net"), F(f"{invoice}gross")))
    return _signed(Coalesce(net, zero_money()), f"{invoice}kind")


def payment_contribution_expression(prefix: str = ""):
    """SQL: the contribution on the payment, signed (see contribution_of)."""
    invoice = f"{prefix}invoice__"
    net = Coalesce(
        _cents(MulDiv(F(f"{prefix}amount"), F(f"{invoice}net"), F(f"{invoice}gross"))),
        zero_money(),
    )
    rate = Coalesce(F(f"{invoice}contribution_rate"), zero_money())
    return _signed(
        Coalesce(_cents(MulDiv(net, rate, Value(HUNDRED))), zero_money()), f"{invoice}kind"
    )


def payment_amount_expression(prefix: str = ""):
    """SQL: the money received, VAT included, signed."""
    return _signed(F(f"{prefix}amount"), f"{prefix}invoice__kind")


def invoiced_net_expression(prefix: str = ""):
    """SQL: an issued document's amount excluding VAT, negative for a credit note."""
    return _signed(F(f"{prefix}net"), f"{prefix}kind")


def counted_payments():
    """Payments that move an account: those of issued documents (a payment is only ever
    recorded on an issued one; the filter says so)."""
    return Payment.objects.filter(invoice__status=InvoiceStatus.ISSUED)


def counted_session_expenses():
    """Session expenses the cooperative reimburses: the validated ones."""
    return Expense.objects.filter(status=ExpenseStatus.VALIDATED)


# --- months --------------------------------------------------------------------------------


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def end_of_month(month: datetime.date) -> datetime.date:
    return add_months(first_of_month(month), 1) - datetime.timedelta(days=1)


# --- the statement -------------------------------------------------------------------------


@dataclass(frozen=True)
class Flows:
    """Money in and out of an account over some time."""

    invoiced: Decimal = ZERO  # excluding VAT, invoices less credit notes, by issue date
    collected: Decimal = ZERO  # received, VAT included
    collected_net: Decimal = ZERO  # the part excluding VAT of what was received
    contribution: Decimal = ZERO
    supplier_invoices: Decimal = ZERO  # excluding VAT: the cooperative recovers the VAT
    expense_reports: Decimal = ZERO
    salary: Decimal = ZERO  # employer cost
    session_expenses: Decimal = ZERO  # validated session expenses, reimbursed

    @property
    def expenses(self) -> Decimal:
        return self.supplier_invoices + self.expense_reports + self.salary + self.session_expenses

    @property
    def contribution_out(self) -> Decimal:
        """The contribution as it leaves the account (negative), for display."""
        return -self.contribution

    @property
    def expenses_out(self) -> Decimal:
        return -self.expenses

    @property
    def movement(self) -> Decimal:
        """What the period added to (or took from) the account."""
        return self.collected_net - self.contribution - self.expenses

    def __add__(self, other: "Flows") -> "Flows":
        return Flows(
            **{
                name: getattr(self, name) + getattr(other, name)
                for name in self.__dataclass_fields__
            }
        )


@dataclass(frozen=True)
class TreasuryMonth:
    month: datetime.date  # its first day
    flows: Flows
    balance: Decimal  # the account at the end of the month


@dataclass
class TreasuryStatement:
    member: Member
    first_month: datetime.date
    last_month: datetime.date
    opening_balance: Decimal  # the account before the first month shown
    months: list[TreasuryMonth]  # oldest first
    totals: Flows  # of the months shown
    balance: Decimal  # the account now (end of the current month)
    salary_cost_ratio: Decimal
    contribution_rate: Decimal  # the member's rate today, for new invoices
    unpaid: list = field(default_factory=list)  # issued invoices not fully paid
    to_come: Decimal = ZERO  # what clients still owe, VAT included
    to_come_net: Decimal = ZERO  # what that will bring to the account

    @property
    def can_pay_net(self) -> Decimal:
        """The net salary the balance can fund this month: never below zero, rounded down
        to the cent so that it is never more than the account holds."""
        if self.balance <= 0:
            return ZERO
        return (self.balance / self.salary_cost_ratio).quantize(CENT, rounding=ROUND_DOWN)

    @property
    def months_newest_first(self) -> list[TreasuryMonth]:
        return list(reversed(self.months))


def _money(value) -> Decimal:
    """An aggregate as read back: None for no row, and on SQLite a float-born decimal."""
    if value is None:
        return ZERO
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _monthly(queryset, date_field: str, **sums) -> dict[datetime.date, dict]:
    rows = (
        queryset.order_by()
        .annotate(month=TruncMonth(date_field))
        .values("month")
        .annotate(**{name: Sum(expression) for name, expression in sums.items()})
    )
    return {row["month"]: {name: _money(row[name]) for name in sums} for row in rows}


def _kind_monthly(queryset) -> dict[datetime.date, dict]:
    rows = (
        queryset.order_by()
        .annotate(month=TruncMonth("spent_on"))
        .values("month", "kind")
        .annotate(total=Sum("net"))
    )
    names = {
        AccountExpenseKind.SUPPLIER_INVOICE: "supplier_invoices",
        AccountExpenseKind.EXPENSE_REPORT: "expense_reports",
        AccountExpenseKind.SALARY: "salary",
    }
    months: dict[datetime.date, dict] = {}
    for row in rows:
        months.setdefault(row["month"], {})[names[row["kind"]]] = _money(row["total"])
    return months


def treasury_statement(
    member: Member,
    *,
    months: int = DEFAULT_MONTHS,
    today: datetime.date | None = None,
    profile: CooperativeProfile | None = None,
) -> TreasuryStatement:
    """The statement of the `months` months ending with the current one. Five queries
    (invoices, payments, account expenses, session expenses, unpaid invoices) plus the
    member's contribution rate, whatever the data."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(months)
    today = today or timezone.localdate()
    last_month = first_of_month(today)
    first_month = add_months(last_month, -(months - 1))
    end = end_of_month(last_month)

    invoiced = _monthly(
        Invoice.objects.issued().filter(
            entrepreneur=member, issued_on__gte=first_month, issued_on__lte=end
        ),
        "issued_on",
        invoiced=invoiced_net_expression(),
    )
    # Every month up to now: the ones before the window make the opening balance.
    collected = _monthly(
        counted_payments().filter(invoice__entrepreneur=member, paid_on__lte=end),
        "paid_on",
        collected=payment_amount_expression(),
        collected_net=payment_net_expression(),
        contribution=payment_contribution_expression(),
    )
    spent = _kind_monthly(AccountExpense.objects.filter(entrepreneur=member, spent_on__lte=end))
    reimbursed = _monthly(
        counted_session_expenses().filter(session__entrepreneur=member, session__date__lte=end),
        "session__date",
        session_expenses=F("amount"),
    )

    def flows_of(month: datetime.date) -> Flows:
        return Flows(
            **invoiced.get(month, {}),
            **collected.get(month, {}),
            **spent.get(month, {}),
            **reimbursed.get(month, {}),
        )

    earlier = {m for m in (*collected, *spent, *reimbursed) if m < first_month}
    opening = sum((flows_of(month).movement for month in earlier), ZERO)
    rows, balance, totals = [], opening, Flows()
    month = first_month
    while month <= last_month:
        flows = flows_of(month)
        balance += flows.movement
        totals += flows
        rows.append(TreasuryMonth(month=month, flows=flows, balance=balance))
        month = add_months(month, 1)

    unpaid = list(
        Invoice.objects.filter(entrepreneur=member)
        .with_paid()
        .unpaid()
        .select_related("client")
        .order_by("due_on", "pk")
    )
    for invoice in unpaid:
        net_part = payment_net_part(invoice.balance, invoice.net, invoice.gross)
        invoice.expected_net = net_part - contribution_of(net_part, invoice.contribution_rate)
        invoice.is_late = invoice.due_on < today

    profile = profile if profile is not None else CooperativeProfile.current()
    ratio = (
        profile.salary_cost_ratio
        if profile is not None
        else CooperativeProfile._meta.get_field("salary_cost_ratio").default
    )
    rate = (
        contribution_rate_for(member, today, profile)
        if profile is not None
        else CooperativeProfile._meta.get_field("contribution_rate").default
    )
    return TreasuryStatement(
        member=member,
        first_month=first_month,
        last_month=last_month,
        opening_balance=opening,
        months=rows,
        totals=totals,
        balance=balance,
        salary_cost_ratio=ratio,
        contribution_rate=rate,
        unpaid=unpaid,
        to_come=sum((invoice.balance for invoice in unpaid), ZERO),
        to_come_net=sum((invoice.expected_net for invoice in unpaid), ZERO),
    )


# --- every account at once (staff) ---------------------------------------------------------


def treasury_members_visible_to(user):
    """Whose treasury this person may read: every member for coordinators, accountants
    and administrators; their own for an entrepreneur; nobody's otherwise."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Member.objects.none()
    if sees_all_invoicing(user):
        return Member.objects.all()
    if user.role == Role.ENTREPRENEUR:
        return Member.objects.filter(user=user)
    return Member.objects.none()


def _member_sum(queryset, member_path: str, expression):
    """A correlated subquery: the sum of `expression` over the member's rows."""
    return Coalesce(
        Subquery(
            queryset.filter(**{member_path: OuterRef("pk")})
            .order_by()
            .values(member_path)
            .annotate(total=Sum(expression))
            .values("total")[:1],
            output_field=money_field(),
        ),
        zero_money(),
    )


def with_account_figures(members, *, year: int, today: datetime.date):
    """Members with, computed by the database in the same query: `invoiced_year` and
    `collected_year` (excluding VAT) of the year, and `balance`, their account at the end
    of the current month (the same figure as the statement's)."""
    end = end_of_month(today)
    start_of_year = datetime.date(year, 1, 1)
    end_of_year = datetime.date(year, 12, 31)
    payments = counted_payments()
    return members.annotate(
        invoiced_year=_member_sum(
            Invoice.objects.issued().filter(
                issued_on__gte=start_of_year, issued_on__lte=end_of_year
            ),
            "entrepreneur",
            invoiced_net_expression(),
        ),
        collected_year=_member_sum(
            payments.filter(paid_on__gte=start_of_year, paid_on__lte=end_of_year),
            "invoice__entrepreneur",
            payment_net_expression(),
        ),
        kept=_member_sum(
            payments.filter(paid_on__lte=end),
            "invoice__entrepreneur",
            payment_net_expression() - payment_contribution_expression(),
        ),
        spent=_member_sum(
            AccountExpense.objects.filter(spent_on__lte=end), "entrepreneur", F("net")
        ),
        reimbursed=_member_sum(
            counted_session_expenses().filter(session__date__lte=end),
            "session__entrepreneur",
            F("amount"),
        ),
    ).annotate(
        balance=models.ExpressionWrapper(
            F("kept") - F("spent") - F("reimbursed"), output_field=money_field()
        )
    )


def members_with_accounts(members):
    """The members who have an account to follow: entrepreneurs, and anyone who was
    invoiced for or charged something (a member who left keeps their history)."""
    return members.filter(
        Q(user__role=Role.ENTREPRENEUR)
        | Exists(Invoice.objects.issued().filter(entrepreneur=OuterRef("pk")))
        | Exists(AccountExpense.objects.filter(entrepreneur=OuterRef("pk")))
    )
