"""What an indicator is, and the aggregation helpers every indicator uses.

An indicator is defined once, in code: a French label, a definition shown to readers, a
unit, and a computation done in the database. It answers with a `Table` of raw cells —
each cell knows how many distinct people are behind it — which `research.disclosure`
then protects before anybody sees it. Raw tables never leave the server.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, models
from django.db.models import Avg, Count, F, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The key of a margin (row total, column total, grand total).
TOTAL = "_total"


class Unit(models.TextChoices):
    PEOPLE = "people", _("personnes")
    HOURS = "hours", _("heures")
    EUROS = "euros", _("euros")
    SESSIONS = "sessions", _("séances")
    MEETINGS = "meetings", _("rencontres")
    MONTHS = "months", _("mois")
    DAYS = "days", _("jours")
    SCORE = "score", _("points")
    PERCENT = "percent", _("%")


class Measure(models.TextChoices):
    """How a cell is aggregated, which decides the disclosure rules that apply to it."""

    PEOPLE = "people", _("nombre de personnes distinctes")
    SUM = "sum", _("somme")
    MEDIAN = "median", _("médiane")
    MEAN = "mean", _("moyenne")


@dataclass(frozen=True)
class Scope:
    """What the figures are about: a period (both days included), a programme (None:
    the whole cooperative) and a territory (a department code; "": everywhere)."""

    start: datetime.date
    end: datetime.date
    programme: object | None = None  # coop.Programme
    department: str = ""

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("A scope ends after it starts.")


@dataclass
class Cell:
    """One raw figure. `people` is the number of distinct people behind it (for a sum:
    the people who contributed to it). `top_share` is, for a sum, the share (0 to 1) of
    the value that the largest single contributor makes."""

    value: Decimal
    people: int
    top_share: Decimal | None = None


@dataclass
class Relation:
    """A linear equality a reader could use: sum(coefficient × value) == 0. A term is
    ((table key, row key, column key), coefficient, is_previous): `is_previous` refers
    to the previous period's published table of that key. Margins (row and column
    totals) need no relation: disclosure control links them itself."""

    terms: tuple[tuple[tuple[str, str, str], int, bool], ...]


@dataclass
class Table:
    """The raw result of an indicator for one scope and breakdown.

    `rows` and `cols` are the ordered (key, label) pairs of the breakdown; a table with
    no breakdown has the single row and column TOTAL; a table split one way has its
    categories as rows and the single column TOTAL. `cells` holds every (row, col)
    pair, margins included: (row, TOTAL), (TOTAL, col) and (TOTAL, TOTAL). Margins are
    computed in the database as their own aggregate (a distinct count is not always the
    sum of its cells: one person can be in two rows)."""

    indicator: str
    measure: str
    rows_dimension: str | None
    cols_dimension: str | None
    rows: list[tuple[str, str]]
    cols: list[tuple[str, str]]
    cells: dict[tuple[str, str], Cell]
    relations: list[Relation] = field(default_factory=list)

    @property
    def key(self) -> str:
        return table_key(self.indicator, self.rows_dimension, self.cols_dimension)

    def cell(self, row: str = TOTAL, col: str = TOTAL) -> Cell:
        return self.cells[(row, col)]


def table_key(indicator: str, rows: str | None, cols: str | None) -> str:
    return f"{indicator}:{rows or ''}:{cols or ''}"


@dataclass(frozen=True)
class Dimension:
    """A breakdown. `labels` gives the label of a key (choices of an enumeration, or a
    function for open sets such as departments); `order` the order of display."""

    code: str
    label: str | Promise
    choices: tuple[tuple[str, str | Promise], ...] = ()
    label_of: Callable[[str], str] | None = None

    def labelled(self, keys) -> list[tuple[str, str]]:
        """The (key, label) pairs of the keys present, in the dimension's order (known
        choices first, in their order; other keys after, sorted)."""
        known = dict(self.choices)
        present = set(keys) - {TOTAL}
        ordered = [k for k, _label in self.choices if k in present]
        ordered += sorted(present - set(known), key=lambda k: (k is None, str(k)))
        return [(k, str(self._label(k, known))) for k in ordered]

    def _label(self, key, known):
        if key in known:
            return known[key]
        if self.label_of is not None:
            return self.label_of(key)
        if key in (None, ""):
            return _("Non renseigné")
        return str(key)


@dataclass(frozen=True)
class Indicator:
    """An indicator: its code, French label, the definition shown to readers, its unit,
    how cells aggregate, the breakdowns it can be split by, the section it belongs to,
    and `compute(scope, rows, cols) -> Table` (database aggregation only)."""

    code: str
    label: str | Promise
    definition: str | Promise
    unit: str
    measure: str
    section: str
    dimensions: tuple[str, ...]
    compute: Callable[[Scope, str | None, str | None], Table]
    # Whether people who withdrew research consent are left out by construction (always
    # True for indicators about people; stated so tests can check every indicator).
    respects_research_consent: bool = True

    def table(self, scope: Scope, rows: str | None = None, cols: str | None = None) -> Table:
        for dimension in (rows, cols):
            if dimension is not None and dimension not in self.dimensions:
                raise ValueError(f"{self.code} cannot be split by {dimension!r}.")
        if rows is None and cols is not None:
            rows, cols = cols, None
        return self.compute(scope, rows, cols)


# --- Aggregation helpers ------------------------------------------------------------------
# Each takes a queryset already filtered to the scope and the names of (annotated or
# plain) fields: `row` and `col` the breakdown values, `person` what identifies a person.
# The database does the grouping; Python only reads back one row per cell.

_ROW, _COL, _PERSON, _VALUE = "k_row", "k_col", "k_person", "k_value"


@dataclass(frozen=True)
class _Level:
    """One level of a table: its cells (grouped by row and column), row margins
    (grouped by row), column margins or grand total (grouped by nothing)."""

    by_row: bool
    by_col: bool

    @property
    def names(self) -> list[str]:
        return [n for n, keep in ((_ROW, self.by_row), (_COL, self.by_col)) if keep]

    @property
    def group(self) -> str:
        return ", ".join(f'"{n}"' for n in self.names)

    @property
    def select(self) -> str:
        """The grouping columns at the head of an outer SELECT."""
        return f"{self.group}, " if self.names else ""

    def grouped_by(self, sql: str) -> str:
        return f"{sql} GROUP BY {self.group}" if self.names else sql

    def key(self, values) -> tuple[str, str]:
        """The (row, col) key of a result row that starts with the grouping columns."""
        row = _key(values[0]) if self.by_row else TOTAL
        col = _key(values[self.names.index(_COL)]) if self.by_col else TOTAL
        return row, col


def _grouped(queryset, row: str | None, col: str | None):
    """The queryset with the breakdown annotated under fixed names, and its levels:
    (row, col), (row,), (col,), () as the breakdown has them."""
    annotated = queryset.order_by().annotate(
        **{_ROW: F(row) if row else models.Value(TOTAL)},
        **{_COL: F(col) if col else models.Value(TOTAL)},
    )
    levels = [_Level(bool(row), bool(col))]
    if row and col:
        levels += [_Level(True, False), _Level(False, True)]
    if row or col:
        levels.append(_Level(False, False))
    return annotated, levels


def _key(value) -> str:
    if value is None:
        return ""
    return str(value)


def _rounded(value, places: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))


def _run(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _per_person(annotated, level: _Level, *, person: str, aggregate) -> tuple[str, list]:
    """The SQL of one row per person and group of the level, with `aggregate` of the
    person's rows as the value: what the outer queries of sums and means read."""
    inner = (
        annotated.annotate(**{_PERSON: F(person)})
        .values(*level.names, _PERSON)
        .annotate(**{_VALUE: aggregate})
        .values(*level.names, _PERSON, _VALUE)
    )
    return inner.query.sql_with_params()


