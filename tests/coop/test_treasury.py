"""The treasury statement: every figure checked against amounts computed by hand."""

from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from coop import treasury
from coop.enums import AccountExpenseKind
from coop.models import CooperativeProfile
from coop.treasury import first_of_month
from members.enums import Role
from tests.coop.factories_accounting import (
    CooperativeProfileFactory,
    account_expense,
    day_of,
    invoice_on,
    line,
    pay,
    scenario_months,
    treasury_scenario,
)
from tests.members.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal


def test_payment_rules_by_hand():
    # 280 of 560 TTC on 500 HT: 250 HT; 80 → 71,428… → 71,43; contribution at 10 %.
    assert treasury.payment_net_part(D("280.00"), D("500.00"), D("560.00")) == D("250.00")
    assert treasury.payment_net_part(D("80.00"), D("500.00"), D("560.00")) == D("71.43")
    assert treasury.contribution_of(D("71.43"), D("10.00")) == D("7.14")
    assert treasury.contribution_of(D("41.67"), D("8.00")) == D("3.33")
    # Half a cent goes up, for money back too.
    assert treasury.contribution_of(D("0.05"), D("10.00")) == D("0.01")
    assert treasury.contribution_of(D("-0.05"), D("10.00")) == D("-0.01")
    assert treasury.payment_net_part(D("10.00"), D("0.00"), D("0.00")) == D("0.00")


def test_statement_month_by_month():
    member = MemberFactory(path="cape")
    invoices = treasury_scenario(member)
    # Someone else's money never shows.
    other = MemberFactory(path="cape")
    m0, m1, m2, m3 = scenario_months()
    pay(invoice_on(day_of(m0, 1), entrepreneur=other, lines=[line()]), "50.00", day_of(m0, 1))

    statement = treasury.treasury_statement(member, months=3)

    assert [row.month for row in statement.months] == [m2, m1, m0]
    # Before the window: 500 HT collected − 50 contribution − 180 salary.
    assert statement.opening_balance == D("270.00")

    first, second, third = (row.flows for row in statement.months)
    assert first.invoiced == D("500.00")
    assert first.collected == D("280.00")
    assert first.collected_net == D("250.00")  # 280 × 500 / 560
    assert first.contribution == D("25.00")
    assert first.supplier_invoices == D("40.00")  # excluding VAT: the VAT is recovered
    assert first.session_expenses == D("12.50")  # the pending 99 € is not counted
    assert first.expenses == D("52.50")
    assert statement.months[0].balance == D("442.50")  # 270 + 250 − 25 − 52,50

    assert second.invoiced == D("-106.69")  # −200 credit note + 93,31
    assert second.collected == D("50.00")
    assert second.collected_net == D("41.67")  # 50 × 93,31 / 111,97 = 41,667…
    assert second.contribution == D("3.33")  # at the 8 % frozen on invoice C
    assert second.expense_reports == D("25.50")
    assert second.salary == D("300.00")
    assert statement.months[1].balance == D("155.34")  # 442,50 + 41,67 − 3,33 − 325,50

    # 80 − 80 + 80: the reversal cancels the mistake within the month.
    assert third.collected == D("80.00")
    assert third.collected_net == D("71.43")
    assert third.contribution == D("7.14")
    assert third.salary == D("180.00")
    assert statement.months[2].balance == D("39.63")  # 155,34 + 71,43 − 7,14 − 180

    assert statement.balance == D("39.63")
    assert statement.totals.invoiced == D("393.31")
    assert statement.totals.collected_net == D("363.10")
    assert statement.totals.contribution == D("35.47")
    assert statement.totals.expenses == D("558.00")
    assert statement.opening_balance + statement.totals.movement == statement.balance

    # 39,63 € funds 39,63 / 1,80 = 22,016… € net: rounded down, never more.
    assert statement.salary_cost_ratio == D("1.80")
    assert statement.can_pay_net == D("22.01")
    assert statement.contribution_rate == D("8.00")

    # Money to come: what C still owes, and what it will bring to the account.
    assert [invoice.pk for invoice in statement.unpaid] == [invoices["c"].pk]
    assert statement.to_come == D("61.97")  # 111,97 − 50
    # 61,97 × 93,31 / 111,97 = 51,64 HT, less 8 % (4,13)
    assert statement.to_come_net == D("47.51")


def test_statement_over_a_long_window_starts_where_the_account_starts():
    member = MemberFactory(path="cape")
    treasury_scenario(member)
    statement = treasury.treasury_statement(member, months=24)
    assert len(statement.months) == 24
    assert statement.opening_balance == D("0.00")
    assert statement.balance == D("39.63")
    # Months without anything are there, at zero, with the balance carried on.
    assert statement.months[0].flows.movement == D("0.00")


