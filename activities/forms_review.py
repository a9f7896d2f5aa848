"""Forms of the coordinators' review pages (sending back a session or an expense, the
week to show) and of the calendar feed settings. They check the shape of what is typed;
the services decide."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.enums import ExpenseStatus

REASON_MAX_LENGTH = 2000


class SessionReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Ce qu'il faut corriger"),
        help_text=_("Ce message est montré à l'entrepreneur·e, qui corrige puis renvoie."),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Dites ce qu'il faut corriger.")},
    )


class ExpenseReviewForm(forms.Form):
    """One pending expense: validated, or sent back with a reason. The two buttons of the
    form carry the decision."""

    decision = forms.ChoiceField(
        choices=[
            (ExpenseStatus.VALIDATED, _("Valider le frais")),
            (ExpenseStatus.RETURNED, _("Renvoyer le frais")),
        ],
        widget=forms.HiddenInput,
        error_messages={"required": _("Choisissez : valider ou renvoyer le frais.")},
    )
    reason = forms.CharField(
        label=_("Motif, si vous renvoyez le frais"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("decision") == ExpenseStatus.RETURNED
            and not cleaned.get("reason", "").strip()
        ):
            self.add_error("reason", _("Dites ce qu'il faut corriger."))
        return cleaned


class WeekForm(forms.Form):
    """?semaine=2026-11-16: the week holding that day (any day of it is understood)."""

    semaine = forms.DateField(
        label=_("Semaine du"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def monday(self, today: datetime.date) -> datetime.date:
        """The Monday of the week asked for; this week's when none (or a wrong one) is."""
        day = (self.cleaned_data.get("semaine") if self.is_valid() else None) or today
        return day - datetime.timedelta(days=day.weekday())


class CalendarFeedForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("renew", _("Créer une nouvelle adresse")), ("revoke", _("Arrêter l'agenda"))],
        error_messages={
            "required": _("Choisissez une action."),
            "invalid_choice": _("Cette action n'existe pas."),
        },
    )
