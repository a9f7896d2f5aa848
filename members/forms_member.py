"""Forms of the member page and of the moves along the path. They check the shape of
what was typed; the rules of the path, consents and documents live in members.services."""

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.enums import ConsentScope, DocumentKind, ExitReason, Stage
from members.models import Member, Skill, Training

OLDEST_BIRTH_YEAR = 1920
YOUNGEST_AGE = 15


class DateInput(forms.DateInput):
    """The phone's date picker: the browser sends ISO dates, shown the French way."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _date_field(label, *, required=True, help_text="", today=False):
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateInput(),
        initial=timezone.localdate if today else None,
    )


def _not_in_future(form: forms.Form, name: str, message) -> None:
    day = form.cleaned_data.get(name)
    if day is not None and day > timezone.localdate():
        form.add_error(name, message)


# --- the member's record --------------------------------------------------------------


class MemberForm(forms.ModelForm):
    """Identity, activity, skills, professional profiles and coordinator. The stage is
    not here: it moves only along the path."""

    postcode = forms.CharField(
        label=_("Code postal"),
        max_length=5,
        required=False,
        validators=[RegexValidator(r"^[0-9]{5}$", _("Le code postal a cinq chiffres."))],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("Compétences"),
        queryset=Skill.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Member
        fields = [
            "first_name",
            "last_name",
            "email",
            "phone",
            "gender",
            "birth_year",
            "commune",
            "postcode",
            "activity",
            "skills",
            "is_peer_mediator",
            "is_care_professional",
            "coordinator",
        ]
        labels = {
            "first_name": _("Prénom"),
            "last_name": _("Nom"),
            "email": _("Adresse e-mail"),
            "phone": _("Téléphone"),
            "gender": _("Genre"),
            "birth_year": _("Année de naissance"),
            "commune": _("Commune"),
            "activity": _("Métier"),
            "is_peer_mediator": _("Médiateur·rice de santé pair"),
            "is_care_professional": _("Professionnel·le du soin"),
            "coordinator": _("Chargé·e d'accompagnement"),
        }
        widgets = {
            "email": forms.EmailInput(attrs={"inputmode": "email", "autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "birth_year": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        latest = timezone.localdate().year - YOUNGEST_AGE
        if year is not None and not OLDEST_BIRTH_YEAR <= year <= latest:
            raise forms.ValidationError(
                _("L'année de naissance est comprise entre %(first)s et %(last)s.")
                % {"first": OLDEST_BIRTH_YEAR, "last": latest}
            )
        return year

    def clean_phone(self):
        return " ".join(self.cleaned_data.get("phone", "").split())


class MemberCreateForm(MemberForm):
    """A candidate registered after an information meeting."""

    information_meeting_on = _date_field(_("Réunion d'information le"), today=True)

    class Meta(MemberForm.Meta):
        fields = [*MemberForm.Meta.fields, "information_meeting_on"]

    def clean_information_meeting_on(self):
        day = self.cleaned_data["information_meeting_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(
                _("La réunion d'information a déjà eu lieu : pas de date future.")
            )
        return day


# --- moves along the path -------------------------------------------------------------


class CapeStartForm(forms.Form):
    start_date = _date_field(_("Début du CAPE"), today=True)
    planned_end_date = _date_field(_("Fin prévue"), help_text=_("Douze mois au plus."))


class CapeRenewForm(forms.Form):
    planned_end_date = _date_field(
        _("Fin prévue du renouvellement"), help_text=_("Douze mois au plus.")
    )
    start_date = _date_field(
        _("Début du renouvellement"),
        required=False,
        help_text=_("Laissez vide : le lendemain de la fin prévue du CAPE en cours."),
    )


class CesaStartForm(forms.Form):
    start_date = _date_field(
        _("Début du CESA"), help_text=_("Le CAPE en cours se termine la veille."), today=True
    )


class AssociateJoinForm(forms.Form):
    on = _date_field(
        _("Associé·e depuis le"),
        help_text=_("Au plus tard trois ans après le début du CESA."),
        today=True,
    )


class MemberExitForm(forms.Form):
    on = _date_field(
        _("Date de sortie"), help_text=_("Le contrat en cours se termine ce jour-là."), today=True
    )
    reason = forms.ChoiceField(label=_("Motif de sortie"), choices=ExitReason.choices)


# The moves offered from each stage. The services say whether a move can really happen;
# this only decides which buttons the member page shows.
MOVES_BY_STAGE = {
    Stage.WELCOME: ["cape", "sortie"],
    Stage.CAPE: ["renouvellement", "cesa", "sortie"],
    Stage.CESA: ["associe", "sortie"],
    Stage.ASSOCIATE: ["sortie"],
    Stage.EXITED: [],
}

MOVE_LABELS = {
    "cape": _("Signer un CAPE"),
    "renouvellement": _("Renouveler le CAPE"),
    "cesa": _("Signer un CESA"),
    "associe": _("Devenir associé·e"),
    "sortie": _("Enregistrer une sortie"),
}


# --- consents and the sensitive profile -----------------------------------------------


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(label=_("Consentement à"), choices=ConsentScope.choices)
    given_on = _date_field(_("Donné le"), today=True)
    explanation = forms.CharField(
        label=_("Ce qui a été expliqué à la personne"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("À quoi sert ce traitement, qui voit quoi, comment retirer son accord."),
    )

    def clean(self):
        cleaned = super().clean()
        _not_in_future(self, "given_on", _("Un consentement ne se date pas dans le futur."))
        return cleaned


class ConsentWithdrawForm(forms.Form):
    on = _date_field(_("Retiré le"), today=True)

    def clean(self):
        cleaned = super().clean()
        _not_in_future(self, "on", _("Un retrait ne se date pas dans le futur."))
        return cleaned


class SensitiveProfileForm(forms.Form):
    is_former_service_user = forms.BooleanField(
        label=_("Ancien·ne usager·ère des services d'addictologie ou de santé mentale"),
        required=False,
        help_text=_(
            "Donnée de santé : vue seulement par les chargé·es d'accompagnement et la "
            "personne. Il faut son consentement en vigueur."
        ),
    )


# --- trainings and documents ----------------------------------------------------------


class TrainingForm(forms.ModelForm):
    obtained_on = _date_field(_("Obtenu le"))
    expires_on = _date_field(
        _("Valable jusqu'au"), required=False, help_text=_("Laissez vide s'il n'expire pas.")
    )

    class Meta:
        model = Training
        fields = ["kind", "title", "organisation", "obtained_on", "expires_on"]
        labels = {"kind": _("Type"), "title": _("Intitulé"), "organisation": _("Organisme")}

    def clean(self):
        cleaned = super().clean()
        _not_in_future(self, "obtained_on", _("Une formation s'enregistre une fois obtenue."))
        obtained, expires = cleaned.get("obtained_on"), cleaned.get("expires_on")
        if obtained and expires and expires < obtained:
            self.add_error("expires_on", _("La date d'expiration précède la date d'obtention."))
        return cleaned


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de document"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("Titre"), max_length=200)
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_("PDF, JPEG ou PNG, 10 Mo au plus."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )
