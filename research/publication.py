"""A publication: the protected tables of one scope, as readers may see them.

The research page, the CSV download and (later) the funder reports all go through
`publication_build`: it computes the raw tables in the database, finds the figures
already published for the period before, and applies disclosure control
(`research.disclosure.protect`) with the programme's threshold. Raw tables never
leave this module.

Who reads what: coordinators and administrators may read the whole cooperative (no
programme; threshold 11, the default of a programme) or any programme; researchers
only the programmes of `Programme.objects.visible_to(user)`, with each programme's own
threshold (never below `disclosure.MINIMUM_THRESHOLD`).

Layout of `Snapshot.data` (written by the snapshot builder, read here)::

    {
        "tables": {
            "<Table.key>": ProtectedTable.to_dict(),   # e.g. "people_accompanied:gender:"
            ...
        },
        ...  # other keys (scope, notes) are the report's; this module reads "tables" only
    }

`snapshot_data(tables)` writes that layout and `snapshot_tables(snapshot)` reads it back.
A snapshot stores only published values and masks: a hidden value is never stored.

The previous period: the programme's current, published Snapshot of the month before a
scope that is a calendar month, so that no hidden cell can be rebuilt from last month's
figures and masks stay stable. A scope narrowed to a territory, another period or the
whole cooperative has no such snapshot (snapshots are of whole programmes):
`previous` is then None. A period already published is shown as published.
"""

import datetime
import importlib
from dataclasses import dataclass
from functools import cache

from django.db.models import Q

from members.perms import is_administrator, is_coordinator
from research import disclosure
from research.enums import PeriodKind
from research.indicators import REGISTRY, Indicator, Scope
from research.indicators.base import Dimension, table_key
from research.indicators.registry import MODULES

# Readers of the whole cooperative (no programme). A named rule, as in research.perms.
can_read_whole_cooperative = is_coordinator | is_administrator


@dataclass(frozen=True)
class Request:
    """One table asked for: an indicator and its breakdown (rows, then columns)."""

    indicator: Indicator
    rows: str | None = None
    cols: str | None = None


@dataclass
class Publication:
    """The protected tables of a scope, keyed by `Table.key`, in the order asked."""

    scope: Scope
    threshold: int
    tables: dict[str, disclosure.ProtectedTable]
    # The snapshot whose figures these are, when already published (None: computed now).
    published: object | None = None
    # The snapshot whose tables were taken as the previous month's (None: none).
    previous_snapshot: object | None = None

    def table(self, request: Request) -> disclosure.ProtectedTable:
        return self.tables[table_key_of(request)]


def table_key_of(request: Request) -> str:
    rows, cols = request.rows, request.cols
    if rows is None and cols is not None:
        rows, cols = cols, None
    return table_key(request.indicator.code, rows, cols)


def default_threshold() -> int:
    """The threshold of the whole cooperative: a programme's default (11)."""
    from coop.models import Programme

    return Programme._meta.get_field("disclosure_threshold").default


def threshold_for(programme) -> int:
    """The programme's threshold, never below the legal minimum; 11 without one."""
    threshold = programme.disclosure_threshold if programme is not None else default_threshold()
    return max(threshold, disclosure.MINIMUM_THRESHOLD)


def indicators_of(programme) -> list[Indicator]:
    """The indicators a programme reports on (all without a programme, or when its set
    is empty), in the order of the sections."""
    chosen = set(programme.indicators or []) if programme is not None else set()
    return [i for i in REGISTRY.values() if not chosen or i.code in chosen]


# --- Snapshots ------------------------------------------------------------------------------


def snapshot_data(tables: dict[str, disclosure.ProtectedTable]) -> dict:
    """The `Snapshot.data` of published tables (see the module's docstring)."""
    return {"tables": {key: table.to_dict() for key, table in tables.items()}}


def snapshot_tables(snapshot) -> dict[str, disclosure.ProtectedTable]:
    """The published tables a snapshot holds."""
    stored = (snapshot.data or {}).get("tables", {})
    return {key: disclosure.ProtectedTable.from_dict(value) for key, value in stored.items()}


def _month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def previous_month(scope: Scope) -> tuple[datetime.date, datetime.date] | None:
    """The month before a scope that is a calendar month; None for any other period."""
    if scope.start.day != 1 or scope.end != _month_end(scope.start):
        return None
    last = scope.start - datetime.timedelta(days=1)
    return last.replace(day=1), last


def published_snapshots(scope: Scope):
    """The programme's current, published snapshots of the scope's own period and of
    the month before, in one query: (same period, previous month), each possibly None.
    None for the whole cooperative and for a territory (snapshots are whole programmes)."""
    from research.models import Snapshot

    if scope.programme is None or scope.department:
        return None, None
    periods = Q(period_start=scope.start, period_end=scope.end)
    before = previous_month(scope)
    if before is not None:
        periods |= Q(period_start=before[0], period_end=before[1], period_kind=PeriodKind.MONTH)
    found = list(
        Snapshot.objects.published().current().filter(programme=scope.programme).filter(periods)
    )
    same = next(
        (s for s in found if (s.period_start, s.period_end) == (scope.start, scope.end)), None
    )
    previous = next(
        (s for s in found if before is not None and (s.period_start, s.period_end) == before),
        None,
    )
    return same, previous


# --- Building -------------------------------------------------------------------------------


class NotPublished(Exception):
    """Asked, with `published_only`, for figures no snapshot has published."""


def publication_build(
    *, scope: Scope, requests: list[Request], published_only: bool = False
) -> Publication:
    """The protected tables asked for. When the programme's figures for exactly this
    period are already published (a monthly snapshot) and hold these tables, they are
    shown as published: two versions of one period, differing by a late entry, would
    let a hidden cell be rebuilt. Otherwise the raw tables are computed (database
    aggregation only) and protected together, with the programme's threshold and the
    previous month's published tables. ValueError for a breakdown the indicator does
    not offer.

    `published_only` (funders and researchers): only what a snapshot of the programme
    has published, never a table computed on demand — tables computed on demand for
    neighbouring periods, territories or breakdowns, set side by side, could give back
    cells each of them hides. NotPublished otherwise."""
    keys = [table_key_of(r) for r in requests]
    same, before = published_snapshots(scope)
    stored = (same.data or {}).get("tables", {}) if same is not None else {}
    if stored and all(key in stored for key in keys):
        tables = {key: disclosure.ProtectedTable.from_dict(stored[key]) for key in keys}
        return Publication(
            scope=scope,
            threshold=next(iter(tables.values())).threshold,
            tables=tables,
            published=same,
        )
    if published_only:
        raise NotPublished
    threshold = threshold_for(scope.programme)
    raw = [r.indicator.table(scope, r.rows, r.cols) for r in requests]
    previous = snapshot_tables(before) if before is not None else None
    protected = disclosure.protect(raw, threshold=threshold, previous=previous)
    return Publication(
        scope=scope,
        threshold=threshold,
        tables={key: protected[key] for key in keys},
        previous_snapshot=before,
    )


# --- Dimensions -----------------------------------------------------------------------------


@cache
def _dimensions() -> dict[str, Dimension]:
    """Every breakdown defined by the catalogue's modules, by code."""
    found: dict[str, Dimension] = {}
    for name in ("research.indicators.dimensions", *MODULES):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        for value in vars(module).values():
            if isinstance(value, Dimension):
                found.setdefault(value.code, value)
    return found


def dimension_label(code: str | None) -> str:
    """The French label of a breakdown (its code when no module defines it)."""
    if not code:
        return ""
    dimension = _dimensions().get(code)
    return str(dimension.label) if dimension is not None else code
