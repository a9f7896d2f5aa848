"""The attack on published tables that issue 7 asks for: a reader with a linear-program
solver and everything published (this month and last) tries to rebuild each hidden
cell. Variables: every hidden cell of both months; equalities: rows and columns add up,
plus the stock-flow relation, published figures as constants; bounds: counts are ≥ 0.
For each hidden cell the solver minimises and maximises it: the interval must stay at
least one person wide (strictly positive for sums), i.e. the cell cannot be rebuilt."""

import math
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from research.disclosure import protect
from research.indicators.base import TOTAL, Cell, Table, table_key
from tests.research.test_disclosure import (
    equations,
    people_table,
    stock_flow_publication,
    stock_flow_relations,
    two_months,
    two_way_counts,
    unknowns_of,
)


def intervals(current: dict, previous: dict | None = None, relations=()) -> dict:
    """For each hidden cell, the (lowest, highest) value the published figures allow."""
    previous = previous or {}
    unknowns = unknowns_of(current, previous)
    position = {name: i for i, name in enumerate(unknowns)}
    rows, constants = [], []
    for eq in equations(current, previous, list(relations)):
        line = np.zeros(len(unknowns))
        constant = 0.0
        for name, coefficient in eq.items():
            if name in position:
                line[position[name]] += coefficient
            else:
                is_previous, key, row, col = name
                tables = previous if is_previous else current
                constant -= coefficient * float(tables[key].cell(row, col).value)
        if line.any():
            rows.append(line)
            constants.append(constant)
    result = {}
    for i, name in enumerate(unknowns):
        if not rows:
            result[name] = (0.0, math.inf)
            continue
        bounds = []
        for sign in (1, -1):
            objective = np.zeros(len(unknowns))
            objective[i] = sign
            answer = linprog(
                objective,
                A_eq=np.array(rows),
                b_eq=np.array(constants),
                bounds=(0, None),
                method="highs",
            )
            assert answer.status in (0, 3), answer.message  # solved, or unbounded
            bounds.append(math.inf if answer.status == 3 else sign * answer.fun)
        result[name] = (bounds[0], bounds[1])
    return result


def assert_not_rebuilt(found: dict, raw: dict, minimum_width: float) -> None:
    assert found, "the case hides nothing: it tests nothing"
    for (is_previous, key, row, col), (low, high) in found.items():
        if not is_previous:
            # The attack is set up right: the true value is among those it finds.
            true = float(raw[key].cells[(row, col)].value)
            assert low - 1e-6 <= true <= high + 1e-6, (key, row, col)
        assert high - low >= minimum_width, ((is_previous, key, row, col), low, high)


DEPARTMENTS = ["13", "34", "69", "75", "92", "93", "94", "95"]
GENDERS = ["f", "m", "x"]


def test_people_by_department_and_gender_cannot_be_rebuilt():
    counts = [
        [42, 38, 0],
        [3, 15, 1],
        [25, 7, 0],
        [120, 98, 4],
        [12, 11, 0],
        [2, 0, 0],
        [30, 26, 2],
        [18, 9, 1],
    ]
    table = people_table("people", counts, rows=DEPARTMENTS, cols=GENDERS)
    protected = protect([table], threshold=11)
    assert len(protected[table.key].mask) >= 10
    assert_not_rebuilt(intervals(protected), {table.key: table}, minimum_width=1)


def test_a_month_and_the_month_before_linked_by_the_stock_cannot_be_rebuilt():
    rows = DEPARTMENTS[:5]
    keys = [table_key(name, "rows", "cols") for name in ("acc", "opened", "closed")]
    relations = stock_flow_relations(*keys, rows, GENDERS)
    acc_before = [[40, 31, 2], [12, 4, 0], [55, 47, 3], [20, 18, 1], [9, 14, 0]]
    closed_before = [[6, 3, 1], [2, 1, 0], [12, 8, 0], [3, 5, 1], [1, 2, 0]]
    opened_before = [[8, 5, 0], [3, 2, 0], [10, 9, 1], [4, 4, 0], [2, 3, 0]]
    opened_now = [[7, 9, 1], [4, 0, 0], [11, 6, 2], [5, 3, 0], [2, 2, 0]]
    acc_now = (np.array(acc_before) - closed_before + opened_now).tolist()
    closed_now = [[5, 4, 0], [1, 1, 0], [9, 7, 1], [4, 2, 0], [2, 1, 0]]

    def month(acc, opened, closed):
        return [
            people_table("acc", acc, rows=rows, cols=GENDERS, relations=relations),
            people_table("opened", opened, rows=rows, cols=GENDERS),
            people_table("closed", closed, rows=rows, cols=GENDERS),
        ]

    before = protect(month(acc_before, opened_before, closed_before), threshold=11)
    raw = month(acc_now, opened_now, closed_now)
    now = protect(raw, threshold=11, previous=before)
    found = intervals(now, before, relations)
    assert any(is_previous for is_previous, *_rest in found)
    assert_not_rebuilt(found, {t.key: t for t in raw}, minimum_width=1)


def test_hours_with_a_dominant_contributor_cannot_be_rebuilt():
    cells = {
        ("13", TOTAL): Cell(Decimal("1250.50"), 14, Decimal("0.9100")),
        ("34", TOTAL): Cell(Decimal("310.00"), 12, Decimal("0.2000")),
        ("69", TOTAL): Cell(Decimal("95.25"), 3, Decimal("0.6000")),
        ("75", TOTAL): Cell(Decimal("2040.00"), 40, Decimal("0.1000")),
        (TOTAL, TOTAL): Cell(Decimal("3695.75"), 69, Decimal("0.3100")),
    }
    table = Table(
        indicator="hours",
        measure="sum",
        rows_dimension="department",
        cols_dimension=None,
        rows=[(k, k) for k in ["13", "34", "69", "75", TOTAL]],
        cols=[(TOTAL, "Ensemble")],
        cells=cells,
    )
    protected = protect([table], threshold=11)
    # The dominated sum and the small one protect each other.
    assert protected[table.key].mask == {("13", TOTAL), ("69", TOTAL)}
    assert_not_rebuilt(intervals(protected), {table.key: table}, minimum_width=0.01)


@settings(max_examples=20, deadline=None)
@given(grid=two_way_counts(), threshold=st.integers(5, 15))
def test_random_two_way_tables_cannot_be_rebuilt(grid, threshold):
    table = people_table("a", grid)
    protected = protect([table], threshold=threshold)
    found = intervals(protected)
    for (_p, _k, row, col), (low, high) in found.items():
        assert high - low >= 1, (row, col, low, high)


@settings(max_examples=20, deadline=None)
@given(months=two_months(), threshold=st.integers(5, 15))
def test_random_months_linked_by_the_stock_cannot_be_rebuilt(months, threshold):
    raw, now, before, relations = stock_flow_publication(months, threshold)
    for name, (low, high) in intervals(now, before, relations).items():
        assert high - low >= 1, (name, low, high)
