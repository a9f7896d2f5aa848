"""Statistical disclosure control: what of a raw table may be published.

Rule 3 of DESIGN.md. Counts are of distinct people; a cell of 1 to threshold−1 people
is hidden (primary suppression); a sum is hidden too when fewer than `threshold` people
contribute to it or when one person makes more than 85 % of it (dominance); then enough
other cells are hidden (secondary suppression) that no hidden value can be rebuilt from
the row, column or grand totals, nor from the previous period's published figures;
the cells hidden last period are preferred when more must be hidden, so that masks stay
stable from one month to the next. Shares computed from a hidden count are hidden.

API (implemented below):

- `protect(tables, *, threshold, previous=None, dominance=DOMINANCE) -> dict[str,
  ProtectedTable]`: protects tables published together (keyed by `Table.key`).
- `column_shares(table) -> ProtectedTable`: each cell as a percentage of its column
  total, hidden when the cell or the total is hidden.
- `ProtectedTable.to_dict()` / `ProtectedTable.from_dict()`: the form stored in a
  snapshot (published values and the mask only: a hidden value is never stored).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from research.indicators.base import Table

# A sum is hidden when one person makes more than this share of it.
DOMINANCE = Decimal("0.85")
# Never below this threshold, whatever a programme says (DESIGN.md rule 3).
MINIMUM_THRESHOLD = 5


class Reason:
    """Why a cell is hidden (stored in snapshots; shown to readers as a footnote)."""

    SMALL = "small"  # primary: 1 to threshold−1 people
    DOMINANCE = "dominance"  # primary: one person makes more than 85 % of a sum
    SECONDARY = "secondary"  # hidden so that a small cell cannot be rebuilt
    DERIVED = "derived"  # a share computed from a hidden figure
    EMPTY = "empty"  # a share of nobody: no value to give

    LABELS = {
        SMALL: _("moins de %(threshold)s personnes"),
        DOMINANCE: _("une personne fait l'essentiel de ce total"),
        SECONDARY: _("masquée pour protéger une autre case"),
        DERIVED: _("calculée à partir d'une case masquée"),
        EMPTY: _("sans objet"),
    }


@dataclass
class ProtectedCell:
    """A published cell: its value, or None when hidden (with the reason)."""

    value: Decimal | None
    reason: str = ""

    @property
    def hidden(self) -> bool:
        return self.value is None


@dataclass
class ProtectedTable:
    """A table as it may be published: same shape as the raw `Table`, no people counts,
    no hidden value."""

    key: str
    indicator: str
    measure: str
    rows_dimension: str | None
    cols_dimension: str | None
    rows: list[tuple[str, str]]
    cols: list[tuple[str, str]]
    cells: dict[tuple[str, str], ProtectedCell]
    threshold: int
    notes: list[str] = field(default_factory=list)

    def cell(self, row: str, col: str) -> ProtectedCell:
        return self.cells[(row, col)]

    @property
    def mask(self) -> frozenset[tuple[str, str]]:
        return frozenset(k for k, c in self.cells.items() if c.hidden)

    def to_dict(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: dict) -> "ProtectedTable":
        raise NotImplementedError


def protect(
    tables: list[Table],
    *,
    threshold: int,
    previous: dict[str, ProtectedTable] | None = None,
    dominance: Decimal = DOMINANCE,
) -> dict[str, ProtectedTable]:
    raise NotImplementedError


def column_shares(table: ProtectedTable) -> ProtectedTable:
    raise NotImplementedError
