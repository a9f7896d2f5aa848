"""Measure the indicator computation for one programme-year on a large data set: a few
representative tables through the real code path (`Indicator.table`: several GROUP BY
queries, margins included) against the same figures written by hand as one raw SQL
query (GROUPING SETS on PostgreSQL, UNION ALL on SQLite), then the whole publication
of the year and of its last month (`publication_compute`: every table of the
programme's catalogue, then disclosure control), with its peak memory.

    export DEBUG=1 DATABASE_URL=sqlite:////tmp/bench.sqlite3   # or a PostgreSQL URL
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed --size large
    .venv/bin/python bench/research.py [--runs 5] [--year 2025] [--programme NAME]

It only reads. Each hand-written query must give the very figures of the indicator
(values, people, the largest contributor's share): a difference is printed and the
script exits with status 1.
"""

import argparse
import datetime
import os
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from activities.enums import SessionStatus  # noqa: E402
from activities.models import Session  # noqa: E402
from coop.models import Programme  # noqa: E402
from members.enums import ConsentScope, Stage  # noqa: E402
from peer_support.enums import ConsentScope as PeerConsentScope  # noqa: E402
from peer_support.models import FollowUp  # noqa: E402
from research.indicators import REGISTRY, TOTAL, Cell, Scope, Table  # noqa: E402
from research.indicators.activity import PREVENTION_KINDS  # noqa: E402
from research.models import ProgrammeMember  # noqa: E402
from research.services import snapshots  # noqa: E402

SETUP_HINT = (
    "The database holds no programme with activity. Fill it first, for instance:\n"
    "  DEBUG=1 DATABASE_URL={url} .venv/bin/python manage.py migrate\n"
    "  DEBUG=1 DATABASE_URL={url} .venv/bin/python manage.py seed --size large\n"
    "then run this benchmark again."
)
SLOWEST_SHOWN = 5


# --- Measuring --------------------------------------------------------------------------


def measure(work: Callable[[], object], runs: int) -> tuple[float, float, int, object]:
    """One run counting the queries, then `runs` timed runs: (median wall-clock ms,
    median CPU ms of this process, queries, the first run's result). On SQLite the
    database's work is inside this process; on PostgreSQL it is not."""
    with CaptureQueriesContext(connection) as queries:
        result = work()
    timings, cpu = [], []
    for _run in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(timings) * 1000, statistics.median(cpu) * 1000, len(queries), result


# --- The same figures, by hand ----------------------------------------------------------
# Each source selects one row per record in the scope: `person` (who the cell counts or
# whose contribution it sums), `r` and `c` (the row and column categories, absent when
# the table is not split that way) and, for a sum, `v`. The grouping around it is the
# same for every indicator: people or sums, per cell and per margin, in one statement.


def _consent(member_column: str) -> str:
    """The research consent in force of the member in `member_column`."""
    return (
        "EXISTS (SELECT 1 FROM members_consent co WHERE co.member_id = "  # noqa: S608
        f"{member_column} AND co.scope = %(research)s AND co.withdrawn_on IS NULL)"
    )


def _placeholders(prefix: str, values) -> tuple[str, dict]:
    """`IN (...)` placeholders for a list of values (psycopg 3 does not expand tuples)."""
    params = {f"{prefix}{index}": value for index, value in enumerate(values)}
    return ", ".join(f"%({name})s" for name in params), params


def entrepreneurs_active_by_stage() -> tuple[str, dict]:
    stages, params = _placeholders("stage", [Stage.CAPE, Stage.CESA, Stage.ASSOCIATE])
    sql = f"""
        SELECT mb.id AS person,
               (SELECT ps.stage FROM members_pathstep ps
                 WHERE ps.member_id = mb.id AND ps."on" <= %(end)s AND ps.stage IN ({stages})
                 ORDER BY ps."on" DESC, ps.id DESC LIMIT 1) AS r
          FROM members_member mb
         WHERE (EXISTS (SELECT 1 FROM members_contract ct
                         WHERE ct.member_id = mb.id AND ct.start_date <= %(end)s
                           AND (ct.end_date IS NULL OR ct.end_date >= %(start)s))
                OR (EXISTS (SELECT 1 FROM members_pathstep ps
                             WHERE ps.member_id = mb.id AND ps."on" <= %(end)s
                               AND ps.stage = %(associate)s)
                    AND (mb.exited_on IS NULL OR mb.exited_on >= %(start)s)))
           AND {_consent("mb.id")}
           AND EXISTS (SELECT 1 FROM research_programmemember pm
                        WHERE pm.member_id = mb.id AND pm.programme_id = %(programme)s
                          AND pm.joined_on <= %(end)s
                          AND (pm.left_on IS NULL OR pm.left_on >= %(start)s))
    """  # noqa: S608
    return sql, params | {"associate": Stage.ASSOCIATE}


