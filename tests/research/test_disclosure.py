"""Statistical disclosure control (research.disclosure, DESIGN.md rule 3): small cells are
hidden, enough others are hidden that no hidden cell can be rebuilt from the totals or from
last month's figures, masks stay stable, and what is stored holds no hidden value.

The checks here do not reuse the module's linear algebra: the relations a reader knows
are rebuilt from the tables' shape, and scipy computes the null space."""

import json
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space

from research.disclosure import (
    MINIMUM_THRESHOLD,
    SHARE,
    ProtectedCell,
    ProtectedTable,
    Reason,
    column_shares,
    protect,
)
from research.indicators.base import TOTAL, Cell, Relation, Table, table_key

NNBSP = "\u202f"  # between thousands
NBSP = "\xa0"  # after "<"

# --- Building tables ----------------------------------------------------------------------


def people_table(
    indicator: str,
    counts,
    *,
    rows: list[str] | None = None,
    cols: list[str] | None = None,
    relations: list[Relation] | None = None,
) -> Table:
    """A table of people counts whose margins are the sums of its cells. `counts` is a
    list of rows (split two ways), a list of numbers (split by rows) or a number."""
    grid = np.array(counts, dtype=int)
    if grid.ndim == 0:
        return _table(indicator, "people", {(TOTAL, TOTAL): int(grid)}, [], [], relations)
    if grid.ndim == 1:
        grid = grid[:, None]
        cols = []
    rows = rows or [f"r{i}" for i in range(grid.shape[0])]
    if cols is None:
        cols = [f"c{j}" for j in range(grid.shape[1])]
    values = {}
    for i, row in enumerate(rows):
        for j, col in enumerate(cols or [TOTAL]):
            values[(row, col)] = int(grid[i, j])
    return _table(indicator, "people", values, rows, cols, relations)


def _table(indicator, measure, values, rows, cols, relations) -> Table:
    """Fills the margins of `values` (a dict of inner cells) with sums."""
    all_rows = [*rows, TOTAL]
    all_cols = [*cols, TOTAL]
    inner_rows = rows or [TOTAL]
    inner_cols = cols or [TOTAL]
    full = {}
    for row in all_rows:
        for col in all_cols:
            rs = inner_rows if row == TOTAL else [row]
            cs = inner_cols if col == TOTAL else [col]
            full[(row, col)] = sum(values[(r, c)] for r in rs for c in cs)
    return Table(
        indicator=indicator,
        measure=measure,
        rows_dimension="rows" if rows else None,
        cols_dimension="cols" if cols else None,
        rows=[(r, r.upper()) for r in all_rows],
        cols=[(c, c.upper()) for c in all_cols],
        cells={key: Cell(value=Decimal(n), people=n) for key, n in full.items()},
        relations=relations or [],
    )


def hidden(protected: ProtectedTable) -> set[tuple[str, str]]:
    return set(protected.mask)


def stock_flow_relations(acc: str, opened: str, closed: str, rows: list[str], cols: list[str]):
    """accompanied(m) = accompanied(m−1) − closed(m−1) + opened(m), cell by cell."""
    return [
        Relation(
            terms=(
                ((acc, r, c), 1, False),
                ((acc, r, c), -1, True),
                ((closed, r, c), 1, True),
                ((opened, r, c), -1, False),
            )
        )
        for r in [*rows, TOTAL]
        for c in [*cols, TOTAL]
    ]


# --- What a reader knows, rebuilt independently ------------------------------------------


