"""Indicators of the entrepreneurs' path: who is active, who enters, moves on or leaves,
and how long the way to a CESA takes.

The first part of this module holds what the path and activity indicators share (the
research-consent filter, the scope filters, breakdowns that may join several rows per
record, month keys and durations in SQL); `research.indicators.activity` imports it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from members.enums import Activity, ConsentScope, ContractKind, ExitReason, Stage
from members.models import Consent, Contract, Member, PathStep, SensitiveProfile
from research.indicators.base import (
    TOTAL,
    Cell,
    Dimension,
    Indicator,
    Measure,
    Scope,
    Table,
    Unit,
    make_table,
    median_cells,
    people_cells,
    sum_cells,
)
from research.indicators.dimensions import (
    AGE_BAND,
    DEPARTMENT,
    GENDER,
    department_of,
    esf_age_band,
)
from research.indicators.registry import register
from research.models import ProgrammeMember

# --- Shared with research.indicators.activity --------------------------------------------


def research_consent(member: str) -> Exists:
    """The one place where the research consent is required: true when the member that
    `member` points at (a field path to a Member, "pk" on members) has a research consent
    in force. Whoever never consented, or withdrew, is in no figure — neither counted nor
    in any sum they contributed to."""
    return Exists(
        Consent.objects.in_force().filter(member=OuterRef(member), scope=ConsentScope.RESEARCH)
    )


def _path(prefix: str, name: str) -> str:
    return f"{prefix}__{name}" if prefix else name


def scope_people(queryset, scope: Scope, *, member: str = ""):
    """Records about entrepreneurs, in the scope: `member` is the path to the Member (""
    on a Member queryset). Consenting members only; for a programme, its members during
    at least one day of the period; for a department, the member's own postcode."""
    ref = member or "pk"
    queryset = queryset.filter(research_consent(ref))
    if scope.programme is not None:
        covered = ProgrammeMember.objects.between(scope.start, scope.end).filter(
            programme=scope.programme, member=OuterRef(ref)
        )
        queryset = queryset.filter(Exists(covered))
    if scope.department:
        queryset = queryset.alias(scope_department=department_of(_path(member, "postcode"))).filter(
            scope_department=scope.department
        )
    return queryset


def scope_activity(queryset, scope: Scope, *, entrepreneur: str, mission: str, department):
    """Records of the activity (sessions, invoices, payments), in the scope: those of
    consenting entrepreneurs; for a programme, of its missions; for a department, where
    `department` (a field name or an expression) says."""
    queryset = queryset.filter(research_consent(entrepreneur))
    if scope.programme is not None:
        queryset = queryset.filter(**{f"{mission}__programme": scope.programme})
    if scope.department:
        expression = F(department) if isinstance(department, str) else department
        queryset = queryset.alias(scope_department=expression).filter(
            scope_department=scope.department
        )
    return queryset


class MonthKey(models.Func):
    """The "YYYY-MM" key of a date (the MONTH dimension's keys), in the database."""

    arity = 1
    output_field = models.CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"strftime('%%Y-%%m', {sql})", params

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"to_char({sql}, 'YYYY-MM')", params