def test_statement_queries_do_not_grow_with_months_or_documents(django_assert_num_queries):
    member = MemberFactory(path="cape")
    treasury_scenario(member)
    profile = CooperativeProfile.current()
    # invoices by month, payments by month, account expenses by month and kind, session
    # expenses by month, unpaid invoices, the member's own contribution rate
    with django_assert_num_queries(6):
        treasury.treasury_statement(member, months=3, profile=profile)
    with django_assert_num_queries(6):
        treasury.treasury_statement(member, months=120, profile=profile)


def test_overdrawn_account_can_pay_nothing():
    member = MemberFactory(path="cape")
    CooperativeProfileFactory(salary_cost_ratio=D("2.00"))
    account_expense(member, AccountExpenseKind.SALARY, first_of_month(timezone.localdate()), "90")
    statement = treasury.treasury_statement(member)
    assert statement.balance == D("-90.00")
    assert statement.can_pay_net == D("0.00")
    assert statement.salary_cost_ratio == D("2.00")


def test_statement_without_cooperative_profile_uses_the_defaults():
    member = MemberFactory(path="cape")
    statement = treasury.treasury_statement(member, months=1)
    assert statement.balance == D("0.00")
    assert statement.salary_cost_ratio == D("1.80")
    assert statement.contribution_rate == D("10.00")
    assert statement.unpaid == []


def test_months_out_of_range_are_refused():
    member = MemberFactory(path="cape")
    for months in (0, 121):
        with pytest.raises(ValueError):
            treasury.treasury_statement(member, months=months)


def test_every_account_in_one_query_matches_the_statements():
    member = MemberFactory(path="cape", first_name="Awa", last_name="Diallo")
    treasury_scenario(member)
    quiet = MemberFactory(path="cape", first_name="Bruno", last_name="Petit")
    candidate = MemberFactory(user=None, first_name="Chloé", last_name="Roux")
    today = timezone.localdate()
    rows = {
        row.pk: row
        for row in treasury.with_account_figures(
            treasury.members_with_accounts(treasury.treasury_members_visible_to(_staff())),
            year=today.year,
            today=today,
        )
    }
    # A person without an account and nothing on it is not listed.
    assert set(rows) == {member.pk, quiet.pk}
    assert candidate.pk not in rows
    assert rows[member.pk].balance == treasury.treasury_statement(member).balance
    assert rows[quiet.pk].balance == D("0.00")
    # The year's figures: what the statement says of the months of this year.
    statement = treasury.treasury_statement(member, months=today.month)
    assert rows[member.pk].invoiced_year == statement.totals.invoiced
    assert rows[member.pk].collected_year == statement.totals.collected_net


def _staff():
    return UserFactory(role=Role.ACCOUNTANT)


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.COORDINATOR, "all"),
        (Role.ACCOUNTANT, "all"),
        (Role.ADMINISTRATOR, "all"),
        (Role.ENTREPRENEUR, "own"),
        (Role.PEER_SUPPORT_LEAD, "none"),
        (Role.FUNDER, "none"),
        (Role.RESEARCHER, "none"),
    ],
)
def test_whose_treasury_each_role_reads(role, sees):
    user = UserFactory(role=role)
    own = MemberFactory(user=user) if role == Role.ENTREPRENEUR else None
    other = MemberFactory()
    visible = set(treasury.treasury_members_visible_to(user))
    expected = {"all": {other} | ({own} if own else set()), "own": {own}, "none": set()}[sees]
    assert visible == expected


def test_inactive_account_reads_nothing():
    user = UserFactory(role=Role.COORDINATOR, is_active=False)
    MemberFactory()
    assert not treasury.treasury_members_visible_to(user).exists()


@given(
    amount=st.decimals(min_value="0.01", max_value="99999.99", places=2),
    net=st.decimals(min_value="0.01", max_value="99999.99", places=2),
    vat_rate=st.sampled_from([D("0"), D("2.1"), D("5.5"), D("10"), D("20")]),
    rate=st.decimals(min_value="0", max_value="100", places=2),
)
def test_payment_parts_stay_within_the_payment(amount, net, vat_rate, rate):
    gross = net + (net * vat_rate / 100).quantize(D("0.01"))
    amount = min(amount, gross)
    net_part = treasury.payment_net_part(amount, net, gross)
    assert D("0") <= net_part <= amount
    contribution = treasury.contribution_of(net_part, rate)
    assert D("0") <= contribution <= net_part