def equations(current: dict, previous: dict, relations: list[Relation]) -> list[dict]:
    """The equalities a reader can write: rows and columns of every people or sum table
    add up (this period's and last period's), plus the declared relations whose cells
    all exist. Each is {(is_previous, key, row, col): coefficient}."""
    result = []
    for is_previous, tables in ((False, current), (True, previous)):
        for key, table in tables.items():
            if table.measure not in ("people", "sum"):
                continue
            inner_rows = [r for r, _l in table.rows if r != TOTAL]
            inner_cols = [c for c, _l in table.cols if c != TOTAL]
            if inner_cols:
                for r, _l in table.rows:
                    eq = {(is_previous, key, r, c): 1 for c in inner_cols}
                    eq[(is_previous, key, r, TOTAL)] = -1
                    result.append(eq)
            if inner_rows:
                for c, _l in table.cols:
                    eq = {(is_previous, key, r, c): 1 for r in inner_rows}
                    eq[(is_previous, key, TOTAL, c)] = -1
                    result.append(eq)
    for relation in relations:
        eq = {}
        for (key, row, col), coefficient, is_previous in relation.terms:
            tables = previous if is_previous else current
            if key not in tables or (row, col) not in tables[key].cells:
                break
            name = (is_previous, key, row, col)
            eq[name] = eq.get(name, 0) + coefficient
        else:
            result.append(eq)
    return result


def unknowns_of(current: dict, previous: dict) -> list[tuple]:
    return [
        (is_previous, key, row, col)
        for is_previous, tables in ((False, current), (True, previous))
        for key, table in tables.items()
        for (row, col), cell in table.cells.items()
        if cell.hidden
    ]


def rebuilt_cells(current: dict, previous: dict | None = None, relations=()) -> list[tuple]:
    """The hidden cells (current and previous) that the equalities give a single value:
    those where every vector of the null space of the equalities restricted to the
    hidden cells is 0."""
    previous = previous or {}
    unknowns = unknowns_of(current, previous)
    if not unknowns:
        return []
    position = {name: i for i, name in enumerate(unknowns)}
    lines = []
    for eq in equations(current, previous, list(relations)):
        line = np.zeros(len(unknowns))
        for name, coefficient in eq.items():
            if name in position:
                line[position[name]] += coefficient
        lines.append(line)
    if not lines:
        return []
    matrix = np.array(lines)
    kernel = null_space(matrix)
    return [name for i, name in enumerate(unknowns) if np.linalg.norm(kernel[i]) < 1e-8]


def small_published(protected: dict, raw: dict[str, Table], threshold: int) -> list:
    return [
        (key, cell_key)
        for key, table in protected.items()
        for cell_key, cell in table.cells.items()
        if not cell.hidden and 0 < raw[key].cells[cell_key].people < threshold
    ]


# --- Primary suppression ------------------------------------------------------------------


def test_a_threshold_below_five_is_refused():
    table = people_table("a", [20, 30])
    with pytest.raises(ValueError):
        protect([table], threshold=MINIMUM_THRESHOLD - 1)
    assert protect([table], threshold=MINIMUM_THRESHOLD)


def test_two_tables_with_one_key_are_refused():
    with pytest.raises(ValueError):
        protect([people_table("a", [20, 30]), people_table("a", [20, 30])], threshold=11)


def test_a_small_cell_is_hidden_and_zero_is_published():
    table = people_table("a", [3, 0, 40, 25])
    result = protect([table], threshold=11)[table.key]
    assert result.cell("r0", TOTAL) == ProtectedCell(value=None, reason=Reason.SMALL)
    assert result.cell("r1", TOTAL) == ProtectedCell(value=Decimal(0))


def test_a_grand_total_below_the_threshold_is_hidden():
    alone = people_table("a", 7)
    assert protect([alone], threshold=11)[alone.key].cell(TOTAL, TOTAL).reason == Reason.SMALL
    split = people_table("b", [3, 4])
    result = protect([split], threshold=11)[split.key]
    assert {cell.reason for cell in result.cells.values()} == {Reason.SMALL}


def test_a_small_margin_is_hidden_and_protected():
    table = people_table("a", [[3, 2], [40, 50], [30, 60]])
    result = protect([table], threshold=11)[table.key]
    assert result.cell("r0", TOTAL).reason == Reason.SMALL
    assert rebuilt_cells({table.key: result}) == []


