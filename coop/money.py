"""Money of quotes and invoices: Decimal only, rounded half up to the cent at two places
only — each line's net amount, then each VAT rate's tax on the sum of its lines (EN 16931
BR-CO-17). Totals are sums of rounded figures, so the printed document always adds up."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0.00")
NARROW_NO_BREAK_SPACE = "\u202f"
NO_BREAK_SPACE = "\xa0"


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_net(*, quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """A line's amount excluding VAT: quantity × unit price, less the discount, rounded."""
    gross = quantity * unit_price
    return to_cents(gross - gross * discount_percent / HUNDRED)


@dataclass(frozen=True)
class VatGroup:
    rate: Decimal
    base: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    net: Decimal = ZERO
    vat: Decimal = ZERO
    gross: Decimal = ZERO
    by_rate: tuple[VatGroup, ...] = field(default_factory=tuple)


def totals_of(lines: Iterable[tuple[Decimal, Decimal]]) -> Totals:
    """Totals of (net amount, VAT rate) pairs: one VAT group per rate, highest rate first."""
    bases: dict[Decimal, Decimal] = {}
    for net, rate in lines:
        rate = Decimal(rate).quantize(CENT)
        bases[rate] = bases.get(rate, ZERO) + net
    groups = tuple(
        VatGroup(rate=rate, base=base, tax=to_cents(base * rate / HUNDRED))
        for rate, base in sorted(bases.items(), reverse=True)
    )
    net = sum((group.base for group in groups), ZERO)
    vat = sum((group.tax for group in groups), ZERO)
    return Totals(net=net, vat=vat, gross=net + vat, by_rate=groups)


def format_euros(amount: Decimal | None) -> str:
    """`1 234,56 €` the French way (narrow no-break space between thousands, comma, then a
    no-break space before the sign), whatever the active language: documents are French."""
    if amount is None:
        return ""
    amount = to_cents(Decimal(amount))
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while len(units) > 3:
        groups.insert(0, units[-3:])
        units = units[:-3]
    groups.insert(0, units)
    thousands = NARROW_NO_BREAK_SPACE.join(groups)
    return f"{sign}{thousands},{cents}{NO_BREAK_SPACE}€"
