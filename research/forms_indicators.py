"""The shape of what is asked on the indicators page: a programme (or the whole
cooperative), a period (a month, a year, or dates), a territory, an indicator and its
breakdown. What may be published is research.publication's and research.disclosure's."""

import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from coop.geo import DEPARTMENT_NAMES
from research.enums import PeriodKind
from research.indicators import REGISTRY, SECTIONS, Scope
from research.publication import Request, dimension_label, indicators_of

FIRST_YEAR = 2000
# "2026-03" (what a month field sends) or "03/2026" (typed where there is none).
_MONTH_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_MONTH_FRENCH = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{4})\s*$")


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def parse_month(text: str) -> datetime.date | None:
    """The first day of a month written "2026-03" or "03/2026"; None otherwise."""
    match = _MONTH_ISO.match(text or "")
    if match:
        year, month = int(match[1]), int(match[2])
    else:
        match = _MONTH_FRENCH.match(text or "")
        if not match:
            return None
        month, year = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and year >= 1):
        return None
    return datetime.date(year, month, 1)


def month_end(first: datetime.date) -> datetime.date:
    following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _grouped_indicator_choices(indicators) -> list:
    groups: dict[str, list[tuple[str, str]]] = {}
    for indicator in indicators:
        groups.setdefault(indicator.section, []).append((indicator.code, str(indicator.label)))
    return [(str(SECTIONS[section]), choices) for section, choices in groups.items()]


