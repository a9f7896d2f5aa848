"""Section "situation": the main resource of entrepreneurs and of accompanied people at
entry and after leaving (issue 7; the ESF+ asks for the situation 28 days and 6 months
after leaving). The share in declared employment is the employment row read as a share
of its column (`research.disclosure.column_shares`): nothing more to register for it.

Both indicators follow one rule for the period: a situation counts in the period that
holds the day it describes — the entry for people who entered in the period, the exit
for those who left in it, 28 days (6 months) after leaving for those whose 28th day
(182nd day) after leaving falls in it. A situation recorded late still counts in its own
period when that period is computed again."""

import datetime
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from members.enums import Resource as MemberResource
from members.enums import SituationCheckpoint
from members.models import MemberSituation
from peer_support.enums import Checkpoint
from peer_support.enums import Resource as FollowUpResource
from peer_support.models import Situation
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
    people_cells,
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

SECTION = "situation"

RESOURCE = Dimension("resource", _("Ressource principale"), tuple(MemberResource.choices))
ENTREPRENEUR_CHECKPOINT = Dimension("checkpoint", _("Moment"), tuple(SituationCheckpoint.choices))
ACCOMPANIED_RESOURCE = Dimension(
    "resource", _("Ressource principale"), tuple(FollowUpResource.choices)
)
ACCOMPANIED_CHECKPOINT = Dimension("checkpoint", _("Moment"), tuple(Checkpoint.choices))


def _table(code: str, cells: dict, dimensions: dict, rows: str | None, cols: str | None):
    """The table, with every category of a closed list (resource, checkpoint, gender,
    age band) shown even when nobody is in it — "nobody on AAH" is a figure too, and the
    table keeps the same shape from one period to the next; open lists (departments)
    show the categories present."""
    row_dimension = dimensions[rows] if rows else None
    col_dimension = dimensions[cols] if cols else None
    empty = Cell(value=Decimal(0), people=0)
    for key, _label in row_dimension.choices if row_dimension else ():
        cells.setdefault((key, TOTAL), empty)
    for key, _label in col_dimension.choices if col_dimension else ():
        cells.setdefault((TOTAL, key), empty)
    return make_table(code, Measure.PEOPLE, cells, rows=row_dimension, cols=col_dimension)


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _described_in(scope: Scope, *, entered: str, left: str, checkpoints) -> Q:
    """Situations whose described day falls in the period: `checkpoints` maps each
    checkpoint to its number of days after leaving (None: the entry). The period is
    shifted rather than the dates, so that the database compares plain columns."""
    condition = Q()
    for checkpoint, days_after in checkpoints:
        if days_after is None:
            dates = Q(**{f"{entered}__gte": scope.start, f"{entered}__lte": scope.end})
        else:
            dates = Q(
                **{
                    f"{left}__gte": scope.start - _days(days_after),
                    f"{left}__lte": scope.end - _days(days_after),
                }
            )
        condition |= Q(checkpoint=checkpoint) & dates
    return condition


# --- entrepreneurs --------------------------------------------------------------------

ENTREPRENEUR_DIMENSIONS = {
    RESOURCE.code: RESOURCE,
    ENTREPRENEUR_CHECKPOINT.code: ENTREPRENEUR_CHECKPOINT,
    GENDER.code: GENDER,
    AGE_BAND.code: AGE_BAND,
    DEPARTMENT.code: DEPARTMENT,
}


def entrepreneur_situations(scope: Scope):
    """The members' situations in scope, each with its breakdowns annotated (`d_<code>`):
    research consent in force, described day in the period, programme, department."""
    situations = (
        MemberSituation.objects.for_research()
        .filter(
            _described_in(
                scope,
                entered="member__information_meeting_on",
                left="member__exited_on",
                checkpoints=[(c.value, c.days_after_exit) for c in SituationCheckpoint],
            )
        )
        .annotate(
            d_resource=F("resource"),
            d_checkpoint=F("checkpoint"),
            d_gender=F("member__gender"),
            d_age_band=esf_age_band("member__birth_year", scope.end.year),
            d_department=department_of("member__postcode"),
        )
    )
    if scope.programme is not None:
        situations = situations.filter(
            Exists(
                ProgrammeMember.objects.filter(
                    programme=scope.programme,
                    member=OuterRef("member_id"),
                    joined_on__lte=scope.end,
                )
            )
        )
    if scope.department:
        situations = situations.filter(d_department=scope.department)
    return situations


def _entrepreneurs(scope: Scope, rows: str | None, cols: str | None) -> Table:
    cells = people_cells(
        entrepreneur_situations(scope),
        person="member_id",
        row=f"d_{rows}" if rows else None,
        col=f"d_{cols}" if cols else None,
    )
    return _table("situation_entrepreneurs", cells, ENTREPRENEUR_DIMENSIONS, rows, cols)


