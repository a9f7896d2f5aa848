"""A publication: the protected tables of a scope, with the programme's threshold and
the previous month's published figures; a period already published is shown as it was
published."""

import datetime
from decimal import Decimal

import pytest

from research import disclosure
from research.enums import PeriodKind
from research.indicators import REGISTRY, TOTAL, Cell, Indicator, Measure, Scope, Unit
from research.indicators.base import make_table
from research.indicators.dimensions import GENDER
from research.publication import (
    Request,
    dimension_label,
    indicators_of,
    previous_month,
    publication_build,
    snapshot_data,
    snapshot_tables,
    threshold_for,
)
from tests.members.factories import ProgrammeFactory
from tests.research.factories import SnapshotFactory

pytestmark = pytest.mark.django_db

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
FEBRUARY = (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
COUNTS = {"woman": 30, "man": 20, "non_binary": 3}
# Disclosure control itself, for the tables a test publishes (the spy records the rest).
PROTECT = disclosure.protect


def _fixed(scope, rows, cols):
    """Thirty women, twenty men and three non-binary people, whatever the scope."""
    cells = {(TOTAL, TOTAL): Cell(value=Decimal(53), people=53)}
    if rows == "gender":
        for key, n in COUNTS.items():
            cells[(key, TOTAL)] = Cell(value=Decimal(n), people=n)
    return make_table("fixed", Measure.PEOPLE, cells, rows=GENDER if rows else None)


FIXED = Indicator(
    code="fixed",
    label="Indicateur fixe",
    definition="Pour les tests.",
    unit=Unit.PEOPLE,
    measure=Measure.PEOPLE,
    section="path",
    dimensions=("gender",),
    compute=_fixed,
)


@pytest.fixture
def fixed(monkeypatch):
    len(REGISTRY)
    monkeypatch.setitem(REGISTRY, FIXED.code, FIXED)
    return FIXED


@pytest.fixture
def protect_calls(monkeypatch):
    """Records what disclosure control is given, and lets it work."""
    calls = []

    def spy(tables, *, threshold, previous=None, **kwargs):
        calls.append(
            {"keys": [t.key for t in tables], "threshold": threshold, "previous": previous}
        )
        return PROTECT(tables, threshold=threshold, previous=previous, **kwargs)

    monkeypatch.setattr(disclosure, "protect", spy)
    return calls


def _published(programme, period, tables, **kwargs):
    return SnapshotFactory(
        programme=programme,
        period_start=period[0],
        period_end=period[1],
        data=snapshot_data(tables),
        **kwargs,
    )


def _protected(scope, threshold=11):
    return PROTECT([FIXED.table(scope, "gender")], threshold=threshold)


def test_the_threshold_is_the_programmes_and_11_for_the_cooperative():
    assert threshold_for(ProgrammeFactory(disclosure_threshold=7)) == 7
    assert threshold_for(None) == 11


def test_a_programmes_indicator_set(fixed):
    assert [i.code for i in indicators_of(ProgrammeFactory(indicators=["fixed"]))] == ["fixed"]
    everything = indicators_of(ProgrammeFactory(indicators=[]))
    assert "fixed" in {i.code for i in everything}
    assert len(everything) == len(indicators_of(None))


def test_the_previous_month_is_only_for_a_calendar_month():
    assert previous_month(Scope(*MARCH)) == FEBRUARY
    january = Scope(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
    assert previous_month(january) == (datetime.date(2025, 12, 1), datetime.date(2025, 12, 31))
    assert previous_month(Scope(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))) is None
    assert previous_month(Scope(datetime.date(2026, 3, 2), datetime.date(2026, 3, 31))) is None


def test_the_cooperative_is_protected_at_11(fixed, protect_calls):
    result = publication_build(scope=Scope(*MARCH), requests=[Request(FIXED, "gender")])
    assert protect_calls == [{"keys": ["fixed:gender:"], "threshold": 11, "previous": None}]
    table = result.tables["fixed:gender:"]
    assert table.cell("non_binary", TOTAL).hidden
    assert result.published is None


def test_a_programme_is_protected_at_its_threshold(fixed, protect_calls):
    programme = ProgrammeFactory(disclosure_threshold=5)
    scope = Scope(*MARCH, programme=programme)
    result = publication_build(scope=scope, requests=[Request(FIXED, "gender")])
    assert protect_calls[0]["threshold"] == 5
    assert result.threshold == 5


def test_the_previous_months_published_tables_are_given(fixed, protect_calls):
    programme = ProgrammeFactory()
    february = _protected(Scope(*FEBRUARY, programme=programme))
    snapshot = _published(programme, FEBRUARY, february)
    # Not a published one, nor an old version.
    _published(programme, FEBRUARY, february, building=True, is_current=False, version=2)
    result = publication_build(
        scope=Scope(*MARCH, programme=programme), requests=[Request(FIXED, "gender")]
    )
    given = protect_calls[0]["previous"]
    assert set(given) == {"fixed:gender:"}
    assert given["fixed:gender:"].mask == february["fixed:gender:"].mask
    assert result.previous_snapshot == snapshot


@pytest.mark.parametrize(
    "scope_of",
    [
        # A territory: snapshots are of whole programmes.
        lambda p: Scope(*MARCH, programme=p, department="93"),
        # Not a calendar month.
        lambda p: Scope(datetime.date(2026, 3, 1), datetime.date(2026, 4, 30), programme=p),
    ],
)
def test_no_previous_tables_outside_a_programmes_month(fixed, protect_calls, scope_of):
    programme = ProgrammeFactory()
    _published(programme, FEBRUARY, _protected(Scope(*FEBRUARY, programme=programme)))
    publication_build(scope=scope_of(programme), requests=[Request(FIXED, "gender")])
    assert protect_calls[0]["previous"] is None


def test_a_published_period_is_shown_as_published(
    fixed, protect_calls, django_assert_num_queries, monkeypatch
):
    programme = ProgrammeFactory()
    march = _protected(Scope(*MARCH, programme=programme))
    snapshot = _published(programme, MARCH, march)
    monkeypatch.setitem(COUNTS, "woman", 31)  # a late entry since
    # One query: the snapshots; nothing is recomputed.
    with django_assert_num_queries(1):
        result = publication_build(
            scope=Scope(*MARCH, programme=programme), requests=[Request(FIXED, "gender")]
        )
    assert protect_calls == []
    assert result.published == snapshot
    assert result.tables["fixed:gender:"].cell("woman", TOTAL).value == 30


def test_a_published_period_without_the_table_is_computed(fixed, protect_calls):
    programme = ProgrammeFactory()
    _published(programme, MARCH, {})
    result = publication_build(
        scope=Scope(*MARCH, programme=programme), requests=[Request(FIXED, "gender")]
    )
    assert len(protect_calls) == 1
    assert result.published is None


def test_snapshot_data_round_trip(fixed):
    tables = _protected(Scope(*MARCH))
    snapshot = SnapshotFactory(data=snapshot_data(tables), period_kind=PeriodKind.MONTH)
    snapshot.refresh_from_db()
    again = snapshot_tables(snapshot)
    assert again["fixed:gender:"].cells == tables["fixed:gender:"].cells
    # Hidden values are never stored.
    stored = snapshot.data["tables"]["fixed:gender:"]
    assert "3" not in {value for _r, _c, value, _reason in stored["cells"]}


def test_breakdown_labels():
    assert dimension_label("gender") == "Genre"
    assert dimension_label("department") == "Département"
    assert dimension_label("no_such_breakdown") == "no_such_breakdown"
    assert dimension_label(None) == ""


def test_a_breakdown_the_indicator_does_not_offer_is_refused(fixed):
    with pytest.raises(ValueError, match="cannot be split"):
        publication_build(scope=Scope(*MARCH), requests=[Request(FIXED, "department")])
