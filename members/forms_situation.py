"""The form of an entrepreneur's situation at a checkpoint. It checks the shape of what
was typed; when each checkpoint may be recorded is ruled in members.services.situation."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.enums import Resource, SituationCheckpoint
from members.forms_member import DateInput


class SituationForm(forms.Form):
    checkpoint = forms.ChoiceField(
        label=_("Moment"),
        choices=SituationCheckpoint.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez le moment de la situation."),
            "invalid_choice": _("Choisissez le moment de la situation."),
        },
    )
    recorded_on = forms.DateField(
        label=_("Recueillie le"),
        widget=DateInput(),
        initial=timezone.localdate,
        help_text=_("Le jour où la personne vous a donné la réponse."),
    )
    resource = forms.ChoiceField(
        label=_("Ressource principale"),
        choices=Resource.choices,
        widget=forms.RadioSelect,
        help_text=_("Une seule réponse : celle dont la personne vit le plus."),
        error_messages={
            "required": _("Choisissez une réponse (ou « Non renseigné »)."),
            "invalid_choice": _("Choisissez une réponse (ou « Non renseigné »)."),
        },
    )

    def clean_recorded_on(self):
        day = self.cleaned_data["recorded_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("La date de recueil ne peut pas être future."))
        return day