register(
    Indicator(
        code="situation_entrepreneurs",
        label=_("Situation des entrepreneur·es à l'entrée et après la sortie"),
        definition=_(
            "Nombre d'entrepreneur·es distinct·es selon leur ressource principale (revenus "
            "d'un emploi, RSA, AAH, autre, aucune) à quatre moments du parcours : à "
            "l'entrée, à la sortie, 28 jours et 6 mois après la sortie. Une situation "
            "compte dans la période qui contient le jour qu'elle décrit : l'entrée pour "
            "les personnes venues à la réunion d'information pendant la période, la "
            "sortie pour celles sorties pendant la période, 28 jours (6 mois) après la "
            "sortie pour celles dont le 28e jour (182e jour) après la sortie tombe dans la "
            "période. Seules les situations recueillies comptent. Pour un programme : "
            "les personnes qu'il couvre, entrées dans le programme au plus tard le "
            "dernier jour de la période ; pour un territoire : le département de leur "
            "adresse actuelle. Seules les personnes dont le consentement à la recherche "
            "est en vigueur sont comptées. Une même personne peut figurer à plusieurs "
            "moments : lisez le tableau moment par moment (la part en emploi déclaré est "
            "la ligne « Revenus d'un emploi » rapportée au total de sa colonne)."
        ),
        unit=Unit.PEOPLE,
        measure=Measure.PEOPLE,
        section=SECTION,
        dimensions=tuple(ENTREPRENEUR_DIMENSIONS),
        compute=_entrepreneurs,
    )
)


# --- accompanied people ---------------------------------------------------------------

ACCOMPANIED_DIMENSIONS = {
    ACCOMPANIED_RESOURCE.code: ACCOMPANIED_RESOURCE,
    ACCOMPANIED_CHECKPOINT.code: ACCOMPANIED_CHECKPOINT,
    GENDER.code: GENDER,
    DEPARTMENT.code: DEPARTMENT,
}


def accompanied_situations(scope: Scope):
    """The accompanied people's situations in scope, breakdowns annotated (`d_<code>`):
    research consent in force, described day in the period, the follow-up's programme
    and department."""
    situations = (
        Situation.objects.for_research()
        .filter(
            _described_in(
                scope,
                entered="followup__opened_on",
                left="followup__closed_on",
                checkpoints=[
                    (c.value, None if c == Checkpoint.ENTRY else c.days_after_closing)
                    for c in Checkpoint
                ],
            )
        )
        .annotate(
            d_resource=F("resource"),
            d_checkpoint=F("checkpoint"),
            d_gender=F("followup__gender"),
            d_department=F("followup__department"),
        )
    )
    if scope.programme is not None:
        situations = situations.filter(followup__programme=scope.programme)
    if scope.department:
        situations = situations.filter(followup__department=scope.department)
    return situations


def _accompanied(scope: Scope, rows: str | None, cols: str | None) -> Table:
    cells = people_cells(
        accompanied_situations(scope),
        person="followup_id",
        row=f"d_{rows}" if rows else None,
        col=f"d_{cols}" if cols else None,
    )
    return _table("situation_accompanied", cells, ACCOMPANIED_DIMENSIONS, rows, cols)


register(
    Indicator(
        code="situation_accompanied",
        label=_("Situation des personnes accompagnées à l'entrée et après la fin du suivi"),
        definition=_(
            "Nombre de personnes accompagnées distinctes (un suivi de pair-aidance = une "
            "personne) selon leur ressource principale (revenus d'un emploi, RSA, AAH, "
            "autre, aucune) à l'entrée, 28 jours et 6 mois après la fin du suivi. Une "
            "situation compte dans la période qui contient le jour qu'elle décrit : "
            "l'entrée pour les suivis commencés pendant la période, 28 jours (6 mois) "
            "après la fin pour les suivis dont le 28e jour (182e jour) après la fin tombe "
            "dans la période. Seules les situations recueillies comptent. Programme et "
            "territoire : ceux du suivi. Seules les personnes dont le consentement à la "
            "recherche est en vigueur sont comptées. Une même personne peut figurer à "
            "plusieurs moments : lisez le tableau moment par moment (la part en emploi "
            "déclaré est la ligne « Revenus d'un emploi » rapportée au total de sa "
            "colonne)."
        ),
        unit=Unit.PEOPLE,
        measure=Measure.PEOPLE,
        section=SECTION,
        dimensions=tuple(ACCOMPANIED_DIMENSIONS),
        compute=_accompanied,
    )
)