class IndicatorForm(forms.Form):
    """`programmes`: those the reader may choose (visible to them); `whole_cooperative`:
    whether they may leave it empty for the whole cooperative; `whole_months_only`:
    chosen periods start on a 1st and end on a month's last day (for readers outside
    the cooperative, so that two close periods cannot be subtracted day by day)."""

    programme = forms.ChoiceField(label=_("Programme"), required=False)
    period = forms.ChoiceField(
        label=_("Période"),
        choices=PeriodKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez un mois, une année ou une période."),
            "invalid_choice": _("Choisissez un mois, une année ou une période."),
        },
    )
    month = forms.CharField(
        label=_("Mois"),
        required=False,
        max_length=10,
        help_text=_("Par exemple 2026-03 (mars 2026)."),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "AAAA-MM"}),
    )
    year = forms.IntegerField(
        label=_("Année"),
        required=False,
        min_value=FIRST_YEAR,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Écrivez une année en chiffres, par exemple 2026."),
            "min_value": _("Choisissez une année à partir de %(limit_value)s."),
            "max_value": _("Choisissez une année jusqu'à %(limit_value)s."),
        },
    )
    start = forms.DateField(
        label=_("Du"),
        required=False,
        widget=_date_input(),
        error_messages={"invalid": _("Écrivez une date, par exemple 01/01/2026.")},
    )
    end = forms.DateField(
        label=_("Au"),
        required=False,
        widget=_date_input(),
        error_messages={"invalid": _("Écrivez une date, par exemple 31/12/2026.")},
    )
    department = forms.ChoiceField(
        label=_("Territoire"),
        required=False,
        choices=[("", _("Tous les départements"))]
        + [(code, f"{code} — {name}") for code, name in sorted(DEPARTMENT_NAMES.items())],
        error_messages={"invalid_choice": _("Choisissez un département dans la liste.")},
    )
    indicator = forms.ChoiceField(
        label=_("Indicateur"),
        error_messages={
            "required": _("Choisissez un indicateur."),
            "invalid_choice": _(
                "Cet indicateur n'est pas proposé ici : choisissez-en un dans la liste."
            ),
        },
    )
    rows = forms.ChoiceField(
        label=_("Ventiler en lignes par"),
        required=False,
        error_messages={
            "invalid_choice": _(
                "Cet indicateur ne se ventile pas ainsi : choisissez une ventilation dans la liste."
            )
        },
    )
    cols = forms.ChoiceField(
        label=_("et en colonnes par"),
        required=False,
        error_messages={
            "invalid_choice": _(
                "Cet indicateur ne se ventile pas ainsi : choisissez une ventilation dans la liste."
            )
        },
    )
    shares = forms.BooleanField(label=_("Montrer la part en % de chaque colonne"), required=False)

    def __init__(
        self,
        data=None,
        *,
        programmes,
        whole_cooperative: bool,
        whole_months_only: bool,
        today: datetime.date,
        **kwargs,
    ):
        self.programmes = {str(p.pk): p for p in programmes}
        self.whole_cooperative = whole_cooperative
        self.whole_months_only = whole_months_only
        last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        defaults = {
            "period": PeriodKind.MONTH,
            "month": f"{last_month:%Y-%m}",
            "year": str(last_month.year),
        }
        if not whole_cooperative and len(self.programmes) == 1:
            defaults["programme"] = next(iter(self.programmes))
        if data is not None:
            # A link naming only an indicator shows it for last month: what is not in
            # the address takes its default; what is there (even empty) stays.
            data = data.copy()
            for name, value in defaults.items():
                data.setdefault(name, value)
        super().__init__(data, initial=defaults, **kwargs)
        self.fields["year"].validators.append(_MaxYear(today.year + 1))
        self.fields["year"].widget.attrs.update({"min": FIRST_YEAR, "max": today.year + 1})

        programme_field = self.fields["programme"]
        empty = _("Toute la coopérative") if whole_cooperative else _("Choisissez un programme")
        programme_field.choices = [("", empty)] + [
            (key, p.name) for key, p in self.programmes.items()
        ]
        programme_field.required = not whole_cooperative
        programme_field.error_messages = {
            "required": _("Choisissez un programme."),
            "invalid_choice": _("Choisissez un programme dans la liste."),
        }

        # The lists follow what is already chosen: a programme's indicator set, an
        # indicator's breakdowns.
        self.chosen_programme = self.programmes.get(self._raw("programme"))
        offered = indicators_of(self.chosen_programme)
        self.fields["indicator"].choices = [("", _("Choisissez un indicateur"))] + (
            _grouped_indicator_choices(offered)
        )
        self.offered = {i.code: i for i in offered}
        chosen = self.offered.get(self._raw("indicator"))
        if chosen is not None:
            codes = list(chosen.dimensions)
        else:
            codes = list(dict.fromkeys(d for i in offered for d in i.dimensions))
        breakdowns = [(code, dimension_label(code)) for code in codes]
        self.fields["rows"].choices = [("", _("Aucune ventilation"))] + breakdowns
        self.fields["cols"].choices = [("", _("Aucune ventilation"))] + breakdowns

    def _raw(self, name: str) -> str:
        if not self.is_bound:
            return str(self.initial.get(name, ""))
        return str(self.data.get(name, ""))

    def clean_month(self):
        text = self.cleaned_data["month"]
        if text and parse_month(text) is None:
            raise forms.ValidationError(_("Écrivez un mois, par exemple 2026-03 ou 03/2026."))
        return text

    def clean(self):
        cleaned = super().clean()
        self._clean_period(cleaned)
        rows, cols = cleaned.get("rows") or None, cleaned.get("cols") or None
        if rows and rows == cols:
            self.add_error("cols", _("Choisissez deux ventilations différentes."))
        if cols and not rows:
            # One breakdown is a table in rows, whichever list it was chosen in.
            cleaned["rows"], cleaned["cols"] = cols, ""
        return cleaned

    def _clean_period(self, cleaned) -> None:
        kind = cleaned.get("period")
        if kind == PeriodKind.MONTH:
            first = parse_month(cleaned.get("month") or "")
            if not cleaned.get("month") and "month" not in self.errors:
                self.add_error("month", _("Donnez le mois, par exemple 2026-03."))
            elif first is not None:
                if first.year < FIRST_YEAR:
                    self.add_error(
                        "month",
                        _("Choisissez un mois à partir de %(year)s.") % {"year": FIRST_YEAR},
                    )
                else:
                    cleaned["period_start"], cleaned["period_end"] = first, month_end(first)
        elif kind == PeriodKind.YEAR:
            year = cleaned.get("year")
            if year is None and "year" not in self.errors:
                self.add_error("year", _("Donnez l'année, par exemple 2026."))
            elif year is not None:
                cleaned["period_start"] = datetime.date(year, 1, 1)
                cleaned["period_end"] = datetime.date(year, 12, 31)
        elif kind == PeriodKind.CUSTOM:
            start, end = cleaned.get("start"), cleaned.get("end")
            if start is None and "start" not in self.errors:
                self.add_error("start", _("Donnez le premier jour de la période."))
            if end is None and "end" not in self.errors:
                self.add_error("end", _("Donnez le dernier jour de la période."))
            if start is None or end is None:
                return
            if end < start:
                self.add_error("end", _("La fin de la période précède son début."))
            elif start.year < FIRST_YEAR:
                self.add_error(
                    "start",
                    _("Choisissez une date à partir de %(year)s.") % {"year": FIRST_YEAR},
                )
            elif self.whole_months_only and (start.day != 1 or end != month_end(end)):
                self.add_error(
                    None,
                    _(
                        "Une période choisie va du premier jour d'un mois au dernier jour "
                        "d'un mois (par exemple du 01/01/2026 au 31/03/2026) : deux périodes "
                        "qui diffèrent d'un jour feraient apparaître des petits effectifs."
                    ),
                )
            else:
                cleaned["period_start"], cleaned["period_end"] = start, end

    # --- What was asked, once valid ----------------------------------------------------

    def scope(self) -> Scope:
        cleaned = self.cleaned_data
        return Scope(
            start=cleaned["period_start"],
            end=cleaned["period_end"],
            programme=self.programmes.get(cleaned.get("programme") or ""),
            department=cleaned.get("department") or "",
        )

    def request(self) -> Request:
        cleaned = self.cleaned_data
        return Request(
            indicator=REGISTRY[cleaned["indicator"]],
            rows=cleaned.get("rows") or None,
            cols=cleaned.get("cols") or None,
        )


class _MaxYear:
    """The latest year that may be asked for (next year at most)."""

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, value):
        if value is not None and value > self.limit:
            raise forms.ValidationError(
                _("Choisissez une année jusqu'à %(limit)s.") % {"limit": self.limit}
            )

    def __eq__(self, other):
        return isinstance(other, _MaxYear) and other.limit == self.limit