def hours_delivered_by_activity_and_gender() -> tuple[str, dict]:
    sql = f"""
        SELECT s.entrepreneur_id AS person, m.kind AS r, mb.gender AS c,
               s.duration_minutes AS v
          FROM activities_session s
          JOIN activities_mission m ON m.id = s.mission_id
          JOIN members_member mb ON mb.id = s.entrepreneur_id
         WHERE s.status = %(validated)s AND s.date >= %(start)s AND s.date <= %(end)s
           AND m.programme_id = %(programme)s
           AND {_consent("s.entrepreneur_id")}
    """  # noqa: S608
    return sql, {}


def people_reached_by_audience() -> tuple[str, dict]:
    kinds, params = _placeholders("kind", PREVENTION_KINDS)
    sql = f"""
        SELECT s.entrepreneur_id AS person, a.kind AS r, a.count AS v
          FROM activities_sessionaudience a
          JOIN activities_session s ON s.id = a.session_id
          JOIN activities_mission m ON m.id = s.mission_id
         WHERE s.status = %(validated)s AND s.date >= %(start)s AND s.date <= %(end)s
           AND m.programme_id = %(programme)s AND m.kind IN ({kinds})
           AND {_consent("s.entrepreneur_id")}
    """  # noqa: S608
    return sql, params


def people_accompanied_by_gender_and_age_band() -> tuple[str, dict]:
    sql = """
        SELECT f.id AS person, f.gender AS r, f.esf_age_band AS c
          FROM peer_support_followup f
         WHERE f.programme_id = %(programme)s
           AND f.opened_on <= %(end)s AND (f.closed_on IS NULL OR f.closed_on >= %(start)s)
           AND EXISTS (SELECT 1 FROM peer_support_consent pc
                        WHERE pc.followup_id = f.id AND pc.scope = %(peer_research)s
                          AND pc.withdrawn_on IS NULL)
    """
    return sql, {}


def _grouping_sets(split: tuple[bool, bool]) -> list[tuple[bool, bool]]:
    """The (by row, by column) groupings of a table: its cells, then its margins."""
    by_row, by_col = split
    sets = [(by_row, by_col)]
    if by_row and by_col:
        sets += [(True, False), (False, True)]
    if by_row or by_col:
        sets.append((False, False))
    return sets


def _columns(by_row: bool, by_col: bool) -> list[str]:
    return [name for name, keep in (("r", by_row), ("c", by_col)) if keep]


def one_query(source: str, *, measure: str, split: tuple[bool, bool]) -> str:
    """The one statement that gives every cell and margin of a table from its source:
    on PostgreSQL a GROUP BY GROUPING SETS (read once); elsewhere a UNION ALL of one
    GROUP BY per grouping. Its rows: (r, c, row is a margin, column is a margin, value,
    people, largest contribution, sum of the contributions in either direction)."""
    sets = _grouping_sets(split)
    keys = _columns(*split)
    if connection.vendor == "postgresql":
        group_sets = ", ".join(
            "(" + ", ".join(_columns(*grouping) + (["person"] if measure == "sum" else [])) + ")"
            for grouping in sets
        )
        selected = ", ".join(k if k in keys else f"NULL AS {k}" for k in ("r", "c"))
        flags = ", ".join(f"{f'GROUPING({k})' if k in keys else '1'} AS g{k}" for k in ("r", "c"))
        if measure == "people":
            return (
                f"WITH source AS ({source}) "  # noqa: S608
                f"SELECT {selected}, {flags}, COUNT(DISTINCT person), COUNT(DISTINCT person),"
                f" NULL, NULL FROM source GROUP BY GROUPING SETS ({group_sets})"
            )
        return (
            f"WITH source AS ({source}), per_person AS ("  # noqa: S608
            f" SELECT {selected}, {flags}, person, SUM(v) AS v"
            f" FROM source GROUP BY GROUPING SETS ({group_sets}))"
            " SELECT r, c, gr, gc, SUM(v), COUNT(*), MAX(ABS(v)), SUM(ABS(v)) FROM per_person"
            " WHERE v <> 0 GROUP BY r, c, gr, gc"
        )
    parts = []
    for by_row, by_col in sets:
        names = _columns(by_row, by_col)
        selected = ", ".join(
            [k if k in names else "NULL" for k in ("r", "c")]
            + [str(int(not by_row)), str(int(not by_col))]
        )
        group = f" GROUP BY {', '.join(names)}" if names else ""
        per_person = ", ".join([*names, "person"])
        if measure == "people":
            people = "COUNT(DISTINCT person)"
            parts.append(
                f"SELECT {selected}, {people}, {people}, NULL, NULL"  # noqa: S608
                f" FROM source{group}"
            )
        else:
            parts.append(
                f"SELECT {selected}, SUM(v), COUNT(*), MAX(ABS(v)), SUM(ABS(v))"  # noqa: S608
                f" FROM (SELECT {per_person}, SUM(v) AS v FROM source GROUP BY {per_person})"
                f" WHERE v <> 0{group}"
            )
    return f"WITH source AS ({source}) " + " UNION ALL ".join(parts)  # noqa: S608