# Only our own column names are formatted into the outer queries below; values stay
# parameters.


def people_cells(
    queryset, *, person: str, row: str | None = None, col: str | None = None
) -> dict[tuple[str, str], Cell]:
    """Distinct people per cell and margin, each in one GROUP BY query."""
    annotated, levels = _grouped(queryset, row, col)
    cells: dict[tuple[str, str], Cell] = {}
    for level in levels:
        if level.names:
            result = (
                annotated.values(*level.names)
                .annotate(n=Count(person, distinct=True))
                .values_list(*level.names, "n")
            )
            for values in result:
                cells[level.key(values)] = Cell(value=Decimal(values[-1]), people=values[-1])
        else:
            n = annotated.aggregate(n=Count(person, distinct=True))["n"]
            cells[(TOTAL, TOTAL)] = Cell(value=Decimal(n), people=n)
    return cells


def sum_cells(
    queryset,
    *,
    person: str,
    value,
    row: str | None = None,
    col: str | None = None,
    places: int = 2,
) -> dict[tuple[str, str], Cell]:
    """The sum of `value` (an expression) per cell and margin, with the number of
    people who contributed and the largest contributor's share (of the absolute
    amounts, so that refunds and credit notes cannot hide a dominant contributor):
    per-person sums are grouped in the database, then summed per cell by an outer query
    over them."""
    annotated, levels = _grouped(queryset, row, col)
    cells: dict[tuple[str, str], Cell] = {}
    for level in levels:
        sql, params = _per_person(annotated, level, person=person, aggregate=Sum(value))
        outer = level.grouped_by(
            f'SELECT {level.select}SUM("{_VALUE}"), COUNT(*), MAX(ABS("{_VALUE}")), '  # noqa: S608
            f'SUM(ABS("{_VALUE}")) FROM ({sql}) AS per_person WHERE "{_VALUE}" <> 0'
        )
        for values in _run(outer, params):
            total, people, top, gross = values[-4], values[-3], values[-2], values[-1]
            if total is None:
                continue
            # Of the amounts in either direction (credit notes count negative), the share
            # the largest single contributor makes.
            gross = Decimal(str(gross))
            share = (Decimal(str(top)) / gross).quantize(Decimal("0.0001")) if gross else None
            cells[level.key(values)] = Cell(
                value=_rounded(total, places), people=people, top_share=share
            )
    cells.setdefault((TOTAL, TOTAL), Cell(value=Decimal(0), people=0, top_share=None))
    return cells


