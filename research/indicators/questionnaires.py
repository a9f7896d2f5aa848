"""Questionnaire indicators: the score of the instruments that declare one, at entry, 6
months and 12 months, for the members and the accompanied people who answered.

One indicator, `questionnaire_score`, split by instrument (the instrument is a
dimension, so an instrument added by the cooperative is there without a change in code)
and by wave. Only answers sent by people whose research consent is in force count
(members: their Consent RESEARCH; accompanied people: `FollowUp.for_research()`); a
person's answers in one cell are averaged first, so that each person counts once."""

from django.db import models
from django.db.models import Case, F, Value, When
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy as _

from research.enums_questionnaires import WaveAudience, WavePoint
from research.indicators.base import (
    TOTAL,
    Dimension,
    Indicator,
    Measure,
    Scope,
    Table,
    Unit,
    make_table,
    mean_cells,
)
from research.indicators.dimensions import GENDER, department_of
from research.indicators.registry import register
from research.models import Instrument, Response

SECTION = "questionnaires"

WAVE = Dimension("wave", _("Vague"), tuple(WavePoint.choices))
AUDIENCE = Dimension("audience", _("Public"), tuple(WaveAudience.choices))
INSTRUMENT_CODE = "instrument"
INSTRUMENT_LABEL = _("Questionnaire")

# Dimension code → the annotation holding it (a name that no field of Response has).
_FIELDS = {
    INSTRUMENT_CODE: "d_instrument",
    WAVE.code: "d_wave",
    AUDIENCE.code: "d_audience",
    GENDER.code: "d_gender",
}


def _is_member():
    return models.Q(member__isnull=False)


def _scores(scope: Scope):
    """The scored answers of people sent in the scope's period, with their respondent
    and breakdowns annotated; consent in force only."""
    responses = (
        Response.objects.of_people()
        .submitted()
        .for_research()
        .filter(
            score__isnull=False,
            submitted_at__date__gte=scope.start,
            submitted_at__date__lte=scope.end,
        )
    )
    if scope.programme is not None:
        responses = responses.filter(wave__programme=scope.programme)
    if scope.department:
        responses = responses.alias(
            department=Case(
                When(_is_member(), then=department_of("member__postcode")),
                default=F("followup__department"),
                output_field=models.CharField(),
            )
        ).filter(department=scope.department)
    return responses.annotate(
        respondent=Case(
            When(
                _is_member(),
                then=Concat(Value("m"), Cast("member_id", models.CharField())),
            ),
            default=Concat(Value("f"), Cast("followup_id", models.CharField())),
            output_field=models.CharField(),
        ),
        d_instrument=F("version__instrument__code"),
        d_wave=F("wave__point"),
        d_audience=F("wave__audience"),
        d_gender=Case(
            When(_is_member(), then=F("member__gender")),
            default=F("followup__gender"),
            output_field=models.CharField(),
        ),
    )


def _instrument_dimension(cells) -> Dimension:
    """The instruments present, named and in alphabetical order (one query)."""
    codes = {key for pair in cells for key in pair} - {TOTAL}
    names = dict(Instrument.objects.filter(code__in=codes).values_list("code", "name"))
    choices = sorted(names.items(), key=lambda item: item[1].casefold())
    return Dimension(INSTRUMENT_CODE, INSTRUMENT_LABEL, tuple(choices))


def _dimension(code: str | None, cells) -> Dimension | None:
    if code is None:
        return None
    if code == INSTRUMENT_CODE:
        return _instrument_dimension(cells)
    return {WAVE.code: WAVE, AUDIENCE.code: AUDIENCE, GENDER.code: GENDER}[code]


def _compute_score(scope: Scope, rows: str | None, cols: str | None) -> Table:
    cells = mean_cells(
        _scores(scope),
        person="respondent",
        value="score",
        row=_FIELDS[rows] if rows else None,
        col=_FIELDS[cols] if cols else None,
    )
    return make_table(
        "questionnaire_score",
        Measure.MEAN,
        cells,
        rows=_dimension(rows, cells),
        cols=_dimension(cols, cells),
    )


register(
    Indicator(
        code="questionnaire_score",
        label=_("Score moyen des questionnaires, par vague"),
        definition=_(
            "Moyenne des scores des questionnaires qui en déclarent un (somme ou moyenne "
            "des items notés, selon le questionnaire), parmi les réponses envoyées pendant "
            "la période, à l'entrée, à 6 mois et à 12 mois (comptés depuis l'entrée dans "
            "le programme ou le début du suivi). Chaque personne compte une fois par case : "
            "ses réponses y sont d'abord moyennées. Seules comptent les personnes dont "
            "l'accord pour la recherche est en vigueur. Les questionnaires n'ont pas la "
            "même échelle : ventilez par questionnaire et par vague (la moyenne "
            "d'ensemble mélange des scores différents)."
        ),
        unit=Unit.SCORE,
        measure=Measure.MEAN,
        section=SECTION,
        dimensions=(INSTRUMENT_CODE, WAVE.code, AUDIENCE.code, GENDER.code),
        compute=_compute_score,
    )
)