class MonthsBetween(models.Func):
    """Months (of 365.25 / 12 days, with decimals) from the first date to the second."""

    arity = 2
    output_field = models.FloatField()

    def _dates(self, compiler):
        (a, a_params), (b, b_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return a, b, [*a_params, *b_params]

    def as_sqlite(self, compiler, connection, **extra_context):
        a, b, params = self._dates(compiler)
        return f"((julianday({b}) - julianday({a})) * 12.0 / 365.25)", params

    def as_postgresql(self, compiler, connection, **extra_context):
        a, b, params = self._dates(compiler)
        return f"((({b})::date - ({a})::date) * 12.0 / 365.25)", params


def month_keys(scope: Scope) -> list[str]:
    """The "YYYY-MM" keys of the months the period touches, in order."""
    keys, year, month = [], scope.start.year, scope.start.month
    while (year, month) <= (scope.end.year, scope.end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


@dataclass(frozen=True)
class Breakdown:
    """How one dimension is computed for a queryset: `expression` is a field path or an
    expression. `multi`: a record may fall in
    several categories (themes of a session), so the split joins several rows per record
    and its categories do not add up to the total."""

    dimension: Dimension
    expression: object
    multi: bool = False


def _cells_of(measure: str, queryset, *, person: str, value, places: int, row, col):
    if measure == Measure.PEOPLE:
        return people_cells(queryset, person=person, row=row, col=col)
    if measure == Measure.SUM:
        return sum_cells(queryset, person=person, value=value, row=row, col=col, places=places)
    return median_cells(queryset, person=person, value=value, row=row, col=col, places=places)


def breakdown_table(
    code: str,
    measure: str,
    queryset,
    breakdowns: dict[str, Breakdown],
    rows: str | None,
    cols: str | None,
    *,
    person: str,
    value=None,
    places: int = 2,
    scale: Callable[[Cell], Cell] | None = None,
    scope: Scope | None = None,
) -> Table:
    """The table of `queryset` split by `rows` and `cols` (codes of `breakdowns`).
    Split by month (with the `scope` given), every month of the period is shown, a
    month without anything with zeros.

    Without a multi-valued breakdown the helpers compute every cell and margin at once.
    With one, each margin is computed on a queryset that joins only the breakdowns it is
    split by, so that a record is never counted twice in a total (at most nine grouped
    queries, whatever the data size)."""
    if rows is not None and rows == cols:
        raise ValueError(f"{code} cannot be split twice by {rows!r}.")
    used = [code_ for code_ in (rows, cols) if code_]
    names = {code_: f"d_{code_}" for code_ in used}

    def annotated(codes):
        return queryset.annotate(
            **{
                names[c]: (
                    F(breakdowns[c].expression)
                    if isinstance(breakdowns[c].expression, str)
                    else breakdowns[c].expression
                )
                for c in codes
            }
        )

    options = {"person": person, "value": value, "places": places}
    multi = {c for c in used if breakdowns[c].multi}
    # Each pass joins the breakdowns it splits by (row, col). A cell it gives is kept
    # when it is split by every multi-valued breakdown joined (none is summed over);
    # the margins it cannot give come from a later pass that joins less.
    passes = [(rows, cols, False)]
    if cols in multi and rows is not None:
        passes.append((rows, None, False))  # row margins, without the columns' join
    if rows in multi and cols is not None:
        passes.append((cols, None, True))  # column margins, without the rows' join
    if rows in multi and (cols is None or cols in multi):
        passes.append((None, None, False))  # the grand total, on the records alone
    cells: dict = {}
    for row, col, transposed in passes:
        joined = [c for c in (row, col) if c]
        part = _cells_of(
            measure, annotated(joined), row=names.get(row), col=names.get(col), **options
        )
        for (r, c), cell in part.items():
            split = {d for d, key in ((row, r), (col, c)) if d and key != TOTAL}
            if multi & set(joined) <= split:
                cells.setdefault((c, r) if transposed else (r, c), cell)
    if scale is not None:
        cells = {key: scale(cell) for key, cell in cells.items()}
    if scope is not None and "month" in used:
        zero = Cell(value=Decimal(0), people=0, top_share=None)
        for key in month_keys(scope):
            cells.setdefault((key, TOTAL) if rows == "month" else (TOTAL, key), zero)
    return make_table(
        code,
        measure,
        cells,
        rows=breakdowns[rows].dimension if rows else None,
        cols=breakdowns[cols].dimension if cols else None,
    )


# --- Dimensions of the path ----------------------------------------------------------------

ACTIVITY = Dimension("activity", _("Métier"), tuple(Activity.choices))
STAGE = Dimension(
    "stage",
    _("Étape du parcours"),
    tuple((s.value, s.label) for s in (Stage.CAPE, Stage.CESA, Stage.ASSOCIATE)),
)


class Profile(models.TextChoices):
    PEER_MEDIATOR = "peer_mediator", _("Médiateur·rice de santé pair")
    CARE_PROFESSIONAL = "care_professional", _("Professionnel·le du soin")
    FORMER_SERVICE_USER = "former_service_user", _("Ancien·ne usager·ère")
    OTHER = "other", _("Autre profil")


PROFILE = Dimension("profile", _("Profil"), tuple(Profile.choices))


class Transition(models.TextChoices):
    CAPE_TO_CESA = "cape_to_cesa", _("Du CAPE au CESA")
    CESA_TO_ASSOCIATE = "cesa_to_associate", _("Du CESA au sociétariat")


TRANSITION = Dimension("transition", _("Passage"), tuple(Transition.choices))
EXIT_REASON = Dimension("exit_reason", _("Motif de sortie"), tuple(ExitReason.choices))
PATH_STAGES = (Stage.CAPE, Stage.CESA, Stage.ASSOCIATE)


def _member_breakdowns(prefix: str, age_year) -> dict[str, Breakdown]:
    """Gender, ESF+ age band (age in `age_year`), department and trade of the member at
    `prefix` ("" on members)."""
    return {
        "gender": Breakdown(GENDER, _path(prefix, "gender")),
        "age_band": Breakdown(AGE_BAND, esf_age_band(_path(prefix, "birth_year"), age_year)),
        "department": Breakdown(DEPARTMENT, department_of(_path(prefix, "postcode"))),
        "activity": Breakdown(ACTIVITY, _path(prefix, "activity")),
    }


def _first_contract_start(member: str = "pk") -> Subquery:
    """The start of the member's first contract (their first CAPE): their entry."""
    return Subquery(
        Contract.objects.filter(member=OuterRef(member))
        .order_by("start_date", "pk")
        .values("start_date")[:1],
        output_field=models.DateField(),
    )


# --- entrepreneurs_active -----------------------------------------------------------------


def active_members(scope: Scope):
    """Members under a CAPE or CESA contract, or associates, on at least one day of the
    period, in the scope."""
    contract = Contract.objects.filter(member=OuterRef("pk"), start_date__lte=scope.end).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=scope.start)
    )
    associate = PathStep.objects.filter(
        member=OuterRef("pk"), stage=Stage.ASSOCIATE, on__lte=scope.end
    )
    members = Member.objects.filter(
        Exists(contract)
        | (Exists(associate) & (Q(exited_on__isnull=True) | Q(exited_on__gte=scope.start)))
    )
    return scope_people(members, scope)