def sum_table(cells: dict[tuple[str, str], tuple[str, int, str | None]]) -> Table:
    """A sum split by rows: {(row, TOTAL): (value, contributors, top share)}."""
    rows = [r for r, _c in cells if r != TOTAL]
    return Table(
        indicator="hours",
        measure="sum",
        rows_dimension="rows",
        cols_dimension=None,
        rows=[(r, r) for r in [*rows, TOTAL]],
        cols=[(TOTAL, "Ensemble")],
        cells={
            key: Cell(
                value=Decimal(value),
                people=people,
                top_share=None if share is None else Decimal(share),
            )
            for key, (value, people, share) in cells.items()
        },
    )


def test_a_sum_made_mostly_by_one_person_is_hidden_with_a_second_cell():
    table = sum_table(
        {
            ("r0", TOTAL): ("1000.00", 20, "0.9000"),
            ("r1", TOTAL): ("500.00", 30, "0.1000"),
            ("r2", TOTAL): ("800.00", 25, "0.2000"),
            (TOTAL, TOTAL): ("2300.00", 75, "0.3913"),
        }
    )
    result = protect([table], threshold=11)[table.key]
    assert result.cell("r0", TOTAL).reason == Reason.DOMINANCE
    # The smallest other sum, not the total.
    assert result.cell("r1", TOTAL).reason == Reason.SECONDARY
    assert result.mask == {("r0", TOTAL), ("r1", TOTAL)}


def test_a_sum_of_few_contributors_is_hidden_a_sum_of_nobody_is_zero():
    table = sum_table(
        {
            ("r0", TOTAL): ("300.00", 4, "0.5000"),
            ("r1", TOTAL): ("0.00", 0, None),
            ("r2", TOTAL): ("800.00", 25, "0.2000"),
            ("r3", TOTAL): ("900.00", 30, "0.2000"),
            (TOTAL, TOTAL): ("2000.00", 59, "0.1000"),
        }
    )
    result = protect([table], threshold=11, dominance=Decimal("0.85"))[table.key]
    assert result.cell("r0", TOTAL).reason == Reason.SMALL
    assert result.cell("r1", TOTAL) == ProtectedCell(value=Decimal("0.00"))
    assert result.cell("r2", TOTAL).reason == Reason.SECONDARY
    assert result.display("r1", TOTAL) == "0,00"


def test_medians_are_hidden_below_the_threshold_and_need_no_second_cell():
    table = Table(
        indicator="months",
        measure="median",
        rows_dimension="rows",
        cols_dimension=None,
        rows=[("r0", "R0"), ("r1", "R1"), ("r2", "R2"), (TOTAL, "Ensemble")],
        cols=[(TOTAL, "Ensemble")],
        cells={
            ("r0", TOTAL): Cell(value=Decimal("4.5"), people=3),
            ("r1", TOTAL): Cell(value=Decimal("6.0"), people=40),
            ("r2", TOTAL): Cell(value=Decimal("0"), people=0),
            (TOTAL, TOTAL): Cell(value=Decimal("5.5"), people=43),
        },
    )
    result = protect([table], threshold=11)[table.key]
    assert result.cell("r0", TOTAL).reason == Reason.SMALL
    assert result.cell("r1", TOTAL).value == Decimal("6.0")
    assert result.cell("r2", TOTAL).reason == Reason.EMPTY
    assert result.cell(TOTAL, TOTAL).value == Decimal("5.5")
    assert (result.display("r0", TOTAL), result.display("r2", TOTAL)) == ("s", "–")


# --- Secondary suppression ----------------------------------------------------------------


def test_one_way_table_a_second_inner_cell_is_hidden_not_the_total_nor_a_zero():
    table = people_table("a", [3, 0, 40, 25])
    result = protect([table], threshold=11)[table.key]
    assert result.mask == {("r0", TOTAL), ("r3", TOTAL)}
    assert result.cell("r3", TOTAL).reason == Reason.SECONDARY


