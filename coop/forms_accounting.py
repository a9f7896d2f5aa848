"""The shapes of what is typed on the treasury and accounting pages: how many months of a
statement, the search of the accounts, the period of the accounting export and the year
of the tax-credit attestations. The rules of money live in coop.treasury, coop.accounting
and coop.tax_credit."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from coop.treasury import DEFAULT_MONTHS, MAX_MONTHS

# A search is a few words of a name; more is not a name.
SEARCH_MAX_WORDS = 4
# The longest accounting period: a first financial year may run up to 24 months.
MAX_EXPORT_DAYS = 731
FIRST_YEAR = 2000

MONTH_CHOICES = [
    (3, _("les 3 derniers mois")),
    (6, _("les 6 derniers mois")),
    (12, _("les 12 derniers mois")),
    (24, _("les 24 derniers mois")),
    (36, _("les 36 derniers mois")),
]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MonthsField(forms.IntegerField):
    """A number of months picked in a list. A value the list cannot show (not a number,
    out of range) shows the default choice, next to the message saying what was wrong:
    the list never claims a choice the page did not use."""

    def bound_data(self, data, initial):
        try:
            self.clean(data)
        except forms.ValidationError:
            return initial
        return data


class TreasuryMonthsForm(forms.Form):
    months = MonthsField(
        label=_("Voir"),
        required=False,
        min_value=1,
        max_value=MAX_MONTHS,
        widget=forms.Select(choices=MONTH_CHOICES),
        error_messages={
            # MAX_MONTHS, written out: a translated message is not formatted at import.
            "invalid": _("Choisissez un nombre de mois entre 1 et 120."),
            "min_value": _("Choisissez au moins 1 mois."),
            "max_value": _("Choisissez au plus %(limit_value)s mois."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["months"].initial = DEFAULT_MONTHS
        # A number typed in the address stays selected in the list.
        typed = self.data.get("months", "") if self.is_bound else ""
        if (
            typed.isdigit()
            and 1 <= int(typed) <= MAX_MONTHS
            and int(typed) not in dict(MONTH_CHOICES)
        ):
            self.fields["months"].widget.choices = sorted(
                [*MONTH_CHOICES, (int(typed), _("les %(count)s derniers mois") % {"count": typed})]
            )

    def months_or_default(self) -> int:
        if self.is_bound and self.is_valid() and self.cleaned_data["months"]:
            return self.cleaned_data["months"]
        return DEFAULT_MONTHS


def _year_field(label, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=FIRST_YEAR,
        error_messages={
            "invalid": _("Écrivez une année en chiffres, par exemple 2026."),
            "min_value": _("Choisissez une année à partir de %(limit_value)s."),
            "max_value": _("Choisissez une année jusqu'à %(limit_value)s."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **kwargs,
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


def _limit_year(field: forms.IntegerField, limit: int) -> None:
    field.validators.append(_MaxYear(limit))
    field.widget.attrs["max"] = limit


class TreasuryListForm(forms.Form):
    q = forms.CharField(
        label=_("Nom ou prénom"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    year = _year_field(_("Année du chiffre d'affaires"))

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        _limit_year(self.fields["year"], today.year + 1)
        self.fields["year"].initial = today.year

    def chosen_year(self) -> int:
        if self.is_bound and self.is_valid() and self.cleaned_data["year"]:
            return self.cleaned_data["year"]
        return self.today.year

    def words(self) -> list[str]:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["q"].split()[:SEARCH_MAX_WORDS]
        return []


FORMAT_FEC = "fec"
FORMAT_CSV = "csv"


class AccountingExportForm(forms.Form):
    start = forms.DateField(
        label=_("Du"),
        widget=_date_input(),
        error_messages={
            "required": _("Donnez le premier jour de la période."),
            "invalid": _("Écrivez une date, par exemple 01/01/2026."),
        },
    )
    end = forms.DateField(
        label=_("Au"),
        widget=_date_input(),
        error_messages={
            "required": _("Donnez le dernier jour de la période."),
            "invalid": _("Écrivez une date, par exemple 31/12/2026."),
        },
    )
    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            (
                FORMAT_FEC,
                _("FEC (fichier des écritures comptables, pour l'administration fiscale)"),
            ),
            (FORMAT_CSV, _("CSV (pour un tableur)")),
        ],
        initial=FORMAT_FEC,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez un format."),
            "invalid_choice": _("Choisissez un format."),
        },
    )
    include_salaries = forms.BooleanField(
        label=_("Inclure le coût des salaires"),
        required=False,
        initial=True,
        help_text=_("Décochez si la paie est déjà passée en comptabilité par le logiciel de paie."),
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].initial = datetime.date(today.year, 1, 1)
        self.fields["end"].initial = today

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("La fin de la période précède son début."))
            elif (end - start).days >= MAX_EXPORT_DAYS:
                self.add_error(
                    "end",
                    _(
                        "Une période dure au plus 24 mois (un exercice) : "
                        "choisissez une fin plus proche."
                    ),
                )
        return cleaned


class TaxCreditYearForm(forms.Form):
    year = _year_field(_("Année"))

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        _limit_year(self.fields["year"], today.year)
        # Attestations are given early in the year, for the year before.
        self.fields["year"].initial = today.year - 1

    def chosen_year(self) -> int:
        if self.is_bound and self.is_valid() and self.cleaned_data["year"]:
            return self.cleaned_data["year"]
        return self.today.year - 1
