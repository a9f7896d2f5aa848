"""bench/research.py on a small world: its hand-written queries (GROUPING SETS on
PostgreSQL, UNION ALL on SQLite) give the indicators' very figures, and the whole run
goes through. Keeps the benchmark in step with the indicators' definitions."""

import datetime
import importlib.util
from pathlib import Path

import pytest

from activities.enums import AudienceKind, MissionKind, SessionStatus
from members.enums import Gender
from tests.coop.factories import CooperativeProfileFactory
from tests.members.factories import ProgrammeFactory
from tests.research.factories_extracts import programme_followup
from tests.research.factories_indicators import covered, entrepreneur, mission, session

pytestmark = pytest.mark.django_db

BENCH = Path(__file__).resolve().parents[2] / "bench" / "research.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_research", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _world():
    """A programme of 2025 with entrepreneurs on their path (one who did not consent),
    prevention and mediation sessions, and follow-ups (one without research consent)."""
    CooperativeProfileFactory()
    # One indicator in its reports keeps the whole publication's part of the run short.
    programme = ProgrammeFactory(
        starts_on=datetime.date(2024, 1, 1), indicators=["people_accompanied"]
    )
    people = [
        entrepreneur("cesa", cape_on=datetime.date(2024, 3, 1), gender=Gender.WOMAN),
        entrepreneur("cape", cape_on=datetime.date(2025, 2, 1), gender=Gender.MAN),
        entrepreneur("cape", cape_on=datetime.date(2025, 4, 1), gender=Gender.WOMAN),
        entrepreneur("cape", cape_on=datetime.date(2025, 5, 1), consents=False),
    ]
    for index, member in enumerate(people):
        covered(member, programme)
        workshop = mission(member, programme=programme)
        mediation = mission(member, kind=MissionKind.PEER_MEDIATION, programme=programme)
        for month in range(1, 4 + index):
            session(
                workshop,
                date=datetime.date(2025, month, 10),
                minutes=60 + 30 * index,
                audiences={AudienceKind.PUPILS: 20 + month, AudienceKind.PROFESSIONALS: 2},
            )
            session(mediation, date=datetime.date(2025, month, 12), minutes=45)
        session(workshop, date=datetime.date(2025, 6, 1), status=SessionStatus.LOGGED)
    for month in range(1, 8):
        programme_followup(programme, opened_on=datetime.date(2025, month, 3))
    programme_followup(programme, research_consent=False)
    return programme


def test_the_hand_written_queries_give_the_indicators_figures(capsys):
    programme = _world()

    status = _bench().main(["--runs", "1", "--year", "2025", "--programme", programme.name])

    output = capsys.readouterr().out
    assert status == 0, output
    for label in (
        "entrepreneurs_active by stage",
        "hours_delivered by activity × gender",
        "people_reached by audience",
        "people_accompanied by gender × age_band",
    ):
        line = next(line for line in output.splitlines() if line.startswith(label))
        assert line.endswith("yes"), line
    assert "year 2025" in output and "month 2025-12" in output


def test_without_activity_it_says_how_to_fill_the_database(capsys):
    assert _bench().main(["--runs", "1", "--year", "2025"]) == 2
    assert "manage.py seed --size large" in capsys.readouterr().err