def _profile_flags() -> dict[str, Q]:
    """Who counts in each profile. Being a former service user is counted only while the
    member's consent to that processing stands (the profile is erased when withdrawn)."""
    former = Q(is_former=True)
    peer, care = Q(is_peer_mediator=True), Q(is_care_professional=True)
    return {
        Profile.PEER_MEDIATOR: peer,
        Profile.CARE_PROFESSIONAL: care,
        Profile.FORMER_SERVICE_USER: former,
        Profile.OTHER: ~peer & ~care & ~former,
    }


def _with_former_flag(members):
    health_consent = Consent.objects.in_force().filter(
        member=OuterRef("pk"), scope=ConsentScope.HEALTH_PROFILE
    )
    former = SensitiveProfile.objects.filter(member=OuterRef("pk"), is_former_service_user=True)
    return members.annotate(is_former=Exists(former) & Exists(health_consent))


def profile_cells(members, flags: dict[str, Q], other: str | None) -> dict:
    """Distinct people per profile (a person may hold several), crossed with `other` (an
    annotated field) when given: one conditional count per profile in one GROUP BY
    query, the profile margin in one more, the other margins as usual."""
    counts = {f"p_{key}": Count("pk", distinct=True, filter=q) for key, q in flags.items()}
    cells: dict = {}
    for key, n in members.aggregate(**counts).items():
        cells[(key.removeprefix("p_"), TOTAL)] = Cell(value=Decimal(n), people=n)
    if other is not None:
        grouped = members.order_by().values(other).annotate(**counts)
        for values in grouped:
            col = "" if values[other] is None else str(values[other])
            for key in counts:
                n = values[key]
                cells[(key.removeprefix("p_"), col)] = Cell(value=Decimal(n), people=n)
        for (r, _c), cell in people_cells(members, person="pk", row=other).items():
            cells[(TOTAL, r)] = cell
    else:
        cells.update(people_cells(members, person="pk"))
    return cells


