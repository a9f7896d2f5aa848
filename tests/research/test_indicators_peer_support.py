"""Peer-support indicators on small worlds whose answers are known; the stock-flow
identity on generated data; the ESF+ age band kept on follow-ups."""

import datetime
import importlib
import random
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.enums import Gender
from peer_support import services
from peer_support.enums import (
    AgeBand,
    ArrivalRoute,
    EsfAgeBand,
    GoalKind,
    GoalStatus,
    MeetingMode,
    Outcome,
    WorkshopKind,
)
from peer_support.models import FollowUp, WorkshopAttendance
from research.indicators import REGISTRY, SECTIONS, TOTAL, Scope
from research.indicators.base import Measure, Relation, Unit, table_key
from research.indicators.dimensions import EsfAgeBand as ResearchEsfAgeBand
from research.indicators.peer_support import DaysBetween, months_of
from tests.members.factories import ProgrammeFactory
from tests.peer_support.factories import (
    FollowUpFactory,
    GoalFactory,
    MeetingFactory,
    PeerMediatorFactory,
    PeerWorkshopFactory,
    days_ago,
    lead_user,
)

pytestmark = pytest.mark.django_db

D = datetime.date
MARCH = Scope(D(2025, 3, 1), D(2025, 3, 31))
FIRST_QUARTER = Scope(D(2025, 1, 1), D(2025, 3, 31))


@pytest.fixture
def mediator():
    return PeerMediatorFactory()


def person(mediator, opened_on, closed_on=None, *, outcome=Outcome.GOALS_REACHED, **fields):
    """A follow-up with research consent, opened (and closed) on these days."""
    if closed_on is not None:
        fields.update(closed_on=closed_on, outcome=outcome)
    return FollowUpFactory(mediator=mediator, opened_on=opened_on, **fields)


def value(table, row=TOTAL, col=TOTAL):
    return table.cell(row, col).value


def table(code, scope, rows=None, cols=None):
    return REGISTRY[code].table(scope, rows, cols)


# --- The catalogue ------------------------------------------------------------------------

CODES = (
    "people_accompanied",
    "followups_opened",
    "followups_closed",
    "meetings",
    "goals_reached",
    "followup_length",
    "workshop_participants",
)


def test_every_indicator_is_registered_in_the_peer_support_section():
    for code in CODES:
        indicator = REGISTRY[code]
        assert indicator.section == "peer_support" in SECTIONS
        assert str(indicator.label) and str(indicator.definition)
        assert indicator.unit in Unit.values
        assert indicator.measure in Measure.values
        assert indicator.respects_research_consent


def test_every_indicator_answers_every_breakdown_on_an_empty_world():
    for code in CODES:
        indicator = REGISTRY[code]
        splits = [None, *indicator.dimensions]
        for rows in splits:
            for cols in splits:
                if rows is not None and rows == cols:
                    continue
                result = indicator.table(MARCH, rows, cols)
                assert value(result) == 0


def test_a_table_is_not_split_twice_by_the_same_breakdown():
    for code, split in (("people_accompanied", "month"), ("meetings", "meeting_mode")):
        with pytest.raises(ValueError, match="split twice"):
            table(code, MARCH, split, split)


# --- People accompanied, opened, closed ---------------------------------------------------


def test_people_accompanied_are_those_running_on_one_day_of_the_period(mediator):
    person(mediator, D(2025, 1, 6))  # still open
    person(mediator, D(2025, 2, 3), D(2025, 3, 10))  # ends in March
    person(mediator, D(2025, 3, 20))  # starts in March
    person(mediator, D(2025, 3, 31), D(2025, 3, 31))  # one day, the last
    person(mediator, D(2025, 1, 6), D(2025, 2, 28))  # ended before
    person(mediator, D(2025, 4, 1))  # starts after
    person(mediator, D(2025, 1, 6), research_consent=False)  # no research consent
    # An erased follow-up whose research consent stands: its anonymous shell counts.
    FollowUpFactory(
        mediator=mediator, erased=True, opened_on=D(2025, 1, 6), closed_on=D(2025, 4, 2)
    )
    assert value(table("people_accompanied", MARCH)) == 5