def _key(value) -> str:
    return "" if value is None else str(value)


def _hours(minutes: Decimal) -> Decimal:
    return (minutes / 60).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Spec:
    """A table measured both ways: the indicator's code and breakdown, its hand-written
    source, and how its raw sums become the indicator's values (minutes → hours)."""

    code: str
    rows: str
    cols: str | None
    source: Callable[[], tuple[str, dict]]
    measure: str  # "people" or "sum"
    scale: Callable[[Decimal], Decimal] | None = None

    @property
    def label(self) -> str:
        split = self.rows if self.cols is None else f"{self.rows} × {self.cols}"
        return f"{self.code} by {split}"


SPECS = (
    Spec("entrepreneurs_active", "stage", None, entrepreneurs_active_by_stage, "people"),
    Spec(
        "hours_delivered",
        "activity",
        "gender",
        hours_delivered_by_activity_and_gender,
        "sum",
        scale=_hours,
    ),
    Spec("people_reached", "audience", None, people_reached_by_audience, "sum"),
    Spec(
        "people_accompanied",
        "gender",
        "age_band",
        people_accompanied_by_gender_and_age_band,
        "people",
    ),
)


def raw_cells(spec: Spec, scope: Scope) -> Callable[[], dict[tuple[str, str], Cell]]:
    source, extra = spec.source()
    sql = one_query(source, measure=spec.measure, split=(True, spec.cols is not None))
    params = {
        "start": scope.start,
        "end": scope.end,
        "programme": scope.programme.pk,
        "research": ConsentScope.RESEARCH,
        "peer_research": PeerConsentScope.RESEARCH,
        "validated": SessionStatus.VALIDATED,
        **extra,
    }
    # Only the parameters the statement names (psycopg refuses unused ones).
    params = {name: value for name, value in params.items() if f"%({name})s" in sql}

    def work():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        cells = {}
        for r, c, row_margin, col_margin, value, people, top, gross in rows:
            if value is None:
                continue
            key = (TOTAL if row_margin else _key(r), TOTAL if col_margin else _key(c))
            if spec.measure == "people":
                cells[key] = Cell(value=Decimal(value), people=people)
                continue
            total = Decimal(str(value)).quantize(Decimal(1))
            gross = Decimal(str(gross))
            share = (Decimal(str(top)) / gross).quantize(Decimal("0.0001")) if gross else None
            cells[key] = Cell(
                value=spec.scale(total) if spec.scale else total, people=people, top_share=share
            )
        return cells

    return work


def differences(table: Table, raw: dict[tuple[str, str], Cell]) -> list[str]:
    """Where the indicator's table and the hand-written query disagree (a cell the
    query did not return is a zero)."""
    empty = Cell(value=Decimal(0), people=0, top_share=None)
    found = []
    for key in sorted(set(table.cells) | set(raw)):
        ours, theirs = table.cells.get(key), raw.get(key, empty)
        if ours is None:
            found.append(f"{key}: only in the raw query ({theirs})")
        elif (ours.value, ours.people, ours.top_share) != (
            theirs.value,
            theirs.people,
            theirs.top_share,
        ):
            found.append(f"{key}: indicator {ours} ≠ raw {theirs}")
    return found


# --- The whole publication --------------------------------------------------------------


def publication_row(label: str, programme: Programme, start, end, runs: int) -> None:
    """The whole computation of a snapshot's figures (every table, then disclosure
    control), timed; then once more under tracemalloc for its peak memory."""
    spent = {"protect": []}
    protect = snapshots.disclosure.protect

    def timed_protect(*args, **kwargs):
        started = time.perf_counter()
        try:
            return protect(*args, **kwargs)
        finally:
            spent["protect"].append(time.perf_counter() - started)

    previous = None
    if snapshots.period_kind_of(start, end) == "month":
        previous = snapshots.previous_published(programme, start)
    snapshots.disclosure.protect = timed_protect
    try:
        median, cpu, queries, data = measure(
            lambda: snapshots.publication_compute(programme, start, end, previous=previous),
            runs,
        )
    finally:
        snapshots.disclosure.protect = protect
    disclosure_ms = statistics.median(spent["protect"]) * 1000
    tracemalloc.start()
    snapshots.publication_compute(programme, start, end, previous=previous)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<44} {median:>9.0f} ms {cpu:>9.0f} ms {queries:>8}"
        f"   {len(data['tables'])} tables; disclosure control {disclosure_ms:.0f} ms;"
        f" peak Python memory {peak / 2**20:.1f} MB"
    )


