"""Measure the funders' impact report: a year's report of a twelve-month programme, at
the breakdown sizes of a large network, against WeasyPrint rendering the same HTML
without its charts.

    export DEBUG=1 DATABASE_URL=sqlite:////tmp/bench.sqlite3   # or a PostgreSQL URL
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/reports.py [--runs 3] [--departments 96] [--snapshot ID]

A report is made from published snapshots only, never from the raw data: its cost
depends on how many tables, rows and months it prints, not on the number of sessions
behind them. So the benchmark writes its own programme: twelve monthly snapshots and the
year's, each with every indicator of the catalogue split by each of its breakdowns (the
departments of a national network, every category of the other breakdowns, the twelve
months for the year), protected by the real disclosure control, the month before's masks
kept. Everything it writes is rolled back at the end. `--snapshot ID` renders an
existing snapshot instead (one the cycle built on a seeded database).
"""

import argparse
import datetime
import io
import os
import random
import re
import resource
import statistics
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings")

import django  # noqa: E402

django.setup()

import weasyprint  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from coop.geo import DEPARTMENT_NAMES  # noqa: E402
from coop.models import Programme  # noqa: E402
from members.enums import Role  # noqa: E402
from members.models import User  # noqa: E402
from research import disclosure, reports  # noqa: E402
from research.enums import FunderKind, PeriodKind, SnapshotStatus  # noqa: E402
from research.indicators import REGISTRY, TOTAL, Cell, Measure  # noqa: E402
from research.indicators.base import Dimension, make_table  # noqa: E402
from research.models import Funder, Snapshot, Testimonial  # noqa: E402
from research.publication import _dimensions  # noqa: E402
from research.services.snapshots import month_bounds, table_specs  # noqa: E402

# Breakdowns whose categories come from the data: as many as a large network has.
OPEN_CATEGORIES = 12
# The share of categories with a handful of people (hidden, then protected).
SMALL_SHARE = 0.15
CHARTS = re.compile(r'<figure class="chart">.*?</figure>', re.DOTALL)


class _Rollback(Exception):
    pass


# --- Synthetic published figures -------------------------------------------------------------


def _categories(code: str, departments: int, year: int) -> tuple[Dimension, list[str]]:
    if code == "month":
        dimension = _dimensions()["month"]
        return dimension, [f"{year}-{m:02d}" for m in range(1, 13)]
    if code == "department":
        return _dimensions()["department"], sorted(DEPARTMENT_NAMES)[:departments]
    dimension = _dimensions().get(code) or Dimension(code, code)
    if dimension.choices:
        return dimension, [key for key, _label in dimension.choices]
    return dimension, [f"{code}-{n}" for n in range(1, OPEN_CATEGORIES + 1)]


def _cell(measure: str, rng: random.Random) -> Cell:
    people = rng.randint(1, 10) if rng.random() < SMALL_SHARE else rng.randint(11, 400)
    if measure == Measure.PEOPLE:
        return Cell(value=Decimal(people), people=people)
    if measure == Measure.SUM:
        value = Decimal(rng.randint(people * 100, people * 5000)) / 100
        return Cell(value=value, people=people, top_share=Decimal(rng.randint(2, 95)) / 100)
    return Cell(value=Decimal(rng.randint(50, 400)) / 10, people=people)


def _raw_table(code: str, dimension_code: str | None, departments: int, year: int, rng):
    indicator = REGISTRY[code]
    if dimension_code is None:
        whole = _cell(indicator.measure, rng)
        whole.people += 400
        if indicator.measure == Measure.PEOPLE:
            whole.value = Decimal(whole.people)
        return make_table(code, indicator.measure, {(TOTAL, TOTAL): whole})
    dimension, keys = _categories(dimension_code, departments, year)
    cells = {(key, TOTAL): _cell(indicator.measure, rng) for key in keys}
    people = sum(cell.people for cell in cells.values())
    value = (
        sum(cell.value for cell in cells.values())
        if indicator.measure in (Measure.PEOPLE, Measure.SUM)
        else Decimal(200) / 10
    )
    cells[(TOTAL, TOTAL)] = Cell(value=value, people=people, top_share=Decimal("0.02"))
    return make_table(code, indicator.measure, cells, rows=dimension)


def synthetic_data(programme, kind, year, departments, previous, rng) -> dict:
    """What `publication_compute` stores, for figures drawn at random (same layout)."""
    raw = [
        _raw_table(code, rows, departments, year, rng)
        for code, rows in table_specs(programme, kind)
    ]
    previous_tables = (
        {
            key: disclosure.ProtectedTable.from_dict(value)
            for key, value in previous.data["tables"].items()
        }
        if previous is not None
        else None
    )
    protected = disclosure.protect(raw, threshold=11, previous=previous_tables)
    return {
        "tables": {key: table.to_dict() for key, table in protected.items()},
        "indicators": list(dict.fromkeys(code for code, _rows in table_specs(programme, kind))),
        "threshold": 11,
        "previous": previous.pk if previous is not None else None,
    }