def test_people_accompanied_split_by_what_the_record_keeps(mediator):
    person(mediator, D(2025, 1, 6), birth_year=2000, gender=Gender.MAN, postcode="75011")
    person(mediator, D(2025, 2, 6), birth_year=1990, department="75")
    person(
        mediator,
        D(2025, 3, 6),
        birth_year=1960,
        department="",
        arrival_route=ArrivalRoute.PEER,
    )
    by_age = table("people_accompanied", MARCH, "age_band")
    assert [key for key, _label in by_age.rows] == ["18_29", "30_54", "55_plus", TOTAL]
    assert value(by_age, "18_29") == value(by_age, "55_plus") == 1
    by_gender = table("people_accompanied", MARCH, "gender")
    assert value(by_gender, Gender.WOMAN) == 2
    assert value(by_gender, Gender.MAN) == 1
    by_department = table("people_accompanied", MARCH, "department")
    # The factory's department stays 93 for the first (it does not derive it).
    assert {key: cell.people for (key, _c), cell in by_department.cells.items()} == {
        "93": 1,
        "75": 1,
        "": 1,
        TOTAL: 3,
    }
    by_route = table("people_accompanied", MARCH, "arrival_route", "gender")
    assert value(by_route, ArrivalRoute.ADDICTION_CARE, Gender.WOMAN) == 1
    assert value(by_route, ArrivalRoute.PEER, TOTAL) == 1
    assert value(by_route, TOTAL, Gender.MAN) == 1
    assert value(by_route) == 3


def test_people_accompanied_by_month_count_each_month_a_person_was_followed(mediator):
    person(mediator, D(2024, 12, 1), D(2025, 1, 1), gender=Gender.MAN)  # January only
    person(mediator, D(2025, 1, 31), D(2025, 2, 1))  # January and February
    person(mediator, D(2025, 3, 1), gender=Gender.MAN)  # March
    by_month = table("people_accompanied", FIRST_QUARTER, "month")
    assert [key for key, _label in by_month.rows] == ["2025-01", "2025-02", "2025-03", TOTAL]
    assert by_month.rows[0][1] == "janvier 2025"
    assert [value(by_month, key) for key in ("2025-01", "2025-02", "2025-03", TOTAL)] == [
        2,
        1,
        1,
        3,
    ]
    by_gender_and_month = table("people_accompanied", FIRST_QUARTER, "gender", "month")
    assert value(by_gender_and_month, Gender.MAN, "2025-01") == 1
    assert value(by_gender_and_month, Gender.MAN, "2025-02") == 0
    assert value(by_gender_and_month, Gender.MAN, TOTAL) == 2
    assert value(by_gender_and_month, TOTAL, "2025-01") == 2
    # Month as columns and as rows give the same cells, transposed.
    by_month_and_gender = table("people_accompanied", FIRST_QUARTER, "month", "gender")
    assert {(c, r): cell.people for (r, c), cell in by_month_and_gender.cells.items()} == {
        key: cell.people for key, cell in by_gender_and_month.cells.items()
    }


def test_a_month_within_a_shorter_period_counts_only_its_days_in_the_period(mediator):
    person(mediator, D(2025, 3, 1), D(2025, 3, 10))
    person(mediator, D(2025, 3, 20))
    fortnight = Scope(D(2025, 3, 15), D(2025, 3, 31))
    assert months_of(fortnight) == [("2025-03", D(2025, 3, 15), D(2025, 3, 31))]
    assert value(table("people_accompanied", fortnight, "month"), "2025-03") == 1


