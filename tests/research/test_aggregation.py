"""The aggregation helpers every indicator uses: grouped in the database, margins
included, on SQLite and PostgreSQL alike."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import F

from activities.models import Session
from research.indicators.base import TOTAL, median_cells, people_cells, sum_cells
from tests.activities.factories import MissionFactory, SessionFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _sessions():
    """Three entrepreneurs: A logs 60 + 120 minutes in 75, B 30 in 75, C 90 in 93."""
    a, b, c = (MemberFactory(path="cape") for _i in range(3))
    day = datetime.date(2026, 3, 2)
    for member, minutes, postcode in ((a, 60, "75011"), (a, 120, "75012"), (b, 30, "75001")):
        SessionFactory(
            mission=MissionFactory(entrepreneurs=[member]),
            entrepreneur=member,
            date=day,
            duration_minutes=minutes,
            postcode=postcode,
            department="75",
        )
    SessionFactory(
        mission=MissionFactory(entrepreneurs=[c]),
        entrepreneur=c,
        date=day,
        duration_minutes=90,
        postcode="93200",
        department="93",
    )
    return a, b, c


def test_people_cells_count_distinct_people_with_margins():
    _sessions()
    cells = people_cells(Session.objects.all(), person="entrepreneur", row="department")
    assert cells[("75", TOTAL)].people == 2
    assert cells[("93", TOTAL)].people == 1
    assert cells[(TOTAL, TOTAL)].people == 3


def test_sum_cells_know_contributors_and_the_largest_share():
    _sessions()
    cells = sum_cells(
        Session.objects.all(),
        person="entrepreneur",
        value=F("duration_minutes"),
        row="department",
    )
    assert cells[("75", TOTAL)].value == Decimal("210.00")
    assert cells[("75", TOTAL)].people == 2
    # A made 180 of the 210 minutes.
    assert cells[("75", TOTAL)].top_share == Decimal("0.8571")
    assert cells[(TOTAL, TOTAL)].value == Decimal("300.00")
    assert cells[(TOTAL, TOTAL)].people == 3


def test_median_cells_take_the_middle_value_per_cell():
    _sessions()
    cells = median_cells(
        Session.objects.all(), person="pk", value="duration_minutes", row="department"
    )
    assert cells[("75", TOTAL)].value == Decimal("60.0")  # 30, 60, 120
    assert cells[("93", TOTAL)].value == Decimal("90.0")
    assert cells[(TOTAL, TOTAL)].value == Decimal("75.0")  # 30, 60, 90, 120
    assert cells[(TOTAL, TOTAL)].people == 4
