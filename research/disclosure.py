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
- `ProtectedTable.display(row, col)` / `reason_label(row, col)`: a cell as printed in
  pages, CSV files and PDF reports.

Primary rules, by the table's measure:

- people: 1 to threshold−1 people → hidden (SMALL); 0 people is published as 0.
- sum: fewer than `threshold` contributors → hidden (SMALL), except a sum of nobody
  (0 contributors, value 0), published as 0; one contributor above `dominance` of the
  sum → hidden (DOMINANCE).
- median, mean (and any other measure): fewer than `threshold` people → hidden (SMALL);
  nobody at all → no value (EMPTY). These figures add up to nothing: no secondary.

Margins (row, column and grand totals) are cells like the others.

Secondary suppression, for people and sum tables. A reader knows, as linear equalities:
each row of a table adds up to its row total and each column to its column total (assumed
even for distinct counts, where it is only approximately true: conservative), and the
`Relation`s the indicators declare, which may link tables published together and the
previous period's published tables (a stock and its flows). Same-period relations held
last period too. The unknowns are the hidden cells, current and previous (a previous
published value is a constant; a relation naming a previous table or cell that was not
published cannot be used and is ignored; a category missing from a table that was
published had nobody: its term is a constant 0). A hidden cell is *determined* when the
equalities give it a single value: when every vector of the null space of the relation
matrix restricted to the unknowns is 0 there. No hidden cell may stay determined.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.utils.translation import gettext_lazy as _

from coop.money import NARROW_NO_BREAK_SPACE
from research.indicators.base import TOTAL, Measure, Table

# A sum is hidden when one person makes more than this share of it.
DOMINANCE = Decimal("0.85")
# Never below this threshold, whatever a programme says (DESIGN.md rule 3).
MINIMUM_THRESHOLD = 5
# The measure of the tables of percentages made by `column_shares`.
SHARE = "share"
# Measures whose cells add up along rows and columns: secondary suppression links them.
ADDITIVE = frozenset({Measure.PEOPLE.value, Measure.SUM.value})