def test_opened_and_closed_by_month_and_outcome(mediator):
    person(mediator, D(2024, 11, 4), D(2025, 1, 20), outcome=Outcome.RELAY)
    person(mediator, D(2025, 1, 8), D(2025, 3, 2), outcome=Outcome.LOST_CONTACT)
    person(mediator, D(2025, 2, 8), D(2025, 3, 9), outcome=Outcome.LOST_CONTACT)
    person(mediator, D(2025, 3, 12))
    opened = table("followups_opened", FIRST_QUARTER, "month")
    assert [value(opened, m) for m, _l in opened.rows] == [1, 1, 1, 3]
    closed = table("followups_closed", FIRST_QUARTER, "outcome", "month")
    assert value(closed, Outcome.LOST_CONTACT, "2025-03") == 2
    assert value(closed, Outcome.RELAY, "2025-01") == 1
    assert value(closed, Outcome.RELAY, "2025-02") == 0
    assert value(closed) == 3
    assert [key for key, _label in closed.rows] == [Outcome.RELAY, Outcome.LOST_CONTACT, TOTAL]


def test_a_withdrawn_research_consent_removes_the_person(mediator):
    kept = person(mediator, D(2025, 1, 6))
    leaving = person(mediator, D(2025, 1, 6), D(2025, 3, 5))
    MeetingFactory(followup=kept, date=D(2025, 3, 3))
    MeetingFactory(followup=leaving, date=D(2025, 3, 3))
    assert value(table("people_accompanied", MARCH)) == 2
    services.research_consent_withdraw(actor=mediator.user, followup=leaving, on=D(2025, 4, 1))
    assert value(table("people_accompanied", MARCH)) == 1
    assert value(table("followups_closed", MARCH)) == 0
    assert value(table("meetings", MARCH)) == 1
    assert value(table("followup_length", MARCH)) == 0


def test_programme_and_department_narrow_the_scope(mediator):
    programme, other = ProgrammeFactory(), ProgrammeFactory()
    person(mediator, D(2025, 1, 6), programme=programme, department="93")
    person(mediator, D(2025, 1, 6), programme=programme, department="75")
    person(mediator, D(2025, 1, 6), programme=other, department="93")
    person(mediator, D(2025, 1, 6), department="93")
    in_programme = Scope(MARCH.start, MARCH.end, programme=programme)
    in_93 = Scope(MARCH.start, MARCH.end, department="93")
    both = Scope(MARCH.start, MARCH.end, programme=programme, department="93")
    assert value(table("people_accompanied", MARCH)) == 4
    assert value(table("people_accompanied", in_programme)) == 2
    assert value(table("people_accompanied", in_93)) == 3
    assert value(table("people_accompanied", both)) == 1


# --- The stock-flow identity --------------------------------------------------------------


def _world(mediator, seed: int, size: int) -> None:
    """Follow-ups opened and closed at random days of 2025 (some still open, some
    erased, some without research consent)."""
    draw = random.Random(seed)  # noqa: S311 (test data)
    for _i in range(size):
        opened = D(2025, 1, 1) + datetime.timedelta(days=draw.randrange(300))
        closed = None
        if draw.random() < 0.6:
            closed = opened + datetime.timedelta(days=draw.randrange(120))
            closed = closed if closed.year == 2025 else None
        person(
            mediator,
            opened,
            closed,
            gender=draw.choice([Gender.WOMAN, Gender.MAN, Gender.NON_BINARY]),
            birth_year=draw.choice([None, 1960, 1985, 2001]),
            department=draw.choice(["93", "75", ""]),
            arrival_route=draw.choice(ArrivalRoute.values),
            research_consent=draw.random() < 0.9,
        )