def median_cells(
    queryset,
    *,
    person: str,
    value: str,
    row: str | None = None,
    col: str | None = None,
    places: int = 1,
) -> dict[tuple[str, str], Cell]:
    """The median of `value` (an annotated or plain field, one row per person: the
    cell's `people` is its number of rows) per cell and margin, computed by window
    functions in the database (both SQLite and PostgreSQL know them): rows are numbered
    within their cell, and the middle one or two are averaged."""
    annotated, levels = _grouped(queryset.exclude(**{f"{value}__isnull": True}), row, col)
    cells: dict[tuple[str, str], Cell] = {}
    for level in levels:
        inner = annotated.annotate(**{_PERSON: F(person), _VALUE: F(value)}).values(
            *level.names, _PERSON, _VALUE
        )
        sql, params = inner.query.sql_with_params()
        partition = f"PARTITION BY {level.group}" if level.names else ""
        outer = level.grouped_by(
            f"SELECT {level.select}AVG(v), MAX(n) FROM ("  # noqa: S608
            f'  SELECT {level.select}"{_VALUE}" AS v,'
            f'   ROW_NUMBER() OVER ({partition} ORDER BY "{_VALUE}") AS rn,'
            f"   COUNT(*) OVER ({partition}) AS n"
            f"  FROM ({sql}) AS rows_in"
            f") AS numbered WHERE rn IN ((n + 1) / 2, (n + 2) / 2)"
        )
        for values in _run(outer, params):
            median, people = values[-2], values[-1]
            if median is not None:
                cells[level.key(values)] = Cell(value=_rounded(median, places), people=people)
    return cells


def mean_cells(
    queryset,
    *,
    person: str,
    value: str,
    row: str | None = None,
    col: str | None = None,
    places: int = 2,
) -> dict[tuple[str, str], Cell]:
    """The mean of `value` per cell and margin, each person counted once: per-person
    means are grouped in the database, then averaged per cell by an outer query over
    them (the cell's `people` is the number of persons)."""
    annotated, levels = _grouped(queryset.exclude(**{f"{value}__isnull": True}), row, col)
    cells: dict[tuple[str, str], Cell] = {}
    for level in levels:
        sql, params = _per_person(annotated, level, person=person, aggregate=Avg(value))
        outer = level.grouped_by(
            f'SELECT {level.select}AVG("{_VALUE}"), COUNT(*) FROM ({sql}) AS per_person'  # noqa: S608
        )
        for values in _run(outer, params):
            mean, people = values[-2], values[-1]
            if mean is not None:
                cells[level.key(values)] = Cell(value=_rounded(mean, places), people=people)
    return cells


def make_table(
    indicator: "Indicator | str",
    measure: str,
    cells: dict[tuple[str, str], Cell],
    *,
    rows: Dimension | None = None,
    cols: Dimension | None = None,
    relations: list[Relation] | None = None,
) -> Table:
    """A Table from aggregated cells: labels in the dimensions' order; the cells the
    data did not produce are filled with zeros (a cell with nobody is 0, not absent), so
    that every table has every (row, col) pair of its categories."""
    code = indicator if isinstance(indicator, str) else indicator.code
    row_keys = [k for k, _c in cells] if rows else []
    col_keys = [c for _r, c in cells] if cols else []
    row_pairs = (rows.labelled(row_keys) if rows else []) + [(TOTAL, str(_("Ensemble")))]
    col_pairs = (cols.labelled(col_keys) if cols else []) + [(TOTAL, str(_("Ensemble")))]
    full = {}
    empty = Cell(value=Decimal(0), people=0, top_share=None)
    for r, _rl in row_pairs:
        for c, _cl in col_pairs:
            full[(r, c)] = cells.get((r, c), empty)
    return Table(
        indicator=code,
        measure=measure,
        rows_dimension=rows.code if rows else None,
        cols_dimension=cols.code if cols else None,
        rows=row_pairs,
        cols=col_pairs,
        cells=full,
        relations=relations or [],
    )