# Numerical tolerances of the linear algebra (relation coefficients are small integers).
_RANK_TOLERANCE = 1e-9
_ZERO_TOLERANCE = 1e-8
# Below this squared length, what a cell adds to the unknowns' span is nothing.
_RESIDUAL_TOLERANCE = 1e-10


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

    def cell(self, row: str = TOTAL, col: str = TOTAL) -> ProtectedCell:
        return self.cells[(row, col)]

    @property
    def mask(self) -> frozenset[tuple[str, str]]:
        return frozenset(k for k, c in self.cells.items() if c.hidden)

    def to_dict(self) -> dict:
        """JSON-able: values as strings (None when hidden), keys as lists. Holds neither
        people counts nor hidden values, so a snapshot can be shown as it is stored."""
        return {
            "key": self.key,
            "indicator": self.indicator,
            "measure": str(self.measure),
            "rows_dimension": self.rows_dimension,
            "cols_dimension": self.cols_dimension,
            "rows": [[key, str(label)] for key, label in self.rows],
            "cols": [[key, str(label)] for key, label in self.cols],
            "threshold": self.threshold,
            "notes": [str(note) for note in self.notes],
            "cells": [
                [row, col, None if cell.hidden else str(cell.value), cell.reason]
                for (row, col), cell in self.cells.items()
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "ProtectedTable":
        return cls(
            key=data["key"],
            indicator=data["indicator"],
            measure=data["measure"],
            rows_dimension=data["rows_dimension"],
            cols_dimension=data["cols_dimension"],
            rows=[(key, label) for key, label in data["rows"]],
            cols=[(key, label) for key, label in data["cols"]],
            cells={
                (row, col): ProtectedCell(
                    value=None if value is None else Decimal(value), reason=reason
                )
                for row, col, value, reason in data["cells"]
            },
            threshold=data["threshold"],
            notes=list(data["notes"]),
        )

    def display(self, row: str = TOTAL, col: str = TOTAL) -> str:
        """The cell as printed, the French way whatever the active language (reports are
        French): `1 234`, `1 234,5` (narrow no-break space between thousands, the value's
        own decimals; shares with one decimal). A hidden count of people (SMALL) reads
        `< 11` (the table's threshold, after a no-break space); a share or median of
        nobody (EMPTY) reads `–`; any other hidden cell reads `s`, the statistical
        secret of French official statistics (a hidden sum or median is not "< 11" of
        its unit). `reason_label` gives the footnote."""
        cell = self.cells[(row, col)]
        if not cell.hidden:
            places = 1 if self.measure == SHARE else max(0, -cell.value.as_tuple().exponent)
            return french_number(cell.value, places)
        if cell.reason == Reason.SMALL and self.measure == Measure.PEOPLE:
            return f"<\xa0{self.threshold}"
        if cell.reason == Reason.EMPTY:
            return "–"
        return "s"

    def reason_label(self, row: str = TOTAL, col: str = TOTAL) -> str:
        """Why the cell is hidden, in French ("" when it is published)."""
        cell = self.cells[(row, col)]
        if not cell.hidden or cell.reason not in Reason.LABELS:
            return ""
        return str(Reason.LABELS[cell.reason]) % {"threshold": self.threshold}


def french_number(value: Decimal, places: int = 0) -> str:
    """`-1 234,5`: rounded half up to `places`, thousands grouped by a narrow no-break
    space, a decimal comma."""
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    units, _point, decimals = f"{abs(rounded):f}".partition(".")
    groups = []
    while len(units) > 3:
        groups.insert(0, units[-3:])
        units = units[:-3]
    groups.insert(0, units)
    sign = "-" if rounded < 0 else ""
    text = sign + NARROW_NO_BREAK_SPACE.join(groups)
    return f"{text},{decimals}" if decimals else text


# --- Primary suppression ------------------------------------------------------------------


def _primary_reason(measure: str, cell, threshold: int, dominance: Decimal) -> str:
    """Why a raw cell must be hidden on its own ("" when it may be published)."""
    if measure == Measure.PEOPLE:
        return Reason.SMALL if 0 < cell.people < threshold else ""
    if measure == Measure.SUM:
        if cell.people == 0 and cell.value == 0:
            return ""
        if cell.people < threshold:
            return Reason.SMALL
        if cell.top_share is not None and cell.top_share > dominance:
            return Reason.DOMINANCE
        return ""
    if cell.people == 0:
        return Reason.EMPTY
    return Reason.SMALL if cell.people < threshold else ""


# --- Secondary suppression ----------------------------------------------------------------
# The publication is a linear system: one column per cell a reader may reason about
# (current cells first, in table, row, column order; then the previous period's cells
# that a usable relation names), one row per equality. The system splits into connected
# components (cells linked by some chain of equalities), each protected on its own, and
# within a component the unknowns split into blocks (unknowns linked by equalities that
# hold them): whether an unknown is determined depends on its block only.
#
#   while some hidden cell is determined:
#       target = the first determined one (in cell order);
#       hide, among the published current cells sharing an equality with its block:
#         1. the cheapest cell that alone makes the target undetermined, or else
#         2. the cheapest pair that does (two cells whose parts outside the span of the
#            unknowns are parallel: a rectangle's far corner, say), or else
#         3. the cheapest cell that brings a new direction, sharing an equality with the
#            target if any does (then loop: in a two-way table this and 2. make the
#            rectangle of four cells);
#       zero cells only when no other cell is left; a target nothing can free (the
#       previous period alone gives it away) is left aside.
#
# Cost, lowest first: cells hidden last period (stable masks), inner cells before
# margins, the grand total last, the smallest value, then the fixed cell order — so the
# same input always gives the same mask. Every step hides at least one cell, so the loop
# ends (at worst with the whole component hidden). Blocks are analysed by an SVD, then
# updated cell by cell (Greville's pseudo-inverse update, no new SVD); the loop only ends
# once a fresh SVD of every block finds nothing determined.


@dataclass
class _System:
    """Cells, as (is_previous, table key, row, col), and equalities {cell: coefficient}."""

    cells: list[tuple[bool, str, str, str]] = field(default_factory=list)
    index: dict[tuple[bool, str, str, str], int] = field(default_factory=dict)
    relations: list[dict[int, int]] = field(default_factory=list)
    # The previous period's cells in the system that were hidden: unknowns for a reader.
    hidden_before: set[int] = field(default_factory=set)
    tables_before: set[str] = field(default_factory=set)

    def add_table(
        self, is_previous: bool, table: "Table | ProtectedTable", key: str | None = None
    ) -> None:
        """A table's cells and its margins' relations, under `key` (the table's own key
        by default; the key `previous` files it under otherwise)."""
        key = key or table.key
        for row, _label in table.rows:
            for col, _label2 in table.cols:
                name = (is_previous, key, row, col)
                self.index[name] = len(self.cells)
                if is_previous and table.cells[(row, col)].hidden:
                    self.hidden_before.add(len(self.cells))
                self.cells.append(name)
        if is_previous:
            self.tables_before.add(key)
        for terms in _additive_relations(table):
            self.add_relation([((is_previous, key, r, c), k) for r, c, k in terms])

    def add_relation(self, terms) -> None:
        relation: dict[int, int] = {}
        for name, coefficient in terms:
            i = self.index[name]
            relation[i] = relation.get(i, 0) + coefficient
        relation = {i: k for i, k in relation.items() if k}
        if relation:
            self.relations.append(relation)


def _additive_relations(table) -> list[list[tuple[str, str, int]]]:
    """Each row adds up to its row total (when the table is split by columns), each
    column to its column total (when split by rows); totals row and column included."""
    inner_rows = [r for r, _label in table.rows if r != TOTAL]
    inner_cols = [c for c, _label in table.cols if c != TOTAL]
    relations = []
    if inner_cols:
        for r, _label in table.rows:
            relations.append([(r, c, 1) for c in inner_cols] + [(r, TOTAL, -1)])
    if inner_rows:
        for c, _label in table.cols:
            relations.append([(r, c, 1) for r in inner_rows] + [(TOTAL, c, -1)])
    return [terms for terms in relations if all((r, c) in table.cells for r, c, _k in terms)]


def _build_system(tables: list[Table], previous: dict[str, ProtectedTable]) -> _System:
    system = _System()
    linked = {table.key: table for table in tables if table.measure in ADDITIVE}
    for table in linked.values():
        system.add_table(False, table)

    def table_of(term):
        (key, _row, _col), _coefficient, is_previous = term
        table = previous.get(key) if is_previous else linked.get(key)
        return table if table is not None and table.measure in ADDITIVE else None

    def usable(term) -> bool:
        return table_of(term) is not None

    def present(term) -> bool:
        # A category missing from a table that exists had nobody: its value is 0, a
        # constant the relation can do without.
        (_key, row, col), _coefficient, _is_previous = term
        return (row, col) in table_of(term).cells

    declared = []
    for table in tables:
        for relation in table.relations:
            declared.append(tuple(relation.terms))
            if not any(is_previous for _cell, _k, is_previous in relation.terms):
                declared.append(tuple((cell, k, True) for cell, k, _p in relation.terms))
    seen = set()
    for terms in declared:
        if terms in seen or not terms or not all(usable(term) for term in terms):
            continue
        seen.add(terms)
        terms = tuple(term for term in terms if present(term))
        if not terms:
            continue
        for (key, _row, _col), _k, is_previous in terms:
            if is_previous and key not in system.tables_before:
                system.add_table(True, previous[key], key)
        system.add_relation(
            [((is_previous, key, row, col), k) for (key, row, col), k, is_previous in terms]
        )
    return system


def _components(system: _System) -> list[tuple[list[int], list[int]]]:
    """(cells, relations) of each connected component, in the order of their first cell."""
    parent = list(range(len(system.cells)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for relation in system.relations:
        first, *others = relation
        for other in others:
            a, b = root(first), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    cells: dict[int, list[int]] = {}
    for i in range(len(system.cells)):
        cells.setdefault(root(i), []).append(i)
    relations: dict[int, list[int]] = {}
    for n, relation in enumerate(system.relations):
        relations.setdefault(root(next(iter(relation))), []).append(n)
    return [(cells[r], relations.get(r, [])) for r in sorted(cells)]


class _Span:
    """A block of unknowns (columns of a component's matrix linked by shared equalities)
    and the equalities that involve them (`rows`): which unknowns are determined (every
    null-space vector is 0 there), the pseudo-inverse of their columns (`pinv`) and the
    orthogonal projector on what they span (`projector`, over `rows`). Built by one
    SVD, or from smaller blocks and one more column by Greville's update."""

    def __init__(self, matrix: np.ndarray, columns: np.ndarray):
        self.columns = columns
        self.rows = np.flatnonzero(np.any(matrix[:, columns] != 0, axis=1))
        spanned = matrix[np.ix_(self.rows, columns)]
        self.determined = np.zeros(len(columns), dtype=bool)
        self.pinv = np.zeros((len(columns), len(self.rows)))
        self.projector = np.zeros((len(self.rows), len(self.rows)))
        if not len(self.rows):
            return
        u, singular, vt = np.linalg.svd(spanned, full_matrices=len(self.rows) < len(columns))
        rank = int(np.sum(singular > _RANK_TOLERANCE * max(1.0, singular.max(initial=0))))
        self.determined = np.linalg.norm(vt[rank:], axis=0) < _ZERO_TOLERANCE
        self.pinv = (vt[:rank].T / singular[:rank]) @ u[:, :rank].T
        self.projector = u[:, :rank] @ u[:, :rank].T

    @classmethod
    def joined(cls, matrix: np.ndarray, spans: list["_Span"], column: int) -> "_Span":
        """The block made of `spans` (disjoint) and one more unknown `column` (appended:
        a block's columns are not sorted). With A the blocks' columns, d = A⁺a and
        c = a − A·d for the new column a: if c ≠ 0 the new unknown is determined and
        nothing else changes; else an unknown stays determined only where d is 0, and
        the new one is not."""
        span = cls.__new__(cls)
        none = np.zeros(0, dtype=int)
        span.columns = np.concatenate([s.columns for s in spans] + [np.array([column])])
        span.rows = np.union1d(
            np.concatenate([s.rows for s in spans] + [none]), np.flatnonzero(matrix[:, column])
        )
        size = len(span.columns) - 1
        span.pinv = np.zeros((size + 1, len(span.rows)))
        span.projector = np.zeros((len(span.rows), len(span.rows)))
        start = 0
        for s in spans:
            where = np.searchsorted(span.rows, s.rows)
            span.pinv[start : start + len(s.columns), where] = s.pinv
            span.projector[np.ix_(where, where)] = s.projector
            start += len(s.columns)
        old = span.pinv[:size]
        added = matrix[span.rows, column]
        d = old @ added
        c = added - span.projector @ added
        before = np.concatenate([s.determined for s in spans] + [np.zeros(0, dtype=bool)])
        if c @ c > _RESIDUAL_TOLERANCE:
            b = c / (c @ c)
            span.projector += np.outer(c, b)
            span.determined = np.append(before, True)
        else:
            b = old.T @ d / (1 + d @ d)
            span.determined = np.append(before & (np.abs(d) < _ZERO_TOLERANCE), False)
        old -= np.outer(d, b)
        span.pinv[size] = b
        return span


def determined(matrix: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """Which unknowns (columns where `unknown` is True) the equalities `matrix @ x = b`
    give a single value."""
    result = np.zeros(len(unknown), dtype=bool)
    columns = np.flatnonzero(unknown)
    if len(columns):
        result[columns] = _Span(matrix, columns).determined
    return result


class _Component:
    """The greedy secondary suppression of one connected component (see above)."""

    def __init__(self, matrix: np.ndarray, current: np.ndarray, unknown: np.ndarray, costs):
        self.matrix = matrix
        self.unknown = unknown.copy()
        self.costs = costs
        self.row_cells = [np.flatnonzero(line) for line in matrix]
        self.cell_rows = [np.flatnonzero(column) for column in matrix.T]
        self.published = sorted(np.flatnonzero(current & ~unknown).tolist(), key=costs.__getitem__)
        # Determined by the previous period's equalities alone: nothing published now can
        # protect it (hiding cells would be in vain).
        before = np.array([not current[cells].any() for cells in self.row_cells], dtype=bool)
        self.left_aside = determined(matrix[before], unknown & ~current)
        self.blocks: dict[int, _Span] = {}
        self.row_block = np.full(len(matrix), -1)
        self.next_number = 0

    def run(self) -> list[int]:
        """Hides cells until no unknown outside `left_aside` is determined; returns them.
        Blocks are updated cell by cell; when no target is left they are analysed again
        from scratch, so that rounding in the updates cannot let a determined cell by."""
        chosen_all = []
        self._analyse()
        while True:
            found = self._next_target()
            if found is None:
                self._analyse()
                found = self._next_target()
                if found is None:
                    return chosen_all
            target, span = found
            chosen = self._choose(target, span, self._near(span.rows))
            if not chosen:
                self.left_aside[target] = True
                continue
            for n in chosen:
                self._hide(n)
            chosen_all += chosen

    def _next_target(self) -> tuple[int, _Span] | None:
        """The first determined unknown (in cell order), with its block."""
        best = None
        for span in self.blocks.values():
            targets = span.columns[span.determined & ~self.left_aside[span.columns]]
            if len(targets) and (best is None or targets.min() < best[0]):
                best = (int(targets.min()), span)
        return best

    def _hide(self, n: int) -> None:
        numbers = sorted(set(self.row_block[self.cell_rows[n]].tolist()) - {-1})
        span = _Span.joined(self.matrix, [self.blocks.pop(k) for k in numbers], n)
        number = self.next_number
        self.next_number += 1
        self.blocks[number] = span
        self.row_block[span.rows] = number
        self.unknown[n] = True
        self.published.remove(n)

    def _analyse(self) -> None:
        """The unknowns grouped in blocks by shared equalities, each analysed by an SVD;
        each equality's block in `row_block` (-1: no unknown in it)."""
        parent = {int(n): int(n) for n in np.flatnonzero(self.unknown)}

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for cells in self.row_cells:
            members = cells[self.unknown[cells]]
            for other in members[1:]:
                a, b = root(int(members[0])), root(int(other))
                if a != b:
                    parent[max(a, b)] = min(a, b)
        groups: dict[int, list[int]] = {}
        for n in parent:
            groups.setdefault(root(n), []).append(n)
        self.row_block = np.full(len(self.matrix), -1)
        self.blocks = {}
        for number, key in enumerate(sorted(groups)):
            span = _Span(self.matrix, np.array(sorted(groups[key])))
            self.blocks[number] = span
            self.row_block[span.rows] = number
        self.next_number = len(groups)

    def _near(self, rows: np.ndarray) -> list[int]:
        """The published cells in these equalities, cheapest first."""
        touching = np.zeros(len(self.cell_rows), dtype=bool)
        for row in rows:
            touching[self.row_cells[row]] = True
        return [n for n in self.published if touching[n]]

    def _choose(self, target: int, span: _Span, near: list[int]) -> list[int]:
        """The cells to hide next for `target`: among the published cells sharing an
        equality with its block, zero cells only when no other cell is there."""
        nonzero = [n for n in near if not self.costs[n][0]]
        return self._choose_in(target, span, nonzero) or self._choose_in(target, span, near)

    def _choose_in(self, target: int, span: _Span, pool: list[int]) -> list[int]:
        """With U the unknowns' columns and a cell's column a = U·p + r (r orthogonal to
        the span of U, block by block): a cell with r = 0 and p[target] ≠ 0 frees the
        target alone; two cells with parallel r (r2 = λ·r1) free it when
        p2[target] − λ·p1[target] ≠ 0; a cell with r = 0 and p[target] = 0 never helps
        (its column is already spanned); otherwise the cheapest cell bringing a new
        direction, sharing an equality with the target if any does.

        A cell is in two or three equalities: its column is kept as its few non-zero
        entries, and ⟨r_i, r_j⟩ = ⟨a_i, a_j⟩ − a_iᵀ·Π·a_j (Π the blocks' projectors) is
        computed from them."""
        if not pool:
            return []
        everywhere = _Entries.of(self.matrix, pool)
        squares = everywhere.squares()
        weights = np.zeros(len(pool))
        parts = []
        touched = self.row_block[everywhere.all_rows]
        for number in sorted(set(touched.tolist()) - {-1}):
            block = self.blocks[number]
            entries = everywhere.within(block.rows, self.row_block == number)
            squares -= entries.quadratic(block.projector)
            parts.append((block, entries))
            if block is span:
                position = int(np.flatnonzero(span.columns == target)[0])
                weights = entries.apply(block.pinv[position])
        new_direction = squares > _RESIDUAL_TOLERANCE

        alone = ~new_direction & (np.abs(weights) > _ZERO_TOLERANCE)
        if alone.any():
            return [pool[int(np.argmax(alone))]]

        useful = np.flatnonzero(new_direction)
        if len(useful) >= 2:
            gram = everywhere.gram(useful)
            for block, entries in parts:
                gram -= entries.bilinear(block.projector, useful)
            s = squares[useful]
            ratio = gram / s[:, None]  # λ[i, j] with r_j = λ r_i
            w = weights[useful]
            frees = (
                (gram**2 > (1 - _RANK_TOLERANCE) * np.outer(s, s))
                & (np.abs(w[None, :] - ratio * w[:, None]) > _ZERO_TOLERANCE)
                & np.triu(np.ones(gram.shape, dtype=bool), k=1)
            )
            if frees.any():
                first, second = np.nonzero(frees)
                pairs = [
                    (pool[useful[i]], pool[useful[j]]) for i, j in zip(first, second, strict=True)
                ]
                return list(min(pairs, key=lambda pair: _pair_cost(*map(self.costs.get, pair))))

        if not len(useful):
            return []
        beside = set(self._near(self.cell_rows[target]))
        return [pool[next((n for n in useful if pool[n] in beside), useful[0])]]


class _Entries:
    """The non-zero entries of some cells' columns, one line per cell padded to the same
    width (a padding entry has value 0): `rows` are equality numbers (or positions in a
    block's `rows`), `values` the coefficients."""

    def __init__(self, size: int, which: np.ndarray, rows: np.ndarray, values: np.ndarray):
        # `which` (the cell of each entry, 0 to size − 1) is sorted.
        self.which, self.all_rows, self.all_values = which, rows, values
        width = max(1, int(np.bincount(which).max()) if len(which) else 1)
        rank = np.arange(len(which)) - np.searchsorted(which, which)
        self.rows = np.zeros((size, width), dtype=int)
        self.values = np.zeros((size, width))
        self.rows[which, rank] = rows
        self.values[which, rank] = values

    @classmethod
    def of(cls, matrix: np.ndarray, cells: list[int]) -> "_Entries":
        columns = matrix[:, cells].T
        which, rows = np.nonzero(columns)
        return cls(len(cells), which, rows, columns[which, rows])

    def within(self, rows: np.ndarray, keep: np.ndarray) -> "_Entries":
        """The entries in the equalities where `keep` is True (numbered by `rows`)."""
        inside = keep[self.all_rows]
        return _Entries(
            len(self.rows),
            self.which[inside],
            np.searchsorted(rows, self.all_rows[inside]),
            self.all_values[inside],
        )

    def squares(self) -> np.ndarray:
        """⟨a, a⟩ per cell (entries of one cell are in distinct equalities)."""
        return (self.values**2).sum(axis=1)

    def apply(self, line: np.ndarray) -> np.ndarray:
        """line·a per cell."""
        return (line[self.rows] * self.values).sum(axis=1)

    def quadratic(self, square: np.ndarray) -> np.ndarray:
        """aᵀ·square·a per cell."""
        inner = square[self.rows[:, :, None], self.rows[:, None, :]]
        return np.einsum("ia,ib,iab->i", self.values, self.values, inner)

    def bilinear(self, square: np.ndarray, chosen: np.ndarray) -> np.ndarray:
        """a_iᵀ·square·a_j for the chosen cells."""
        rows, values = self.rows[chosen], self.values[chosen]
        applied = np.einsum("mia,ia->mi", square[:, rows], values)  # square·a_j
        return np.einsum("ia,iaj->ij", values, applied[rows])

    def gram(self, chosen: np.ndarray) -> np.ndarray:
        """⟨a_i, a_j⟩ for the chosen cells."""
        rows, values = self.rows[chosen], self.values[chosen]
        result = np.zeros((len(chosen), len(chosen)))
        for a in range(rows.shape[1]):
            for b in range(rows.shape[1]):
                same = rows[:, a, None] == rows[None, :, b]
                result += same * np.outer(values[:, a], values[:, b])
        return result


def _pair_cost(a: tuple, b: tuple) -> tuple:
    """The price of hiding two cells: a zero among them, how many were published last
    period, the dearer margin level, the sum of their values, then their order."""
    return (a[0] or b[0], a[1] + b[1], max(a[2], b[2]), a[3] + b[3], sorted((a[4], b[4])))


def _suppress(
    system: _System,
    hidden: dict[tuple[str, str, str], str],
    costs: dict[int, tuple],
) -> None:
    """Adds SECONDARY cells to `hidden` ((key, row, col) → reason) until no hidden cell,
    current or previous, is determined. `costs` has every current cell's cost."""
    for cells, relation_numbers in _components(system):
        if not relation_numbers:
            continue
        local = {cell: n for n, cell in enumerate(cells)}
        matrix = np.zeros((len(relation_numbers), len(cells)))
        for m, number in enumerate(relation_numbers):
            for cell, coefficient in system.relations[number].items():
                matrix[m, local[cell]] = coefficient
        names = [system.cells[cell] for cell in cells]
        current = np.array([not name[0] for name in names])
        unknown = np.array(
            [
                cell in system.hidden_before or (not name[0] and name[1:] in hidden)
                for cell, name in zip(cells, names, strict=True)
            ]
        )
        if not unknown.any():
            continue
        local_costs = {n: costs[cell] for n, cell in enumerate(cells) if current[n]}
        for n in _Component(matrix, current, unknown, local_costs).run():
            hidden[names[n][1:]] = Reason.SECONDARY


def _cost(table: Table, row: str, col: str, previous: dict[str, ProtectedTable], order: int):
    """The price of hiding a published cell (lower is hidden first)."""
    value = table.cells[(row, col)].value
    before = previous.get(table.key)
    was_hidden = before is not None and (row, col) in before.cells and before.cell(row, col).hidden
    split_rows, split_cols = len(table.rows) > 1, len(table.cols) > 1
    if row == TOTAL and col == TOTAL:
        level = 2
    elif (row == TOTAL and split_rows) or (col == TOTAL and split_cols):
        level = 1
    else:
        level = 0
    return (value == 0, not was_hidden, level, abs(value), order)


def protect(
    tables: list[Table],
    *,
    threshold: int,
    previous: dict[str, ProtectedTable] | None = None,
    dominance: Decimal = DOMINANCE,
) -> dict[str, ProtectedTable]:
    """The tables of one publication as they may be published, keyed by `Table.key`.

    `threshold` is the programme's (at least MINIMUM_THRESHOLD: ValueError below);
    `previous` the previous period's published tables by key, as stored in its snapshot
    (its mask is kept where possible, and its relations to this period are checked)."""
    if threshold < MINIMUM_THRESHOLD:
        raise ValueError(f"The disclosure threshold is at least {MINIMUM_THRESHOLD}.")
    previous = previous or {}
    keys = [table.key for table in tables]
    if len(set(keys)) != len(keys):
        raise ValueError("Two tables of one publication have the same key.")

    hidden: dict[tuple[str, str, str], str] = {}
    for table in tables:
        for (row, col), cell in table.cells.items():
            reason = _primary_reason(table.measure, cell, threshold, dominance)
            if reason:
                hidden[(table.key, row, col)] = reason

    system = _build_system(tables, previous)
    by_key = {table.key: table for table in tables}
    costs = {
        i: _cost(by_key[key], row, col, previous, i)
        for i, (is_previous, key, row, col) in enumerate(system.cells)
        if not is_previous
    }
    _suppress(system, hidden, costs)

    protected = {}
    for table in tables:
        cells = {}
        for (row, col), cell in table.cells.items():
            reason = hidden.get((table.key, row, col), "")
            cells[(row, col)] = ProtectedCell(value=None if reason else cell.value, reason=reason)
        protected[table.key] = ProtectedTable(
            key=table.key,
            indicator=table.indicator,
            measure=str(table.measure),
            rows_dimension=table.rows_dimension,
            cols_dimension=table.cols_dimension,
            rows=[(key, str(label)) for key, label in table.rows],
            cols=[(key, str(label)) for key, label in table.cols],
            cells=cells,
            threshold=threshold,
        )
    return protected


# --- Shares -------------------------------------------------------------------------------


def column_shares(table: ProtectedTable) -> ProtectedTable:
    """Each cell as a percentage (one decimal, rounded half up) of its column total (the
    TOTAL row), e.g. the share of each situation in declared employment at a checkpoint.
    Hidden (DERIVED) when the cell or its column total is hidden: a share would give the
    hidden figure back; a column total of 0 gives no share (EMPTY). The result's key is
    the table's key followed by ":share", its measure SHARE."""
    cells = {}
    for (row, col), cell in table.cells.items():
        total = table.cells[(TOTAL, col)]
        if cell.hidden or total.hidden:
            cells[(row, col)] = ProtectedCell(value=None, reason=Reason.DERIVED)
        elif total.value == 0:
            cells[(row, col)] = ProtectedCell(value=None, reason=Reason.EMPTY)
        else:
            share = (cell.value * 100 / total.value).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
            cells[(row, col)] = ProtectedCell(value=share)
    return ProtectedTable(
        key=f"{table.key}:share",
        indicator=table.indicator,
        measure=SHARE,
        rows_dimension=table.rows_dimension,
        cols_dimension=table.cols_dimension,
        rows=list(table.rows),
        cols=list(table.cols),
        cells=cells,
        threshold=table.threshold,
        notes=list(table.notes),
    )