def _entrepreneurs_active(scope: Scope, rows: str | None, cols: str | None) -> Table:
    stage_at_end = Subquery(
        PathStep.objects.filter(member=OuterRef("pk"), on__lte=scope.end, stage__in=PATH_STAGES)
        .order_by("-on", "-pk")
        .values("stage")[:1],
        output_field=models.CharField(),
    )
    breakdowns = _member_breakdowns("", scope.end.year) | {"stage": Breakdown(STAGE, stage_at_end)}
    members = active_members(scope)
    if "profile" not in (rows, cols):
        return breakdown_table(
            "entrepreneurs_active", Measure.PEOPLE, members, breakdowns, rows, cols, person="pk"
        )
    if rows == cols:
        raise ValueError("entrepreneurs_active cannot be split twice by 'profile'.")
    other = cols if rows == "profile" else rows
    if other is not None:
        expression = breakdowns[other].expression
        members = members.annotate(
            d_other=F(expression) if isinstance(expression, str) else expression
        )
    cells = profile_cells(_with_former_flag(members), _profile_flags(), other and "d_other")
    if rows != "profile":
        cells = {(c, r): cell for (r, c), cell in cells.items()}

    def dimension(code):
        return PROFILE if code == "profile" else (breakdowns[code].dimension if code else None)

    return make_table(
        "entrepreneurs_active",
        Measure.PEOPLE,
        cells,
        rows=dimension(rows),
        cols=dimension(cols),
    )


register(
    Indicator(
        code="entrepreneurs_active",
        label=_("Entrepreneur·es en parcours"),
        definition=_(
            "Nombre de personnes distinctes sous contrat CAPE ou CESA, ou associées, au "
            "moins un jour de la période (d'après les dates des contrats et du parcours, "
            "pas l'étape d'aujourd'hui). Pour un programme : les personnes qu'il couvre "
            "pendant la période. Seules les personnes dont le consentement à la "
            "recherche-action est en vigueur sont comptées. L'étape est la dernière "
            "atteinte (CAPE, CESA ou sociétariat) au dernier jour de la période ; l'âge est "
            "celui de l'année de fin de période ; le département, celui de l'adresse de la "
            "personne. Une personne peut avoir plusieurs profils (médiateur·rice de santé "
            "pair, professionnel·le du soin, ancien·ne usager·ère — ce dernier seulement "
            "avec son consentement au traitement de ce profil) : les profils ne "
            "s'additionnent pas, le total compte chaque personne une fois."
        ),
        unit=Unit.PEOPLE,
        measure=Measure.PEOPLE,
        section="path",
        dimensions=("profile", "stage", "gender", "age_band", "department", "activity"),
        compute=_entrepreneurs_active,
    )
)


# --- entries ------------------------------------------------------------------------------


def _entries(scope: Scope, rows: str | None, cols: str | None) -> Table:
    members = Member.objects.annotate(entered_on=_first_contract_start()).filter(
        entered_on__gte=scope.start, entered_on__lte=scope.end
    )
    breakdowns = _member_breakdowns("", ExtractYear("entered_on"))
    return breakdown_table(
        "entries",
        Measure.PEOPLE,
        scope_people(members, scope),
        breakdowns,
        rows,
        cols,
        person="pk",
    )


register(
    Indicator(
        code="entries",
        label=_("Entrées en parcours"),
        definition=_(
            "Nombre de personnes distinctes dont le premier contrat (le premier CAPE) a "
            "commencé pendant la période ; les renouvellements de CAPE ne sont pas des "
            "entrées. Pour un programme : les personnes qu'il couvre pendant la période. "
            "Seules les personnes dont le consentement à la recherche-action est en "
            "vigueur sont comptées. L'âge est celui de l'année d'entrée ; le département, "
            "celui de l'adresse de la personne."
        ),
        unit=Unit.PEOPLE,
        measure=Measure.PEOPLE,
        section="path",
        dimensions=("gender", "age_band", "department", "activity"),
        compute=_entries,
    )
)


# --- transitions --------------------------------------------------------------------------