def make_programme(departments: int, rng) -> Snapshot:
    """A programme of last year, its twelve monthly snapshots and the year's."""
    year = timezone.localdate().year - 1
    coordinator = User.objects.filter(role=Role.COORDINATOR).first() or (
        User.objects.create_user("bench-reports@example.invalid", role=Role.COORDINATOR)
    )
    programme = Programme.objects.create(
        name=f"Banc d'essai des rapports {rng.randint(0, 10**9)}",
        funder="Fondation de banc d'essai",
        territory="France métropolitaine",
        starts_on=datetime.date(year, 1, 1),
        ends_on=datetime.date(year, 12, 31),
    )
    for n, kind in enumerate((FunderKind.HEALTH_AGENCY, FunderKind.EUROPEAN_FUND)):
        funder, _created = Funder.objects.get_or_create(
            name=f"Financeur de banc d'essai {n}", defaults={"kind": kind}
        )
        funder.programmes.add(programme)
    previous = None
    for month in range(1, 13):
        start, end = month_bounds(year, month)
        data = synthetic_data(programme, PeriodKind.MONTH, year, departments, previous, rng)
        previous = Snapshot.objects.create(
            programme=programme,
            period_kind=PeriodKind.MONTH,
            period_start=start,
            period_end=end,
            status=SnapshotStatus.SENT,
            data=data,
            computed_at=timezone.now(),
        )
    for n in range(reports.TESTIMONIALS_SHOWN):
        Testimonial.objects.create(
            programme=programme,
            text="Ici, on m'a fait confiance avant que je me fasse confiance moi-même. " * 3,
            changed_first_name=f"Prénom {n}",
            consent_given_on=datetime.date(year, 1, 1),
            consent_explanation="Banc d'essai.",
            chosen_by=coordinator,
            chosen_on=datetime.date(year, 6, 1),
        )
    return Snapshot.objects.create(
        programme=programme,
        period_kind=PeriodKind.YEAR,
        period_start=datetime.date(year, 1, 1),
        period_end=datetime.date(year, 12, 31),
        status=SnapshotStatus.READY,
        data=synthetic_data(programme, PeriodKind.YEAR, year, departments, None, rng),
        computed_at=timezone.now(),
    )


# --- Measures --------------------------------------------------------------------------------


def _max_rss_mb() -> float:
    # Linux gives kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(label: str, work, runs: int) -> tuple[float, float, object]:
    """Median wall-clock and CPU seconds over `runs`, then one run under tracemalloc for
    the peak of Python's allocations (Pango's and cairo's own memory is not traced:
    the process's peak resident size, printed at the end, includes it)."""
    timings, cpu, result = [], [], None
    for _run in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = work()
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    tracemalloc.start()
    try:
        work()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    wall, cpu_time = statistics.median(timings), statistics.median(cpu)
    print(f"{label:<46} {wall:>8.2f} s {cpu_time:>8.2f} s {peak / 2**20:>9.1f} MB")
    return wall, cpu_time, result


def run(snapshot: Snapshot, runs: int, out: Path | None = None) -> None:
    snapshot = Snapshot.objects.select_related("programme").get(pk=snapshot.pk)
    html = reports.report_html(snapshot)
    plain = CHARTS.sub("", html)
    tables = len(snapshot.data.get("tables", {}))
    charts = len(CHARTS.findall(html))
    print(
        f"{snapshot.programme.name}, {snapshot.period_start:%d/%m/%Y}–"
        f"{snapshot.period_end:%d/%m/%Y}: {tables} published tables, {charts} charts, "
        f"HTML {len(html) / 1024:.0f} KB ({len(plain) / 1024:.0f} KB without the charts)"
    )
    print(f"{'measure':<46} {'median':>10} {'cpu':>10} {'py peak':>12}")
    measure("HTML (figures, charts, template)", lambda: reports.report_html(snapshot), runs)
    whole, whole_cpu, pdf = measure(
        "report_pdf (HTML + tagged PDF/UA-1)", lambda: reports.report_pdf(snapshot), runs
    )
    tagged, tagged_cpu, _pdf = measure(
        "WeasyPrint, same HTML, tagged", lambda: reports.render_pdf(html), runs
    )
    bare, bare_cpu, _pdf = measure(
        "WeasyPrint, same HTML without charts, tagged", lambda: reports.render_pdf(plain), runs
    )
    untagged, untagged_cpu, _pdf = measure(
        "WeasyPrint, same HTML, untagged",
        lambda: weasyprint.HTML(string=html).write_pdf(),
        runs,
    )
    if out is not None:
        out.write_bytes(pdf)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    # Ratios of CPU times: on a busy machine the wall clock also waits for others.
    print(
        f"\n{pages} pages, {len(pdf) / 1024:.0f} KB. The whole report takes "
        f"{whole_cpu / bare_cpu:.2f}× the CPU time of WeasyPrint rendering the same pages "
        f"without charts (wall clock: {whole / bare:.2f}×); tagging costs "
        f"{tagged_cpu / untagged_cpu:.2f}× an untagged render (wall clock: "
        f"{tagged / untagged:.2f}×). Peak resident size of the process: "
        f"{_max_rss_mb():.0f} MB."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--departments", type=int, default=96)
    parser.add_argument("--snapshot", type=int, help="render this existing snapshot instead")
    parser.add_argument("--seed", type=int, default=2026, help="of the random figures")
    parser.add_argument("--out", type=Path, help="write the report there, to look at it")
    args = parser.parse_args()
    if args.snapshot:
        run(Snapshot.objects.get(pk=args.snapshot), args.runs, args.out)
        return
    rng = random.Random(args.seed)
    try:
        with transaction.atomic():
            started = time.perf_counter()
            snapshot = make_programme(args.departments, rng)
            print(
                f"Set-up: 13 snapshots protected and stored in "
                f"{time.perf_counter() - started:.1f} s (not part of the measure)."
            )
            run(snapshot, args.runs, args.out)
            raise _Rollback
    except _Rollback:
        pass


if __name__ == "__main__":
    main()
