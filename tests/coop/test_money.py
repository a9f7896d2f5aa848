"""Money of quotes and invoices (coop.money): rounded half up to the cent per line, then
per VAT rate on the sum of its lines; totals are sums of rounded figures, so a printed
document always adds up. Decimal only: a float never enters a computation."""

import decimal
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop import billing
from coop.enums import Unit, VatRate
from coop.money import ZERO, format_euros, line_net, to_cents, totals_of
from tests.coop.factories import BillableClientFactory
from tests.members.factories import MemberFactory

NNBSP = "\u202f"  # between thousands
NBSP = "\xa0"  # before the euro sign

# What the database columns hold: quantity (10, 2), price (12, 2), percentages (5, 2).
quantities = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)
small_quantities = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("9999999999.99"), places=2)
small_prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=2)
discounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)
rates = st.sampled_from([Decimal(value) for value in VatRate.values])
lines = st.lists(st.tuples(quantities, prices, discounts, rates), max_size=30)


def exact_cents(value: Fraction) -> Decimal:
    """The school rule, on exact fractions: to the nearest cent, halves away from zero."""
    cents = abs(value) * 100
    rounded = int(cents) + (1 if cents - int(cents) >= Fraction(1, 2) else 0)
    sign = -1 if value < 0 else 1
    return (Decimal(sign * rounded) / 100).quantize(Decimal("0.01"))


def has_cents(amount) -> bool:
    return isinstance(amount, Decimal) and amount.as_tuple().exponent == -2


@pytest.fixture(autouse=True)
def _no_float_in_decimal_arithmetic():
    """Any float mixed into Decimal arithmetic or ordering raises (FloatOperation)."""
    with decimal.localcontext() as context:
        context.traps[decimal.FloatOperation] = True
        yield


@given(quantity=quantities, unit_price=prices, discount=discounts)
def test_a_line_is_quantity_times_price_less_discount_rounded_half_up(
    quantity, unit_price, discount
):
    net = line_net(quantity=quantity, unit_price=unit_price, discount_percent=discount)
    exact = Fraction(quantity) * Fraction(unit_price) * (100 - Fraction(discount)) / 100
    assert net == exact_cents(exact)
    assert has_cents(net)


@given(lines=lines)
def test_totals_are_the_sum_of_lines_and_of_vat_per_rate(lines):
    nets = [
        (line_net(quantity=quantity, unit_price=price, discount_percent=discount), rate)
        for quantity, price, discount, rate in lines
    ]
    totals = totals_of(nets)

    bases: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for net, rate in nets:
        bases[rate] += net
    # One group per rate used, highest rate first, each base the sum of its lines.
    assert [group.rate for group in totals.by_rate] == sorted(bases, reverse=True)
    for group in totals.by_rate:
        assert group.base == bases[group.rate]
        # VAT per rate: the base times the rate, rounded half up once (EN 16931 BR-CO-17).
        assert group.tax == exact_cents(Fraction(group.base) * Fraction(group.rate) / 100)
    assert totals.net == sum((net for net, _rate in nets), ZERO)
    assert totals.vat == sum((group.tax for group in totals.by_rate), ZERO)
    assert totals.gross == totals.net + totals.vat
    for amount in (totals.net, totals.vat, totals.gross):
        assert has_cents(amount)
    for group in totals.by_rate:
        assert has_cents(group.base) and has_cents(group.tax) and has_cents(group.rate)


@given(lines=lines)
def test_totals_do_not_depend_on_the_order_of_lines(lines):
    nets = [
        (line_net(quantity=quantity, unit_price=price, discount_percent=discount), rate)
        for quantity, price, discount, rate in lines
    ]
    assert totals_of(nets) == totals_of(list(reversed(nets)))


def test_vat_is_rounded_on_the_sum_of_a_rate_not_line_by_line():
    # Three lines of 0.05 € at 10 %: 0.005 € of VAT each would round to 0.01 € three
    # times (0.03 €); the rule rounds 0.015 € once, half up: 0.02 €.
    totals = totals_of([(Decimal("0.05"), Decimal("10.00"))] * 3)
    assert totals.by_rate[0].base == Decimal("0.15")
    assert totals.vat == Decimal("0.02")
    assert totals.gross == Decimal("0.17")


def test_no_lines_make_zero_totals_with_cents():
    totals = totals_of([])
    assert totals.by_rate == ()
    assert all(has_cents(amount) for amount in (totals.net, totals.vat, totals.gross))
    assert totals.gross == Decimal("0.00")


def test_half_a_cent_is_rounded_up():
    assert to_cents(Decimal("0.005")) == Decimal("0.01")
    assert to_cents(Decimal("2.675")) == Decimal("2.68")  # a float would give 2.67
    assert to_cents(Decimal("-0.005")) == Decimal("-0.01")
    assert line_net(
        quantity=Decimal("3"), unit_price=Decimal("33.335"), discount_percent=Decimal("0")
    ) == Decimal("100.01")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("0"), f"0,00{NBSP}€"),
        (Decimal("1234.56"), f"1{NNBSP}234,56{NBSP}€"),
        (Decimal("-5"), f"-5,00{NBSP}€"),
        (Decimal("1000000"), f"1{NNBSP}000{NNBSP}000,00{NBSP}€"),
        (Decimal("999.999"), f"1{NNBSP}000,00{NBSP}€"),
        (Decimal("-1234.565"), f"-1{NNBSP}234,57{NBSP}€"),
        (Decimal("0.5"), f"0,50{NBSP}€"),
        (None, ""),
    ],
)
def test_format_euros_the_french_way(amount, expected):
    assert format_euros(amount) == expected


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=3))
def test_format_euros_reads_back_as_the_amount_in_cents(amount):
    text = format_euros(amount)
    assert text.endswith(f"{NBSP}€")
    figures = text.removesuffix(f"{NBSP}€")
    units = figures.split(",")[0].lstrip("-")
    # Groups of three digits, the first of one to three.
    groups = units.split(NNBSP)
    assert 1 <= len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:])
    assert Decimal(figures.replace(NNBSP, "").replace(",", ".")) == to_cents(amount)


# --- Through the services: what is stored adds up too -----------------------------------


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    # Each example writes inside its own savepoint and rolls it back at its end: nothing
    # is shared between examples but the empty test database.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(lines=st.lists(st.tuples(small_quantities, small_prices, discounts, rates), min_size=1))
def test_stored_invoice_totals_are_the_sum_of_its_stored_lines(lines):
    with transaction.atomic():
        entrepreneur = MemberFactory(path="cape")
        invoice = billing.invoice_create(
            actor=entrepreneur.user,
            entrepreneur=entrepreneur,
            client=BillableClientFactory(),
            title="Ateliers",
            lines=[
                billing.LineInput(
                    description=f"Ligne {index}",
                    quantity=quantity,
                    unit_price=price,
                    discount_percent=discount,
                    vat_rate=str(rate),
                    unit=Unit.HOUR,
                )
                for index, (quantity, price, discount, rate) in enumerate(lines)
            ],
        )
        invoice.refresh_from_db()
        stored = list(invoice.lines.values_list("net", "vat_rate"))
        expected = totals_of((net, Decimal(rate)) for net, rate in stored)
        assert invoice.net == sum((net for net, _rate in stored), ZERO) == expected.net
        assert (invoice.vat, invoice.gross) == (expected.vat, expected.gross)
        for amount in (invoice.net, invoice.vat, invoice.gross):
            assert has_cents(amount)
        transaction.set_rollback(True)