def slowest_tables(programme: Programme, start, end) -> list[tuple[float, int, str]]:
    """Each table of the publication timed alone (one run): the slowest first."""
    scope = Scope(start=start, end=end, programme=programme)
    timed = []
    for code, rows in snapshots.table_specs(programme, snapshots.period_kind_of(start, end)):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            REGISTRY[code].table(scope, rows)
            elapsed = time.perf_counter() - started
        timed.append((elapsed * 1000, len(queries), f"{code} by {rows}" if rows else code))
    return sorted(timed, reverse=True)


# --- Which programme --------------------------------------------------------------------


def busiest_programme(start, end, name: str | None) -> tuple[Programme | None, int]:
    """The programme with the most validated sessions in the year (or the one named),
    and that number."""
    sessions = Session.objects.filter(
        status=SessionStatus.VALIDATED, date__gte=start, date__lte=end
    ).exclude(mission__programme=None)
    if name:
        sessions = sessions.filter(mission__programme__name__icontains=name)
    busiest = (
        sessions.values("mission__programme")
        .annotate(n=Count("pk"))
        .order_by("-n", "mission__programme")
        .first()
    )
    if busiest is None:
        return None, 0
    return Programme.objects.get(pk=busiest["mission__programme"]), busiest["n"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per table (median)")
    parser.add_argument(
        "--publication-runs", type=int, default=1, help="timed runs of each whole publication"
    )
    parser.add_argument("--year", type=int, help="the programme-year (default: last year)")
    parser.add_argument("--programme", help="part of a programme's name (default: the busiest)")
    args = parser.parse_args(argv)

    # With DEBUG, Django logs every query (on SQLite it even asks the database to quote
    # the parameters): that would weigh on the many queries of the indicators, not on
    # the one raw query. Queries are counted with CaptureQueriesContext instead.
    settings.DEBUG = False
    year = args.year or timezone.localdate().year - 1
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    programme, validated = busiest_programme(start, end, args.programme)
    if programme is None:
        url = os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3")
        print(SETUP_HINT.format(url=url), file=sys.stderr)
        return 2
    scope = Scope(start=start, end=end, programme=programme)
    members = ProgrammeMember.objects.between(start, end).filter(programme=programme)
    followups = FollowUp.objects.filter(programme=programme).accompanied_between(start, end)
    sessions = Session.objects.filter(mission__programme=programme, date__range=(start, end))
    print(
        f"{connection.vendor}, programme « {programme.name} », {year}: "
        f"{members.count():,} members covered, {sessions.count():,} sessions "
        f"({validated:,} validated), {followups.count():,} follow-ups running; "
        f"median of {args.runs} runs"
    )
    print()
    header = (
        f"{'table':<44} {'indicator':>12} {'cpu':>12} {'queries':>8}"
        f" {'one query':>12} {'cpu':>12} {'ratio':>6} {'cpu':>6}  same"
    )
    print(header)
    print("-" * len(header))
    failed = False
    for spec in SPECS:
        if spec.code not in REGISTRY:
            print(f"{spec.label:<44} not registered yet: skipped")
            continue
        indicator = REGISTRY[spec.code]
        median, cpu, queries, table = measure(
            lambda indicator=indicator, spec=spec: indicator.table(scope, spec.rows, spec.cols),
            args.runs,
        )
        raw_median, raw_cpu, _one, raw = measure(raw_cells(spec, scope), args.runs)
        found = differences(table, raw)
        failed = failed or bool(found)
        print(
            f"{spec.label:<44} {median:>9.1f} ms {cpu:>9.1f} ms {queries:>8}"
            f" {raw_median:>9.1f} ms {raw_cpu:>9.1f} ms {median / raw_median:>6.1f}"
            f" {cpu / raw_cpu if raw_cpu else float('nan'):>6.1f}"
            f"  {'yes' if not found else 'NO'}"
        )
        for line in found[:10]:
            print(f"    {line}")

    print()
    header = f"{'whole publication':<44} {'median':>12} {'cpu':>12} {'queries':>8}"
    print(header)
    print("-" * len(header))
    month_start, month_end = snapshots.month_bounds(year, 12)
    publication_row(f"year {year}", programme, start, end, args.publication_runs)
    publication_row(
        f"month {month_start:%Y-%m}", programme, month_start, month_end, args.publication_runs
    )
    print()
    print(f"slowest tables of the year ({SLOWEST_SHOWN} of them):")
    for elapsed, queries, label in slowest_tables(programme, start, end)[:SLOWEST_SHOWN]:
        print(f"  {label:<42} {elapsed:>9.0f} ms {queries:>8} queries")
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(f"peak resident memory of the process: {peak_rss:.0f} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
