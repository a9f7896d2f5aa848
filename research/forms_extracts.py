"""Forms of the pseudonymised extracts: a researcher's request, a coordinator's
decision, the coordinator's list filter. They check the shape of what was typed; the
rules (programmes read, k-anonymity) live in research.services.extracts."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.forms_member import DateInput
from research.enums import (
    ExtractAges,
    ExtractDataset,
    ExtractDates,
    ExtractStatus,
    ExtractTerritory,
)

PURPOSE_MIN_LENGTH = 20
PURPOSE_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 1000
# The earliest day an extract may cover (the platform holds nothing older).
EARLIEST = datetime.date(2000, 1, 1)


class ExtractRequestForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": _("Choisissez un programme que vous suivez.")},
    )
    dataset = forms.ChoiceField(
        label=_("Données"),
        choices=ExtractDataset.choices,
        widget=forms.RadioSelect,
        initial=ExtractDataset.ENTREPRENEURS,
    )
    period_start = forms.DateField(label=_("Du"), widget=DateInput())
    period_end = forms.DateField(label=_("Au (inclus)"), widget=DateInput())
    purpose = forms.CharField(
        label=_("Finalité de la recherche"),
        help_text=_(
            "La question de recherche et la convention qui encadre l'usage des données "
            "(lue par la personne qui approuve)."
        ),
        min_length=PURPOSE_MIN_LENGTH,
        max_length=PURPOSE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "min_length": _(
                "Dites en une phrase au moins (%(limit_value)s caractères) à quoi serviront "
                "les données."
            ),
        },
    )
    territory = forms.ChoiceField(
        label=_("Territoire"),
        choices=ExtractTerritory.choices,
        widget=forms.RadioSelect,
        initial=ExtractTerritory.DEPARTMENT,
        help_text=_("Jamais la commune ni le code postal."),
    )
    dates = forms.ChoiceField(
        label=_("Dates"),
        choices=ExtractDates.choices,
        widget=forms.RadioSelect,
        initial=ExtractDates.MONTH,
        help_text=_("Jamais le jour."),
    )
    ages = forms.ChoiceField(
        label=_("Âges"),
        choices=ExtractAges.choices,
        widget=forms.RadioSelect,
        initial=ExtractAges.ESF,
        help_text=_("Jamais l'année de naissance."),
    )
    include_gender = forms.BooleanField(
        label=_("Transmettre le genre"), required=False, initial=True
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and start < EARLIEST:
            self.add_error("period_start", _("La période commence au plus tôt en 2000."))
        if start and end and end < start:
            self.add_error("period_end", _("La fin de la période précède son début."))
        if end and end > timezone.localdate():
            self.add_error("period_end", _("La période ne peut pas finir après aujourd'hui."))
        return cleaned


class ExtractDecisionForm(forms.Form):
    APPROVE, REFUSE = "approve", "refuse"

    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[(APPROVE, _("Approuver l'extraction")), (REFUSE, _("Refuser la demande"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Motif"),
        help_text=_("Obligatoire pour un refus ; lu par la personne qui a demandé."),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.REFUSE and not cleaned.get("note", "").strip():
            self.add_error("note", _("Dites pourquoi la demande est refusée."))
        return cleaned

    @property
    def approves(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE


class ExtractFilterForm(forms.Form):
    """The coordinator's list: the requests to decide first; or any state."""

    ALL = "all"

    status = forms.ChoiceField(
        label=_("État"),
        choices=[(ALL, _("Toutes"))] + list(ExtractStatus.choices),
        required=False,
        initial=ExtractStatus.REQUESTED,
    )

    def filter(self, queryset):
        status = self.cleaned_data.get("status") or ExtractStatus.REQUESTED
        if status == self.ALL:
            return queryset
        return queryset.filter(status=status)