def test_two_way_table_a_small_inner_cell_is_hidden_in_a_rectangle_of_four():
    table = people_table("a", [[3, 20, 30], [40, 50, 60], [70, 80, 90]])
    result = protect([table], threshold=11)[table.key]
    # The cheapest rectangle: the smallest column (20) and the smallest row (40, 50).
    assert result.mask == {("r0", "c0"), ("r0", "c1"), ("r1", "c0"), ("r1", "c1")}
    assert rebuilt_cells({table.key: result}) == []


def test_zero_cells_are_never_chosen_to_protect_another():
    table = people_table("a", [[3, 0, 30], [0, 0, 60], [70, 80, 90]])
    result = protect([table], threshold=11)[table.key]
    assert all(table.cells[key].people for key in result.mask)
    assert rebuilt_cells({table.key: result}) == []


def test_a_zero_cell_is_chosen_when_nothing_else_is_left():
    # Nothing but zeros and margins next to the small cell: only margins can protect it.
    table = people_table("a", [[3, 0], [0, 0]])
    result = protect([table], threshold=11)[table.key]
    assert rebuilt_cells({table.key: result}) == []
    assert result.cell("r1", "c1").value == 0


def test_last_months_mask_is_kept_when_it_protects():
    before = people_table("a", [[3, 25, 20], [45, 50, 50], [40, 50, 50]])
    previous = protect([before], threshold=11)
    assert previous[before.key].mask == {("r0", "c0"), ("r0", "c2"), ("r2", "c0"), ("r2", "c2")}

    # As the next month reads it: from the stored snapshot.
    previous = {
        key: ProtectedTable.from_dict(json.loads(json.dumps(table.to_dict())))
        for key, table in previous.items()
    }
    now = people_table("a", [[4, 20, 20], [40, 50, 50], [40, 50, 50]])
    # Alone, this month would hide the first cheapest rectangle (the second column and row)…
    assert protect([now], threshold=11)[now.key].mask == {
        ("r0", "c0"),
        ("r0", "c1"),
        ("r1", "c0"),
        ("r1", "c1"),
    }
    # …but last month's rectangle protects as well and is kept.
    assert protect([now], threshold=11, previous=previous)[now.key].mask == (
        previous[before.key].mask
    )


def test_a_cell_still_small_stays_hidden():
    before = protect([people_table("a", [3, 40, 25])], threshold=11)
    now = protect([people_table("a", [5, 30, 30])], threshold=11, previous=before)
    assert now["a:rows:"].mask == before["a:rows:"].mask == {("r0", TOTAL), ("r2", TOTAL)}


def test_the_same_input_gives_the_same_mask():
    counts = [[3, 20, 20, 8], [40, 20, 50, 12], [40, 50, 20, 70], [6, 50, 50, 9]]
    first = protect([people_table("a", counts)], threshold=11)
    for _i in range(3):
        assert protect([people_table("a", counts)], threshold=11) == first


def test_a_relation_to_a_table_not_published_is_ignored():
    rows = ["r0", "r1", "r2"]
    relations = stock_flow_relations("acc:rows:", "opened:rows:", "closed:rows:", rows, [])
    acc = people_table("acc", [3, 40, 25], relations=relations)
    opened = people_table("opened", [12, 12, 12])
    # No previous period, then one without the "closed" table: every relation is unusable.
    alone = protect([acc, opened], threshold=11)
    partial = protect([acc, opened], threshold=11, previous={"acc:rows:": alone["acc:rows:"]})
    assert partial == alone == protect([people_table("acc", [3, 40, 25]), opened], threshold=11)


