"""What a coordinator asks for: a report of a programme for a month, a year or a chosen
period."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coop.models import Programme
from research.enums import PeriodKind
from research.services.snapshots import month_bounds

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTHS = [
    (1, _("janvier")),
    (2, _("février")),
    (3, _("mars")),
    (4, _("avril")),
    (5, _("mai")),
    (6, _("juin")),
    (7, _("juillet")),
    (8, _("août")),
    (9, _("septembre")),
    (10, _("octobre")),
    (11, _("novembre")),
    (12, _("décembre")),
]


class ReportRequestForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(
        label=_("Période"), choices=PeriodKind.choices, widget=forms.RadioSelect
    )
    month = forms.TypedChoiceField(label=_("Mois"), choices=MONTHS, coerce=int, required=False)
    year = forms.IntegerField(
        label=_("Année"),
        required=False,
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    start = forms.DateField(label=_("Du"), required=False, widget=DATE_WIDGET)
    end = forms.DateField(label=_("au"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.visible_to(user).order_by("name")
        last = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        self.fields["kind"].initial = PeriodKind.MONTH
        self.fields["month"].initial = last.month
        self.fields["year"].initial = last.year

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        year = data.get("year")
        if kind == PeriodKind.MONTH:
            if not year or not data.get("month"):
                raise forms.ValidationError(_("Choisissez le mois et l'année."))
            data["start"], data["end"] = month_bounds(year, data["month"])
        elif kind == PeriodKind.YEAR:
            if not year:
                self.add_error("year", _("Indiquez l'année."))
                return data
            data["start"], data["end"] = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        elif kind == PeriodKind.CUSTOM:
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("Indiquez le début et la fin de la période."))
            if end < start:
                self.add_error("end", _("La fin de la période précède son début."))
        return data
