"""The phone forms of a delivered session: log it (with, optionally, one expense), correct
it, add an expense. They check the shape of what was typed; the services decide."""

import uuid
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.enums import AudienceKind, ExpenseKind, Theme

# The quick choices of duration, in minutes; anything else is typed in minutes.
DURATION_CHOICES = [
    ("60", _("1 h")),
    ("90", _("1 h 30")),
    ("120", _("2 h")),
    ("180", _("3 h")),
]
RECEIPT_ACCEPT = "image/*,application/pdf"

NUMERIC = {"inputmode": "numeric"}


def audience_field_name(kind: str) -> str:
    return f"audience_{kind}"


class FrenchDecimalField(forms.DecimalField):
    """A decimal typed with a comma or a point ("12,5" or "12.5"), spaces ignored,
    whatever the interface language."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        text = text.replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not value.is_finite():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return value

    def widget_attrs(self, widget):
        # No min/max/step attributes: they belong to <input type=number>, which refuses
        # the French comma on some phones.
        return {"inputmode": "decimal", "autocomplete": "off"}

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format(value.normalize(), "f").replace(".", ",")
        return value


class ReceiptInput(forms.FileInput):
    """The phone offers its camera straight away."""

    def __init__(self):
        super().__init__(attrs={"accept": RECEIPT_ACCEPT, "capture": "environment"})


class SessionForm(forms.Form):
    """What a session was: when, how long, where, for whom, about what."""

    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    start_time = forms.TimeField(
        label=_("Heure de début"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    duration = forms.ChoiceField(
        label=_("Durée"),
        choices=DURATION_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    duration_other = forms.IntegerField(
        label=_("Ou une autre durée, en minutes"),
        required=False,
        min_value=5,
        max_value=720,
        widget=forms.TextInput(attrs=NUMERIC | {"pattern": "[0-9]*", "autocomplete": "off"}),
    )
    is_remote = forms.BooleanField(
        label=_("À distance (visio, téléphone)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"role": "switch"}),
    )
    commune = forms.CharField(
        label=_("Commune"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    postcode = forms.CharField(
        label=_("Code postal"),
        max_length=5,
        required=False,
        widget=forms.TextInput(
            attrs=NUMERIC | {"pattern": "[0-9]{5}", "autocomplete": "postal-code", "maxlength": 5}
        ),
    )
    themes = forms.MultipleChoiceField(
        label=_("Thèmes abordés"),
        choices=Theme.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    kilometres = FrenchDecimalField(
        label=_("Kilomètres parcourus"),
        required=False,
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Aller et retour. Exemple : 12,5"),
    )
    note = forms.CharField(
        label=_("Note courte"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Never shown: carries the errors of the audience as a whole ("nobody was there").
    audiences = forms.Field(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        # One number per kind of audience, before the hidden field that sums them up.
        audiences = self.fields.pop("audiences")
        for kind, label in AudienceKind.choices:
            self.fields[audience_field_name(kind)] = forms.IntegerField(
                label=label,
                required=False,
                min_value=0,
                max_value=100_000,
                widget=forms.NumberInput(attrs=NUMERIC | {"min": 0, "step": 1}),
            )
        self.fields["audiences"] = audiences

    def audience_fields(self):
        return [self[audience_field_name(kind)] for kind in AudienceKind.values]

    def clean_postcode(self):
        postcode = self.cleaned_data["postcode"].replace(" ", "")
        if postcode and not (len(postcode) == 5 and postcode.isdigit()):
            raise forms.ValidationError(_("Un code postal a 5 chiffres, par exemple 93100."))
        return postcode

    def clean(self):
        data = super().clean()
        # Minutes typed win over a quick choice: typing them took more care.
        duration, other = data.get("duration"), data.get("duration_other")
        if other:
            data["duration_minutes"] = other
        elif duration:
            data["duration_minutes"] = int(duration)
        elif "duration_other" not in self.errors:
            self.add_error("duration", _("Choisissez la durée de la séance."))
        if not data.get("is_remote") and not data.get("postcode") and "postcode" not in self.errors:
            self.add_error(
                "postcode", _("Indiquez le code postal du lieu (5 chiffres), ou « à distance ».")
            )
        counts = {kind: data.get(audience_field_name(kind)) or 0 for kind in AudienceKind.values}
        data["audiences"] = counts
        if not any(counts.values()) and not any(
            audience_field_name(kind) in self.errors for kind in AudienceKind.values
        ):
            self.add_error("audiences", _("Indiquez combien de personnes étaient là."))
        if data.get("kilometres") is None:
            data["kilometres"] = Decimal("0")
        return data

    def session_fields(self) -> dict:
        """The keyword arguments of services.session_log / session_correct."""
        data = self.cleaned_data
        names = ("date", "start_time", "duration_minutes", "is_remote", "commune", "postcode")
        return {name: data[name] for name in names} | {
            "audiences": data["audiences"],
            "themes": data["themes"],
            "kilometres": data["kilometres"],
            "note": data["note"].strip(),
        }

    @classmethod
    def initial_for(cls, session) -> dict:
        """The form filled with a logged session, to correct it."""
        preset = str(session.duration_minutes)
        is_preset = preset in dict(DURATION_CHOICES)
        initial = {
            "date": session.date,
            "start_time": session.start_time,
            "duration": preset if is_preset else None,
            "duration_other": None if is_preset else session.duration_minutes,
            "is_remote": session.is_remote,
            "commune": session.commune,
            "postcode": session.postcode,
            "themes": [theme.theme for theme in session.themes.all()],
            "kilometres": session.kilometres,
            "note": session.note,
        }
        for audience in session.audiences.all():
            initial[audience_field_name(audience.kind)] = audience.count
        return initial


class ExpenseForm(forms.Form):
    """An expense with the photo of its receipt. On the session form it is optional
    (`optional=True`): left empty, there is no expense; begun, it is complete."""

    kind = forms.ChoiceField(label=_("Type de frais"), choices=ExpenseKind.choices)
    amount = FrenchDecimalField(
        label=_("Montant payé (€)"),
        max_digits=8,
        decimal_places=2,
        help_text=_("Exemple : 8,50"),
    )
    receipt = forms.FileField(
        label=_("Photo du ticket ou de la facture"),
        widget=ReceiptInput(),
        help_text=_("Photo (JPEG, PNG) ou PDF, 10 Mo au plus."),
    )

    def __init__(self, *args, optional: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.optional = optional
        if optional:
            for field in self.fields.values():
                field.required = False
            self.fields["kind"].choices = [("", _("Choisir…")), *ExpenseKind.choices]

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError(_("Le montant est plus grand que zéro."))
        return amount

    def clean(self):
        data = super().clean()
        if self.optional and self.has_input():
            for name, message in (
                ("kind", _("Choisissez le type de frais.")),
                ("amount", _("Indiquez le montant payé.")),
                ("receipt", _("Ajoutez la photo du justificatif.")),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        return data

    def has_input(self) -> bool:
        """Something was typed or chosen (an optional expense left empty is none)."""
        if not self.is_bound:
            return False
        return any(
            self.data.get(self.add_prefix(name)) or self.files.get(self.add_prefix(name))
            for name in self.fields
        )


class SessionLogForm(SessionForm):
    """The session, with the token that recognises this very form if it is sent twice."""

    client_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form that lost its token (an old page, a broken client) is not refused for a
        # field nobody can see: it gets a new one, and simply is not recognised if resent.
        if self.is_bound:
            try:
                uuid.UUID(str(self.data.get("client_token", "")))
            except ValueError:
                self.data = self.data.copy()
                self.data["client_token"] = str(uuid.uuid4())