def test_a_cell_hidden_last_month_is_not_given_back_by_this_months_stock():
    rows = ["r0", "r1", "r2"]
    keys = ("acc:rows:", "opened:rows:", "closed:rows:")
    relations = stock_flow_relations(*keys, rows, [])
    previous = protect(
        [
            people_table("acc", [30, 40, 25]),
            people_table("opened", [12, 12, 12]),
            people_table("closed", [5, 20, 12]),
        ],
        threshold=11,
    )
    assert previous["closed:rows:"].mask == {("r0", TOTAL), ("r2", TOTAL)}
    # Nothing is small this month, but acc(r0) − acc(r0, m−1) − opened(r0) = −closed(r0, m−1).
    now_tables = [
        people_table("acc", [45, 40, 25], relations=relations),
        people_table("opened", [20, 20, 12]),
    ]
    alone = protect(now_tables, threshold=11)
    assert all(not table.mask for table in alone.values())
    assert rebuilt_cells(alone, previous, relations) == [
        (True, "closed:rows:", "r0", TOTAL),
        (True, "closed:rows:", "r2", TOTAL),
    ]

    now = protect(now_tables, threshold=11, previous=previous)
    assert now["opened:rows:"].cell("r0", TOTAL).reason == Reason.SECONDARY
    assert rebuilt_cells(now, previous, relations) == []


# --- Properties ---------------------------------------------------------------------------

counts = st.one_of(st.integers(0, 4), st.integers(0, 60))
thresholds = st.integers(5, 15)


@st.composite
def two_way_counts(draw):
    rows = draw(st.integers(1, 5))
    cols = draw(st.integers(1, 4))
    return [[draw(counts) for _c in range(cols)] for _r in range(rows)]


@settings(max_examples=60, deadline=None)
@given(grid=two_way_counts(), threshold=thresholds)
def test_two_way_tables_no_small_cell_shows_and_no_hidden_cell_can_be_rebuilt(grid, threshold):
    table = people_table("a", grid)
    result = protect([table], threshold=threshold)
    assert small_published(result, {table.key: table}, threshold) == []
    assert rebuilt_cells(result) == []


@settings(max_examples=40, deadline=None)
@given(values=st.lists(counts, min_size=1, max_size=8), threshold=thresholds)
def test_one_way_tables_no_small_cell_shows_and_no_hidden_cell_can_be_rebuilt(values, threshold):
    table = people_table("a", values)
    result = protect([table], threshold=threshold)
    assert small_published(result, {table.key: table}, threshold) == []
    assert rebuilt_cells(result) == []
    assert protect([people_table("a", values)], threshold=threshold) == result


@st.composite
def two_months(draw):
    """Three tables by row, two months: accompanied, opened, closed, where
    accompanied(m) = accompanied(m−1) − closed(m−1) + opened(m) and nobody closes more
    follow-ups than they had."""
    size = draw(st.integers(1, 5))
    acc_before = [draw(counts) for _i in range(size)]
    closed_before = [draw(st.integers(0, n)) for n in acc_before]
    opened_before = [draw(counts) for _i in range(size)]
    opened_now = [draw(counts) for _i in range(size)]
    acc_now = [a - c + o for a, c, o in zip(acc_before, closed_before, opened_now, strict=True)]
    closed_now = [draw(st.integers(0, n)) for n in acc_now]
    return {
        "before": (acc_before, opened_before, closed_before),
        "now": (acc_now, opened_now, closed_now),
    }


def stock_flow_publication(months, threshold):
    """Both months protected in turn; returns (raw now, protected now, protected before,
    relations)."""
    size = len(months["now"][0])
    rows = [f"r{i}" for i in range(size)]
    keys = [table_key(name, "rows", None) for name in ("acc", "opened", "closed")]
    relations = stock_flow_relations(*keys, rows, [])

    def tables(month):
        acc, opened, closed = months[month]
        return [
            people_table("acc", acc, relations=relations),
            people_table("opened", opened),
            people_table("closed", closed),
        ]

    before = protect(tables("before"), threshold=threshold)
    raw = tables("now")
    now = protect(raw, threshold=threshold, previous=before)
    return {t.key: t for t in raw}, now, before, relations