def _transitions(scope: Scope, rows: str | None, cols: str | None) -> Table:
    steps = PathStep.objects.filter(
        stage__in=(Stage.CESA, Stage.ASSOCIATE), on__gte=scope.start, on__lte=scope.end
    )
    transition = models.Case(
        models.When(stage=Stage.CESA, then=models.Value(Transition.CAPE_TO_CESA.value)),
        default=models.Value(Transition.CESA_TO_ASSOCIATE.value),
        output_field=models.CharField(),
    )
    breakdowns = {
        "transition": Breakdown(TRANSITION, transition),
        "gender": Breakdown(GENDER, "member__gender"),
    }
    return breakdown_table(
        "transitions",
        Measure.PEOPLE,
        scope_people(steps, scope, member="member"),
        breakdowns,
        rows,
        cols,
        person="member",
    )


register(
    Indicator(
        code="transitions",
        label=_("Passages d'étape"),
        definition=_(
            "Nombre de personnes distinctes passées pendant la période du CAPE au CESA "
            "(date de début du CESA) ou du CESA au sociétariat (date d'entrée au "
            "sociétariat). Une personne qui a fait les deux passages dans la période "
            "compte dans chacun, mais une fois dans le total. Pour un programme : les "
            "personnes qu'il couvre pendant la période. Seules les personnes dont le "
            "consentement à la recherche-action est en vigueur sont comptées."
        ),
        unit=Unit.PEOPLE,
        measure=Measure.PEOPLE,
        section="path",
        dimensions=("transition", "gender"),
        compute=_transitions,
    )
)


# --- exits --------------------------------------------------------------------------------


def _exits(scope: Scope, rows: str | None, cols: str | None) -> Table:
    steps = PathStep.objects.filter(stage=Stage.EXITED, on__gte=scope.start, on__lte=scope.end)
    breakdowns = {
        "exit_reason": Breakdown(EXIT_REASON, "exit_reason"),
        "gender": Breakdown(GENDER, "member__gender"),
        "age_band": Breakdown(AGE_BAND, esf_age_band("member__birth_year", ExtractYear("on"))),
    }
    return breakdown_table(
        "exits",
        Measure.PEOPLE,
        scope_people(steps, scope, member="member"),
        breakdowns,
        rows,
        cols,
        person="member",
    )


register(
    Indicator(
        code="exits",
        label=_("Sorties"),
        definition=_(
            "Nombre de personnes distinctes sorties de la coopérative pendant la période "
            "(date de sortie inscrite au parcours), par motif de sortie. L'âge est celui "
            "de l'année de sortie. Pour un programme : les personnes qu'il couvre pendant "
            "la période. Seules les personnes dont le consentement à la recherche-action "
            "est en vigueur sont comptées."
        ),
        unit=Unit.PEOPLE,
        measure=Measure.PEOPLE,
        section="path",
        dimensions=("exit_reason", "gender", "age_band"),
        compute=_exits,
    )
)


# --- months_to_cesa -----------------------------------------------------------------------


def _months_to_cesa(scope: Scope, rows: str | None, cols: str | None) -> Table:
    cesas = (
        Contract.objects.filter(
            kind=ContractKind.CESA, start_date__gte=scope.start, start_date__lte=scope.end
        )
        .annotate(entered_on=_first_contract_start("member"))
        .annotate(months=MonthsBetween("entered_on", "start_date"))
    )
    breakdowns = {
        "gender": Breakdown(GENDER, "member__gender"),
        "activity": Breakdown(ACTIVITY, "member__activity"),
    }
    return breakdown_table(
        "months_to_cesa",
        Measure.MEDIAN,
        scope_people(cesas, scope, member="member"),
        breakdowns,
        rows,
        cols,
        person="member",
        value="months",
        places=1,
    )


register(
    Indicator(
        code="months_to_cesa",
        label=_("Durée médiane avant le CESA"),
        definition=_(
            "Pour les personnes dont le CESA a commencé pendant la période : durée "
            "médiane, en mois, entre le début de leur premier contrat (le premier CAPE, "
            "renouvellements compris dans la durée) et le début du CESA. La réunion "
            "d'information n'est pas le point de départ. Pour un programme : les "
            "personnes qu'il couvre pendant la période. Seules les personnes dont le "
            "consentement à la recherche-action est en vigueur sont comptées."
        ),
        unit=Unit.MONTHS,
        measure=Measure.MEDIAN,
        section="path",
        dimensions=("gender", "activity"),
        compute=_months_to_cesa,
    )
)