def _month(year: int, month: int) -> Scope:
    following = D(year + month // 12, month % 12 + 1, 1)
    return Scope(D(year, month, 1), following - datetime.timedelta(days=1))


def _tables(scope: Scope, rows, cols) -> dict:
    codes = ("people_accompanied", "followups_opened", "followups_closed")
    return {(t := table(code, scope, rows, cols)).key: t for code in codes}


def _evaluate(relation: Relation, current: dict, previous: dict) -> Decimal:
    total = Decimal(0)
    for (key, row, col), coefficient, is_previous in relation.terms:
        tables = previous if is_previous else current
        cell = tables[key].cells.get((row, col))
        total += coefficient * (cell.value if cell else 0)
    return total


@pytest.mark.parametrize(
    ("rows", "cols"),
    [(None, None), ("gender", None), ("age_band", "department"), ("arrival_route", None)],
)
def test_stock_flow_relations_hold_month_after_month(mediator, rows, cols):
    _world(mediator, seed=7, size=40)
    previous = _tables(_month(2025, 1), rows, cols)
    flows = 0
    for month in range(2, 13):
        current = _tables(_month(2025, month), rows, cols)
        accompanied = current[table_key("people_accompanied", rows, cols)]
        # One relation per cell, margins included.
        assert len(accompanied.relations) == len(accompanied.cells)
        for relation in accompanied.relations:
            assert _evaluate(relation, current, previous) == 0
        flows += value(current[table_key("followups_opened", rows, cols)])
        flows += value(current[table_key("followups_closed", rows, cols)])
        previous = current
    # The world moves: people come and go all year.
    assert flows > 30


def test_stock_flow_relations_name_the_tables_and_cells(mediator):
    person(mediator, D(2025, 3, 3))
    accompanied = table("people_accompanied", MARCH, "gender")
    relation = next(r for r in accompanied.relations if r.terms[0][0][1] == Gender.WOMAN)
    assert relation.terms == (
        (("people_accompanied:gender:", Gender.WOMAN, TOTAL), 1, False),
        (("people_accompanied:gender:", Gender.WOMAN, TOTAL), -1, True),
        (("followups_closed:gender:", Gender.WOMAN, TOTAL), 1, True),
        (("followups_opened:gender:", Gender.WOMAN, TOTAL), -1, False),
    )


def test_no_stock_flow_relation_along_months(mediator):
    person(mediator, D(2025, 3, 3))
    assert table("people_accompanied", MARCH, "month").relations == []
    assert table("people_accompanied", MARCH, "gender", "month").relations == []


# --- Meetings, goals, length, workshops ---------------------------------------------------


def test_meetings_are_summed_with_the_people_behind_them(mediator):
    first = person(mediator, D(2025, 1, 6))
    second = person(mediator, D(2025, 1, 6))
    for day in (3, 10, 17):
        MeetingFactory(followup=first, date=D(2025, 3, day))
    MeetingFactory(followup=second, date=D(2025, 3, 4), mode=MeetingMode.PHONE, is_group=True)
    MeetingFactory(followup=second, date=D(2025, 2, 4))
    MeetingFactory(followup=person(mediator, D(2025, 1, 6), research_consent=False))
    meetings = table("meetings", MARCH)
    assert value(meetings) == 4
    assert meetings.cell().people == 2
    assert meetings.cell().top_share == Decimal("0.75")
    by_mode = table("meetings", MARCH, "meeting_mode", "meeting_setting")
    assert value(by_mode, MeetingMode.PREMISES, "individual") == 3
    assert value(by_mode, MeetingMode.PHONE, "group") == 1
    assert value(by_mode, TOTAL, "group") == 1
    by_month = table("meetings", FIRST_QUARTER, "month")
    assert [value(by_month, m) for m, _l in by_month.rows] == [0, 1, 4, 5]


def test_goals_reached_count_people_once_each(mediator):
    first = person(mediator, D(2025, 1, 6))
    second = person(mediator, D(2025, 1, 6))
    for followup, kind in ((first, GoalKind.HOUSING), (first, GoalKind.HEALTH)):
        goal = GoalFactory(followup=followup, kind=kind)
        goal.progress.create(on=D(2025, 3, 12), status=GoalStatus.REACHED, recorded_by=goal.set_by)
    goal = GoalFactory(followup=second, kind=GoalKind.HOUSING)
    goal.progress.create(on=D(2025, 2, 12), status=GoalStatus.REACHED, recorded_by=goal.set_by)
    goal = GoalFactory(followup=second, kind=GoalKind.SOCIAL_LIFE)
    goal.progress.create(on=D(2025, 3, 2), status=GoalStatus.IN_PROGRESS, recorded_by=goal.set_by)
    reached = table("goals_reached", MARCH, "goal_kind")
    assert value(reached, GoalKind.HOUSING) == 1
    assert value(reached, GoalKind.HEALTH) == 1
    assert value(reached) == 1
    assert value(table("goals_reached", FIRST_QUARTER, "goal_kind"), GoalKind.HOUSING) == 2


def test_days_between_two_dates_in_the_database(mediator):
    person(mediator, D(2024, 2, 28), D(2024, 3, 1))
    days = FollowUp.objects.annotate(n=DaysBetween("opened_on", "closed_on")).get().n
    assert days == 2


def test_followup_length_is_the_median_in_months(mediator):
    # 31, 61 and 90 days, closed in March; one closed in February.
    person(mediator, D(2025, 2, 1), D(2025, 3, 4), outcome=Outcome.RELAY)
    person(mediator, D(2025, 1, 10), D(2025, 3, 12), outcome=Outcome.RELAY, gender=Gender.MAN)
    person(mediator, D(2024, 12, 25), D(2025, 3, 25), outcome=Outcome.MOVED)
    person(mediator, D(2024, 1, 10), D(2025, 2, 12))
    length = table("followup_length", MARCH, "outcome", "gender")
    assert value(length) == Decimal("2.0")  # 61 days
    assert length.cell().people == 3
    assert value(length, Outcome.RELAY, TOTAL) == Decimal("1.5")  # 46 days
    assert value(length, Outcome.MOVED, Gender.WOMAN) == Decimal("3.0")  # 90 days
    assert value(length, TOTAL, Gender.MAN) == Decimal("2.0")


def test_workshop_participants_are_accompanied_people_at_peer_workshops(mediator):
    first = person(mediator, D(2025, 1, 6))
    second = person(mediator, D(2025, 1, 6))
    outsider = person(mediator, D(2025, 1, 6), research_consent=False)
    february = PeerWorkshopFactory(date=D(2025, 2, 11), facilitators=[mediator])
    march = PeerWorkshopFactory(date=D(2025, 3, 11), facilitators=[mediator])
    awareness = PeerWorkshopFactory(
        date=D(2025, 3, 12), kind=WorkshopKind.CARE_TEAM_AWARENESS, facilitators=[mediator]
    )
    for workshop, followup in (
        (february, first),
        (march, first),
        (march, outsider),
        (awareness, second),
    ):
        WorkshopAttendance.objects.create(
            workshop=workshop, followup=followup, recorded_by=mediator.user
        )
    by_month = table("workshop_participants", FIRST_QUARTER, "month")
    assert [value(by_month, m) for m, _l in by_month.rows] == [0, 1, 1, 1]


# --- Query counts -------------------------------------------------------------------------

# Queries per table: one GROUP BY per grouping of the cells. A table split one way has
# its cells (the row margins) and the grand total; two ways add the row and column
# margins. People accompanied by month: one conditional count
# per grouping (each month a column of the same query), margins by the other split.
QUERY_CASES = [
    ("people_accompanied", None, None, 1),
    ("people_accompanied", "gender", None, 2),
    ("people_accompanied", "age_band", "department", 4),
    ("people_accompanied", "month", None, 1),
    ("people_accompanied", "gender", "month", 2),
    ("followups_opened", "month", "arrival_route", 4),
    ("followups_closed", "outcome", None, 2),
    ("meetings", "meeting_mode", "meeting_setting", 4),
    ("goals_reached", "goal_kind", None, 2),
    ("followup_length", "outcome", "gender", 4),
    ("workshop_participants", "month", None, 2),
]


def _grow(mediator, n: int) -> None:
    workshop = PeerWorkshopFactory(date=D(2025, 2, 11), facilitators=[mediator])
    for index in range(n):
        followup = person(
            mediator,
            D(2025, 1, 1 + index),
            D(2025, 3, 1 + index) if index % 2 else None,
            gender=Gender.MAN if index % 3 else Gender.WOMAN,
        )
        MeetingFactory(followup=followup, date=D(2025, 2, 1 + index))
        goal = GoalFactory(followup=followup)
        goal.progress.create(on=D(2025, 2, 1), status=GoalStatus.REACHED, recorded_by=goal.set_by)
        WorkshopAttendance.objects.create(
            workshop=workshop, followup=followup, recorded_by=mediator.user
        )


@pytest.mark.parametrize(("code", "rows", "cols", "queries"), QUERY_CASES)
def test_queries_do_not_grow_with_the_data(mediator, code, rows, cols, queries):
    counts = []
    for n in (2, 8):
        _grow(mediator, n)
        with CaptureQueriesContext(connection) as captured:
            table(code, FIRST_QUARTER, rows, cols)
        counts.append(len(captured))
    assert counts == [queries, queries]


# --- The ESF+ age band kept on follow-ups -------------------------------------------------


@pytest.mark.parametrize(
    ("birth_year", "band"),
    [
        (None, EsfAgeBand.UNKNOWN),
        (2008, EsfAgeBand.UNDER_18),
        (2007, EsfAgeBand.FROM_18_TO_29),
        (1996, EsfAgeBand.FROM_18_TO_29),
        (1995, EsfAgeBand.FROM_30_TO_54),
        (1971, EsfAgeBand.FROM_30_TO_54),
        (1970, EsfAgeBand.FROM_55),
    ],
)
def test_esf_age_band_of_a_year_of_birth(birth_year, band):
    assert EsfAgeBand.of(birth_year, 2025) == band


def test_research_reads_the_esf_bands_of_peer_support():
    assert ResearchEsfAgeBand is EsfAgeBand


def test_the_services_keep_the_esf_band_from_opening_to_erasure(mediator):
    followup = services.followup_open(
        actor=mediator.user,
        pseudonym="Karim",
        birth_year=1995,
        gender=Gender.MAN,
        commune="Saint-Denis",
        postcode="93200",
        arrival_route=ArrivalRoute.SELF,
        opened_on=days_ago(3),
        housing="supported",
        resource="aah",
        care_follow_up="mental_health",
        consent_given_on=days_ago(3),
        consent_explanation="Ce qui est noté, qui le lit, ses droits.",
    )
    assert followup.esf_age_band == EsfAgeBand.of(1995, days_ago(3).year)
    services.followup_update(actor=mediator.user, followup=followup, birth_year=1960)
    followup.refresh_from_db()
    assert followup.esf_age_band == EsfAgeBand.FROM_55
    services.followup_erase(actor=lead_user(), followup=followup)
    followup.refresh_from_db()
    assert followup.birth_year is None
    assert followup.esf_age_band == EsfAgeBand.FROM_55


def test_the_migration_fills_the_band_of_existing_follow_ups(mediator):
    expected = {}
    for birth_year in (2008, 2007, 1996, 1995, 1971, 1970, None):
        followup = person(mediator, D(2025, 6, 1), birth_year=birth_year)
        expected[followup.pk] = EsfAgeBand.of(birth_year, 2025)
    for age_band, band in (
        (AgeBand.FROM_18_TO_24, EsfAgeBand.FROM_18_TO_29),
        (AgeBand.FROM_25_TO_34, EsfAgeBand.UNKNOWN),  # 25 – 29 or 30 – 34
        (AgeBand.FROM_45_TO_54, EsfAgeBand.FROM_30_TO_54),
        (AgeBand.FROM_65, EsfAgeBand.FROM_55),
    ):
        erased = FollowUpFactory(mediator=mediator, erased=True, age_band=age_band)
        expected[erased.pk] = band
    FollowUp.objects.update(esf_age_band=EsfAgeBand.UNKNOWN)
    migration = importlib.import_module("peer_support.migrations.0003_esf_age_band")
    migration.fill_esf_age_band(apps, None)
    assert dict(FollowUp.objects.values_list("pk", "esf_age_band")) == expected