@settings(max_examples=40, deadline=None)
@given(months=two_months(), threshold=thresholds)
def test_with_last_month_and_a_stock_no_hidden_cell_of_either_month_can_be_rebuilt(
    months, threshold
):
    raw, now, before, relations = stock_flow_publication(months, threshold)
    assert small_published(now, raw, threshold) == []
    assert rebuilt_cells(now, before, relations) == []


# --- Shares -------------------------------------------------------------------------------


def test_shares_of_the_column_total_hide_what_comes_from_a_hidden_figure():
    table = people_table("a", [[3, 20, 0], [40, 50, 0], [70, 80, 0]])
    protected = protect([table], threshold=11)[table.key]
    shares = column_shares(protected)
    assert (shares.key, shares.measure) == ("a:rows:cols:share", SHARE)
    assert shares.cell("r0", "c0") == ProtectedCell(value=None, reason=Reason.DERIVED)
    assert shares.cell("r2", "c0").value == Decimal("61.9")  # 70 / 113
    assert shares.cell("r2", "c1").value == Decimal("53.3")  # 80 / 150
    assert shares.cell(TOTAL, "c1").value == Decimal("100.0")
    assert shares.cell("r0", "c2") == ProtectedCell(value=None, reason=Reason.EMPTY)
    assert shares.display("r2", "c0") == "61,9"
    # The hidden rectangle's column total is published: its other shares are hidden too.
    assert shares.mask >= protected.mask


def test_shares_under_a_hidden_column_total_are_all_hidden():
    table = people_table("a", [[3, 20], [4, 50]])
    protected = protect([table], threshold=11)[table.key]
    assert protected.cell(TOTAL, "c0").hidden
    shares = column_shares(protected)
    assert all(shares.cell(row, "c0").reason == Reason.DERIVED for row, _l in shares.rows)


# --- Storage and display ------------------------------------------------------------------


def test_a_stored_table_round_trips_and_holds_no_hidden_value_nor_count():
    table = people_table("a", [[3, 20, 30], [40, 50, 1060], [70, 80, 90]])
    protected = protect([table], threshold=11)[table.key]
    data = json.loads(json.dumps(protected.to_dict()))
    assert ProtectedTable.from_dict(data) == protected
    assert data["threshold"] == 11
    stored = {(row, col): (value, reason) for row, col, value, reason in data["cells"]}
    assert stored[("r0", "c0")] == (None, Reason.SMALL)
    assert stored[("r0", "c1")] == (None, Reason.SECONDARY)
    assert stored[("r1", "c2")] == ("1060", "")
    # Only the published values and the reasons: no people count, no hidden value.
    assert all(len(entry) == 4 for entry in data["cells"])
    assert set(data) == {
        "key",
        "indicator",
        "measure",
        "rows_dimension",
        "cols_dimension",
        "rows",
        "cols",
        "threshold",
        "notes",
        "cells",
    }
    assert data["rows"][0] == ["r0", "R0"]


def test_display_is_french_and_says_why_a_cell_is_hidden():
    table = people_table("a", [[3, 20, 30], [40, 50, 1060], [70, 80, 90]])
    protected = protect([table], threshold=11)[table.key]
    assert protected.display("r1", "c2") == f"1{NNBSP}060"
    assert protected.display("r0", "c0") == f"<{NBSP}11"
    assert protected.display("r0", "c1") == "s"
    assert protected.reason_label("r0", "c0") == "moins de 11 personnes"
    assert protected.reason_label("r0", "c1") == "masquée pour protéger une autre case"
    assert protected.reason_label("r2", "c2") == ""
    sums = ProtectedTable.from_dict(
        {**protected.to_dict(), "measure": "sum", "cells": [[TOTAL, TOTAL, "-12345.5", ""]]}
    )
    assert sums.display() == f"-12{NNBSP}345,5"
