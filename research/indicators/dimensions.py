"""Breakdowns shared by several indicators, and the expressions that compute them in the
database."""

import datetime

from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Substr
from django.db.models.lookups import LessThan
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from coop.geo import DEPARTMENT_NAMES
from members.enums import Gender

# The ESF+ age bands are defined where follow-ups keep them (peer_support records the
# band at opening, which survives erasure); research reads them from there.
from peer_support.enums import EsfAgeBand
from research.indicators.base import Dimension


def esf_age_band(birth_year_field: str, year) -> Case:
    """The ESF+ band of someone born in `birth_year_field`, in `year` (an int, or an
    expression such as ExtractYear("opened_on") for the age at entry), computed in the
    database: age is the difference of years (the birth date itself is never asked)."""
    year_expression = Value(year) if isinstance(year, int) else year
    age = models.ExpressionWrapper(
        year_expression - models.F(birth_year_field), output_field=IntegerField()
    )
    return Case(
        When(**{f"{birth_year_field}__isnull": True}, then=Value(EsfAgeBand.UNKNOWN.value)),
        When(LessThan(age, 18), then=Value(EsfAgeBand.UNDER_18.value)),
        When(LessThan(age, 30), then=Value(EsfAgeBand.FROM_18_TO_29.value)),
        When(LessThan(age, 55), then=Value(EsfAgeBand.FROM_30_TO_54.value)),
        default=Value(EsfAgeBand.FROM_55.value),
        output_field=models.CharField(),
    )


def _department_label(code: str) -> str:
    if not code:
        return str(_("Département non renseigné"))
    name = DEPARTMENT_NAMES.get(code)
    return f"{code} — {name}" if name else code


def _month_label(key: str) -> str:
    day = datetime.date.fromisoformat(f"{key}-01")
    return formats.date_format(day, "F Y")


GENDER = Dimension("gender", _("Genre"), tuple(Gender.choices))
AGE_BAND = Dimension("age_band", _("Tranche d'âge (FSE+)"), tuple(EsfAgeBand.choices))
DEPARTMENT = Dimension("department", _("Département"), label_of=_department_label)
# Months as "YYYY-MM" keys, in order.
MONTH = Dimension("month", _("Mois"), label_of=_month_label)


def department_of(postcode_field: str) -> Case:
    """The département of a postcode, computed in the database (as coop.geo does in
    Python): two digits, 2A/2B for Corsica, three digits overseas; "" without one."""
    postcode = models.F(postcode_field)
    return Case(
        When(**{postcode_field: ""}, then=Value("")),
        When(**{f"{postcode_field}__startswith": "97"}, then=Substr(postcode, 1, 3)),
        When(
            **{f"{postcode_field}__lt": "20200", f"{postcode_field}__startswith": "20"},
            then=Value("2A"),
        ),
        When(**{f"{postcode_field}__startswith": "20"}, then=Value("2B")),
        default=Substr(postcode, 1, 2),
        output_field=models.CharField(),
    )
