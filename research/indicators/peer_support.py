"""Peer-support indicators: the people accompanied, follow-ups opened and closed, meetings,
goals reached, how long follow-ups last, and peer-to-peer workshops.

Only people whose research consent is in force are counted (`FollowUp.for_research()`),
erased follow-ups included (their anonymous shell keeps what counts need). One follow-up
is one person. A scope's programme and department are the follow-up's."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.functions import Cast, Concat, ExtractMonth, ExtractYear, LPad
from django.utils.translation import gettext_lazy as _

from peer_support.enums import (
    ArrivalRoute,
    GoalKind,
    GoalStatus,
    MeetingMode,
    Outcome,
    WorkshopKind,
)
from peer_support.models import FollowUp, GoalProgress, Meeting, WorkshopAttendance
from research.indicators.base import (
    TOTAL,
    Cell,
    Dimension,
    Indicator,
    Measure,
    Relation,
    Scope,
    Table,
    Unit,
    make_table,
    median_cells,
    people_cells,
    sum_cells,
    table_key,
)
from research.indicators.dimensions import AGE_BAND, DEPARTMENT, GENDER, MONTH
from research.indicators.registry import register

SECTION = "peer_support"

ARRIVAL_ROUTE = Dimension("arrival_route", _("Venu·e par"), tuple(ArrivalRoute.choices))
OUTCOME = Dimension("outcome", _("Issue du suivi"), tuple(Outcome.choices))
MEETING_MODE = Dimension("meeting_mode", _("Mode de rencontre"), tuple(MeetingMode.choices))
MEETING_SETTING = Dimension(
    "meeting_setting",
    _("Individuelle ou en groupe"),
    (("individual", _("Individuelle")), ("group", _("En groupe"))),
)
GOAL_KIND = Dimension("goal_kind", _("Objectif"), tuple(GoalKind.choices))

# Breakdowns that do not change over a follow-up: the stock of people accompanied in a
# month follows from the previous month's stock and the month's flows along them.
TIME_INVARIANT = (GENDER.code, AGE_BAND.code, DEPARTMENT.code, ARRIVAL_ROUTE.code)

# An average month (365.25 / 12 days): lengths are counted in days, shown in months.
DAYS_PER_MONTH = Decimal("30.4375")


# --- Expressions --------------------------------------------------------------------------


def month_of(date_field: str) -> Concat:
    """The "YYYY-MM" key of the MONTH dimension for a date, computed in the database."""
    return Concat(
        Cast(ExtractYear(date_field), models.CharField()),
        Value("-"),
        LPad(Cast(ExtractMonth(date_field), models.CharField()), 2, Value("0")),
        output_field=models.CharField(),
    )


class DaysBetween(models.Func):
    """Whole days from the `start` date to the `end` date, in the database (PostgreSQL
    subtracts dates into days; SQLite through Julian day numbers)."""

    arity = 2
    output_field = models.IntegerField()

    def __init__(self, start, end, **extra):
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _person_expressions(prefix: str = "") -> dict:
    """The breakdowns of a follow-up, reached from a row at `prefix` ("followup__"…)."""
    return {
        GENDER.code: F(f"{prefix}gender"),
        AGE_BAND.code: F(f"{prefix}esf_age_band"),
        DEPARTMENT.code: F(f"{prefix}department"),
        ARRIVAL_ROUTE.code: F(f"{prefix}arrival_route"),
        OUTCOME.code: F(f"{prefix}outcome"),
    }


# --- Scope --------------------------------------------------------------------------------


def followups_in(scope: Scope):
    """The follow-ups research may count in this scope: research consent in force, of
    the scope's programme and department (the period is each indicator's business)."""
    queryset = FollowUp.objects.for_research()
    if scope.programme is not None:
        queryset = queryset.filter(programme=scope.programme)
    if scope.department:
        queryset = queryset.filter(department=scope.department)
    return queryset


def months_of(scope: Scope) -> list[tuple[str, datetime.date, datetime.date]]:
    """The months the period touches, as (key, first day, last day), clipped to it."""
    months = []
    first = scope.start.replace(day=1)
    while first <= scope.end:
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        last = following - datetime.timedelta(days=1)
        months.append((f"{first:%Y-%m}", max(first, scope.start), min(last, scope.end)))
        first = following
    return months


# --- Building tables ----------------------------------------------------------------------


def _annotated(queryset, expressions: dict, rows: str | None, cols: str | None):
    """The queryset with the breakdowns asked for annotated as `dim_<code>`; the names
    to give the aggregation helpers."""
    if rows is not None and rows == cols:
        raise ValueError(f"A table cannot be split twice by {rows!r}.")
    names = {code: f"dim_{code}" for code in (rows, cols) if code is not None}
    queryset = queryset.annotate(**{names[code]: expressions[code] for code in names})
    return queryset, names.get(rows), names.get(cols)


def _with_every_month(cells: dict, scope: Scope, rows: str | None, cols: str | None) -> dict:
    """A month with nobody is a row (or column) of zeros, not a missing one."""
    for key, _first, _last in months_of(scope):
        if rows == MONTH.code:
            cells.setdefault((key, TOTAL), Cell(value=Decimal(0), people=0))
        elif cols == MONTH.code:
            cells.setdefault((TOTAL, key), Cell(value=Decimal(0), people=0))
    return cells


def _table(
    code: str,
    measure: str,
    cells: dict,
    dimensions: dict[str, Dimension],
    scope: Scope,
    rows: str | None,
    cols: str | None,
) -> Table:
    cells = _with_every_month(cells, scope, rows, cols)
    return make_table(
        code,
        measure,
        cells,
        rows=dimensions[rows] if rows else None,
        cols=dimensions[cols] if cols else None,
    )


def _as_key(value) -> str:
    return "" if value is None else str(value)


def _running_by_month(queryset, scope: Scope, *, other: str | None, month_is_row: bool):
    """People running on at least one day of each month of the period (a follow-up is
    counted in every month it touches), split by `other` (an annotated name) or not, with
    margins. Conditional counts, one column per month: one query per grouping, whatever
    the number of months or of people. The queryset holds one row per follow-up."""
    months = months_of(scope)
    counts = {
        f"m{index}": Count(
            "pk", distinct=True, filter=Q(opened_on__lte=last) & _not_closed_before(first)
        )
        for index, (_key, first, last) in enumerate(months)
    }
    counts["m_all"] = Count("pk", distinct=True)
    queryset = queryset.order_by()
    results = [(TOTAL, queryset.aggregate(**counts))]
    if other is not None:
        for row in queryset.values(other).annotate(**counts):
            results.append((_as_key(row[other]), row))
    cells = {}
    for other_key, values in results:
        keyed = [(key, values[f"m{index}"]) for index, (key, _f, _l) in enumerate(months)]
        for month_key, n in [*keyed, (TOTAL, values["m_all"])]:
            pair = (month_key, other_key) if month_is_row else (other_key, month_key)
            cells[pair] = Cell(value=Decimal(n), people=n)
    return cells


def _not_closed_before(day: datetime.date) -> Q:
    return Q(closed_on__isnull=True) | Q(closed_on__gte=day)


def stock_flow_relations(table: Table) -> list[Relation]:
    """For each cell of a `people_accompanied` table split by breakdowns that do not
    change over a follow-up: accompanied(p) − accompanied(p−1) + closed(p−1) − opened(p)
    = 0, where p−1 is the previous period. It holds exactly when p−1 ends the day before
    p starts (a calendar month and the month before, a year and the year before): the
    people of p are those of p−1 whose follow-up did not end in p−1, and those whose
    follow-up started in p. A cell missing from a table stands for 0."""
    splits = (table.rows_dimension, table.cols_dimension)
    if any(split is not None and split not in TIME_INVARIANT for split in splits):
        return []
    accompanied = table.key
    opened = table_key(FOLLOWUPS_OPENED, *splits)
    closed = table_key(FOLLOWUPS_CLOSED, *splits)
    return [
        Relation(
            terms=(
                ((accompanied, row, col), 1, False),
                ((accompanied, row, col), -1, True),
                ((closed, row, col), 1, True),
                ((opened, row, col), -1, False),
            )
        )
        for row, col in table.cells
    ]


# --- People accompanied, follow-ups opened and closed -------------------------------------

PEOPLE_ACCOMPANIED = "people_accompanied"
FOLLOWUPS_OPENED = "followups_opened"
FOLLOWUPS_CLOSED = "followups_closed"

_PEOPLE_DIMENSIONS = {d.code: d for d in (GENDER, AGE_BAND, DEPARTMENT, ARRIVAL_ROUTE, MONTH)}
_CLOSED_DIMENSIONS = {**_PEOPLE_DIMENSIONS, OUTCOME.code: OUTCOME}


def _people_accompanied(scope: Scope, rows: str | None, cols: str | None) -> Table:
    queryset = followups_in(scope).accompanied_between(scope.start, scope.end)
    expressions = _person_expressions()
    if MONTH.code in (rows, cols) and rows != cols:
        other = cols if rows == MONTH.code else rows
        queryset, name, _none = _annotated(queryset, expressions, other, None)
        cells = _running_by_month(queryset, scope, other=name, month_is_row=rows == MONTH.code)
    else:
        queryset, row, col = _annotated(queryset, expressions, rows, cols)
        cells = people_cells(queryset, person="pk", row=row, col=col)
    table = _table(PEOPLE_ACCOMPANIED, Measure.PEOPLE, cells, _PEOPLE_DIMENSIONS, scope, rows, cols)
    table.relations = stock_flow_relations(table)
    return table


def _followups_opened(scope: Scope, rows: str | None, cols: str | None) -> Table:
    queryset = followups_in(scope).opened_between(scope.start, scope.end)
    expressions = {**_person_expressions(), MONTH.code: month_of("opened_on")}
    queryset, row, col = _annotated(queryset, expressions, rows, cols)
    cells = people_cells(queryset, person="pk", row=row, col=col)
    return _table(FOLLOWUPS_OPENED, Measure.PEOPLE, cells, _PEOPLE_DIMENSIONS, scope, rows, cols)


def _followups_closed(scope: Scope, rows: str | None, cols: str | None) -> Table:
    queryset = followups_in(scope).closed_between(scope.start, scope.end)
    expressions = {**_person_expressions(), MONTH.code: month_of("closed_on")}
    queryset, row, col = _annotated(queryset, expressions, rows, cols)
    cells = people_cells(queryset, person="pk", row=row, col=col)
    return _table(FOLLOWUPS_CLOSED, Measure.PEOPLE, cells, _CLOSED_DIMENSIONS, scope, rows, cols)


register(
    Indicator(
        code=PEOPLE_ACCOMPANIED,
        label=_("Personnes accompagnées"),
        definition=_(
            "Personnes dont le suivi de pair-aidance a couru au moins un jour de la période "
            "(commencé avant sa fin, pas terminé avant son début). Un suivi compte pour "
            "une personne. Par mois : les personnes accompagnées au moins un jour du mois "
            "(une personne compte dans chaque mois où elle a été suivie). Âge : tranche "
            "du FSE+ à l'entrée. Seules comptent les personnes qui ont accepté "
            "l'utilisation de leurs données pour la recherche."
        ),
        unit=Unit.PEOPLE,
        measure=Measure.PEOPLE,
        section=SECTION,
        dimensions=tuple(_PEOPLE_DIMENSIONS),
        compute=_people_accompanied,
    )
)

register(
    Indicator(
        code=FOLLOWUPS_OPENED,
        label=_("Suivis commencés"),
        definition=_(
            "Personnes dont le suivi de pair-aidance a commencé pendant la période (par "
            "mois : le mois du début). Âge : tranche du FSE+ à l'entrée."
        ),
        unit=Unit.PEOPLE,
        measure=Measure.PEOPLE,
        section=SECTION,
        dimensions=tuple(_PEOPLE_DIMENSIONS),
        compute=_followups_opened,
    )
)

register(
    Indicator(
        code=FOLLOWUPS_CLOSED,
        label=_("Suivis terminés"),
        definition=_(
            "Personnes dont le suivi de pair-aidance s'est terminé pendant la période (par "
            "mois : le mois de la fin), selon l'issue du suivi : objectifs atteints, relais "
            "pris par un partenaire, fin souhaitée par la personne, perdu·e de vue…"
        ),
        unit=Unit.PEOPLE,
        measure=Measure.PEOPLE,
        section=SECTION,
        dimensions=tuple(_CLOSED_DIMENSIONS),
        compute=_followups_closed,
    )
)


# --- Meetings -----------------------------------------------------------------------------

_MEETING_DIMENSIONS = {d.code: d for d in (MEETING_MODE, MEETING_SETTING, MONTH)}


def _meetings(scope: Scope, rows: str | None, cols: str | None) -> Table:
    queryset = Meeting.objects.filter(
        followup__in=followups_in(scope), date__gte=scope.start, date__lte=scope.end
    )
    expressions = {
        MEETING_MODE.code: F("mode"),
        MEETING_SETTING.code: Case(
            When(is_group=True, then=Value("group")),
            default=Value("individual"),
            output_field=models.CharField(),
        ),
        MONTH.code: month_of("date"),
    }
    queryset, row, col = _annotated(queryset, expressions, rows, cols)
    cells = sum_cells(
        queryset,
        person="followup",
        value=Value(1, output_field=models.IntegerField()),
        row=row,
        col=col,
        places=0,
    )
    return _table("meetings", Measure.SUM, cells, _MEETING_DIMENSIONS, scope, rows, cols)


register(
    Indicator(
        code="meetings",
        label=_("Rencontres de pair-aidance"),
        definition=_(
            "Nombre de rencontres avec les personnes accompagnées pendant la période : "
            "dans nos locaux, à domicile, à l'extérieur, par téléphone ou en visio, seul·e "
            "ou en groupe. Une rencontre en groupe compte une fois pour chaque personne "
            "accompagnée présente."
        ),
        unit=Unit.MEETINGS,
        measure=Measure.SUM,
        section=SECTION,
        dimensions=tuple(_MEETING_DIMENSIONS),
        compute=_meetings,
    )
)


# --- Goals reached ------------------------------------------------------------------------

_GOAL_DIMENSIONS = {GOAL_KIND.code: GOAL_KIND}


def _goals_reached(scope: Scope, rows: str | None, cols: str | None) -> Table:
    queryset = GoalProgress.objects.filter(
        goal__followup__in=followups_in(scope),
        status=GoalStatus.REACHED,
        on__gte=scope.start,
        on__lte=scope.end,
    )
    queryset, row, col = _annotated(queryset, {GOAL_KIND.code: F("goal__kind")}, rows, cols)
    cells = people_cells(queryset, person="goal__followup", row=row, col=col)
    return _table("goals_reached", Measure.PEOPLE, cells, _GOAL_DIMENSIONS, scope, rows, cols)


register(
    Indicator(
        code="goals_reached",
        label=_("Personnes ayant atteint un objectif"),
        definition=_(
            "Personnes dont au moins un objectif a été noté « atteint » pendant la période "
            "(accès et maintien dans les soins, accès aux droits, logement, emploi ou "
            "formation, vie sociale, santé, objectif libre). Une personne qui atteint deux "
            "objectifs compte dans chacun, et une seule fois dans l'ensemble."
        ),
        unit=Unit.PEOPLE,
        measure=Measure.PEOPLE,
        section=SECTION,
        dimensions=tuple(_GOAL_DIMENSIONS),
        compute=_goals_reached,
    )
)


# --- Length of follow-ups -----------------------------------------------------------------

_LENGTH_DIMENSIONS = {d.code: d for d in (OUTCOME, GENDER)}


def _in_months(days: Decimal) -> Decimal:
    return (days / DAYS_PER_MONTH).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _followup_length(scope: Scope, rows: str | None, cols: str | None) -> Table:
    queryset = (
        followups_in(scope)
        .closed_between(scope.start, scope.end)
        .annotate(length_days=DaysBetween("opened_on", "closed_on"))
    )
    queryset, row, col = _annotated(queryset, _person_expressions(), rows, cols)
    # The median in days (the middle one or two lengths), then in months.
    cells = median_cells(queryset, person="pk", value="length_days", row=row, col=col, places=2)
    for cell in cells.values():
        cell.value = _in_months(cell.value)
    return _table("followup_length", Measure.MEDIAN, cells, _LENGTH_DIMENSIONS, scope, rows, cols)


register(
    Indicator(
        code="followup_length",
        label=_("Durée des suivis terminés"),
        definition=_(
            "Durée médiane, en mois, des suivis de pair-aidance terminés pendant la "
            "période, du premier au dernier jour du suivi (un mois compte 30,44 jours) : la "
            "moitié des suivis a duré moins, l'autre moitié plus."
        ),
        unit=Unit.MONTHS,
        measure=Measure.MEDIAN,
        section=SECTION,
        dimensions=tuple(_LENGTH_DIMENSIONS),
        compute=_followup_length,
    )
)


# --- Peer-to-peer workshops ---------------------------------------------------------------

_WORKSHOP_DIMENSIONS = {MONTH.code: MONTH}


def _workshop_participants(scope: Scope, rows: str | None, cols: str | None) -> Table:
    queryset = WorkshopAttendance.objects.filter(
        followup__in=followups_in(scope),
        workshop__kind=WorkshopKind.PEER_TO_PEER,
        workshop__date__gte=scope.start,
        workshop__date__lte=scope.end,
    )
    queryset, row, col = _annotated(queryset, {MONTH.code: month_of("workshop__date")}, rows, cols)
    cells = people_cells(queryset, person="followup", row=row, col=col)
    return _table(
        "workshop_participants", Measure.PEOPLE, cells, _WORKSHOP_DIMENSIONS, scope, rows, cols
    )


register(
    Indicator(
        code="workshop_participants",
        label=_("Participant·es aux ateliers pair-à-pair"),
        definition=_(
            "Personnes accompagnées présentes à au moins un atelier pair-à-pair pendant la "
            "période (par mois : présentes au moins une fois dans le mois). Les autres "
            "participant·es, qui n'ont pas de suivi, ne sont pas comptés."
        ),
        unit=Unit.PEOPLE,
        measure=Measure.PEOPLE,
        section=SECTION,
        dimensions=tuple(_WORKSHOP_DIMENSIONS),
        compute=_workshop_participants,
    )
)
