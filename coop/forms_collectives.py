"""Forms of the collectives' life. They check the shape of what was typed; the rules
(dates in order, who may sign, who was a member that day) live in coop.collectives."""

import datetime

from django import forms
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coop.enums import CollectiveKind, JobKind
from coop.models import Collective, CollectivePerson, Job, Programme, WorkUnit
from members.models import User

# A period of figures longer than this is not a funder's question (and is slow).
MAX_FIGURES_DAYS = 366 * 10
REACH_OUT_DEFAULT_DAYS = 30
REACH_OUT_MAX_DAYS = 3650
SEARCH_MAX_LENGTH = 100


def date_input() -> forms.DateInput:
    # Browsers send and expect ISO dates in <input type="date">, whatever the language.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date_field(label, *, required=True, help_text="") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text, widget=date_input())


def _phone(value: str) -> str:
    return " ".join((value or "").split())


def person_label(person: CollectivePerson) -> str:
    return f"{person.last_name.upper()} {person.first_name}"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj)


class PersonMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj)


# --- collectives ------------------------------------------------------------------------


class CollectiveForm(forms.ModelForm):
    class Meta:
        model = Collective
        fields = ["name", "kind", "description", "founded_on", "requires_elected_majority"]
        widgets = {"founded_on": date_input(), "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Only coordinators run the cooperative itself.
        if not user.has_perm("coop.manage_collective", Collective(kind=CollectiveKind.COOPERATIVE)):
            self.fields["kind"].choices = [
                (value, label)
                for value, label in self.fields["kind"].choices
                if value != CollectiveKind.COOPERATIVE
            ]
        self.fields["programme"] = forms.ModelChoiceField(
            label=_("Programme financé"),
            queryset=Programme.objects.order_by("name"),
            required=False,
            empty_label=_("Aucun"),
            initial=self.instance.programme_id,
            help_text=_("Le programme dont le financeur reçoit les chiffres du collectif."),
        )

    def save(self, commit=True):
        self.instance.programme = self.cleaned_data["programme"]
        return super().save(commit=commit)


class MemberSearchForm(forms.Form):
    """The member list of a collective: current members or those who left, by name."""

    q = forms.CharField(label=_("Nom ou prénom"), required=False, max_length=SEARCH_MAX_LENGTH)
    vue = forms.ChoiceField(
        label=_("Membres"),
        required=False,
        choices=[("", _("Membres actuels")), ("partis", _("Parti·es"))],
    )

    def filter(self, people):
        if not self.is_valid():
            return people.none()
        if self.cleaned_data["vue"] == "partis":
            people = people.filter(left_on__isnull=False).order_by("-left_on", "last_name", "pk")
        else:
            people = people.filter(left_on__isnull=True)
        for word in self.cleaned_data["q"].split():
            people = people.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
        return people


class PeriodForm(forms.Form):
    """The period of the funder's figures: both days included. This month by default."""

    du = _date_field(_("Du"), required=False)
    au = _date_field(_("Au"), required=False)

    @staticmethod
    def default_period() -> tuple[datetime.date, datetime.date]:
        today = timezone.localdate()
        return today.replace(day=1), today

    @classmethod
    def default_initial(cls) -> dict:
        start, end = cls.default_period()
        return {"du": start, "au": end}

    def period(self) -> tuple[datetime.date, datetime.date]:
        start, end = self.default_period()
        return self.cleaned_data.get("du") or start, self.cleaned_data.get("au") or end

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        start, end = self.period()
        if end < start:
            self.add_error("au", _("La fin de la période précède son début."))
        elif (end - start).days > MAX_FIGURES_DAYS:
            self.add_error("au", _("Choisissez une période de dix ans au plus."))
        return cleaned


# --- membership -------------------------------------------------------------------------


class PersonForm(forms.ModelForm):
    """A member's name and how to reach them."""

    class Meta:
        model = CollectivePerson
        fields = ["first_name", "last_name", "phone", "email"]
        widgets = {
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }
        help_texts = {"phone": _("Pour prendre des nouvelles quand la personne ne vient plus.")}

    def clean_phone(self):
        return _phone(self.cleaned_data["phone"])


class PersonJoinForm(PersonForm):
    """Someone joins: no referral asked, no end date."""

    joined_on = _date_field(_("Arrivée le"))
    account_email = forms.EmailField(
        label=_("Compte Entrepairs (adresse e-mail)"),
        required=False,
        help_text=_(
            "Si la personne a un compte, elle verra son adhésion, lira et signera la charte "
            "elle-même. Laissez vide sinon."
        ),
    )

    class Meta(PersonForm.Meta):
        fields = ["first_name", "last_name", "phone", "email"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("joined_on", timezone.localdate())
        super().__init__(*args, **kwargs)

    def clean_account_email(self):
        email = self.cleaned_data["account_email"]
        if not email:
            return None
        account = (
            User.objects.filter(is_active=True)
            .annotate(email_lower=Lower("email"))
            .filter(email_lower=email.lower())
            .first()
        )
        if account is None:
            raise forms.ValidationError(
                _("Aucun compte actif n'a cette adresse. Vérifiez-la ou laissez vide.")
            )
        return account


class LeaveForm(forms.Form):
    on = _date_field(_("Départ le"))
    note = forms.CharField(
        label=_("Remarque (facultatif)"),
        required=False,
        max_length=300,
        help_text=_("La personne part quand elle le décide : aucun motif n'est demandé."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)


class ComeBackForm(forms.Form):
    on = _date_field(_("Retour le"), required=False)

    def clean_on(self):
        return self.cleaned_data["on"] or timezone.localdate()


# --- charter ----------------------------------------------------------------------------


class CharterForm(forms.Form):
    text = forms.CharField(label=_("Texte de la charte"), widget=forms.Textarea(attrs={"rows": 14}))
    effective_on = _date_field(_("En vigueur le"))
    adopted_by = forms.CharField(
        label=_("Adoptée par"),
        required=False,
        max_length=200,
        help_text=_("Par exemple : l'assemblée du club du 12 mars."),
    )


class SignatureRecordForm(forms.Form):
    """A manager records a signature made on paper."""

    person = PersonChoiceField(
        label=_("Personne qui a signé"),
        queryset=CollectivePerson.objects.none(),
        empty_label=_("Choisir une personne"),
        error_messages={
            "invalid_choice": _(
                "Choisissez une personne de la liste : elle a peut-être déjà signé ou quitté "
                "le collectif."
            )
        },
    )
    on = _date_field(_("Signée le"))

    def __init__(self, *args, unsigned, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = unsigned.order_by("last_name", "first_name", "pk")


# --- daily life -------------------------------------------------------------------------


class DayForm(forms.Form):
    jour = _date_field(_("Jour"), required=False)

    def day(self) -> datetime.date:
        if self.is_bound and self.is_valid() and self.cleaned_data["jour"]:
            return self.cleaned_data["jour"]
        return timezone.localdate()

    def clean_jour(self):
        day = self.cleaned_data["jour"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("Ce jour est à venir : choisissez aujourd'hui ou avant."))
        return day


class AttendanceDayForm(forms.Form):
    """The day's checklist: tick who came."""

    present = PersonMultipleChoiceField(
        label=_("Qui est venu ?"),
        queryset=CollectivePerson.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _(
                "Une personne cochée n'est plus dans la liste : rechargez la page et recommencez."
            )
        },
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = members


class TaskForm(forms.Form):
    person = PersonChoiceField(
        label=_("Qui ?"),
        queryset=CollectivePerson.objects.none(),
        empty_label=_("Choisir une personne présente"),
        error_messages={"invalid_choice": _("Choisissez une personne notée présente ce jour-là.")},
    )
    work_unit = forms.ModelChoiceField(
        label=_("Unité"),
        queryset=WorkUnit.objects.none(),
        empty_label=_("Choisir une unité"),
        error_messages={"invalid_choice": _("Choisissez une unité en service de la liste.")},
    )
    description = forms.CharField(label=_("Ce qui a été fait"), max_length=200)

    def __init__(self, *args, present, work_units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = present
        self.fields["work_unit"].queryset = work_units


class WorkUnitForm(forms.ModelForm):
    class Meta:
        model = WorkUnit
        fields = ["name", "description", "is_active"]
        help_texts = {
            "name": _("Par exemple : cuisine, accueil, administration, emploi."),
            "is_active": _("Décochez quand l'unité ne fonctionne plus : son historique reste."),
        }


class ReachOutFilterForm(forms.Form):
    jours = forms.IntegerField(
        label=_("Pas venu·es depuis (jours)"),
        required=False,
        min_value=1,
        max_value=REACH_OUT_MAX_DAYS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def days(self) -> int:
        if self.is_bound and self.is_valid() and self.cleaned_data["jours"]:
            return self.cleaned_data["jours"]
        return REACH_OUT_DEFAULT_DAYS


class ReachOutForm(forms.Form):
    on = _date_field(_("Nouvelles prises le"))
    note = forms.CharField(
        label=_("Comment (facultatif)"),
        required=False,
        max_length=300,
        help_text=_("Appel, carte, visite… Sans détail de santé."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)


class JobForm(forms.ModelForm):
    class Meta:
        model = Job
        fields = ["kind", "employer", "position", "hours_per_week", "starts_on", "ends_on"]
        widgets = {
            "starts_on": date_input(),
            "ends_on": date_input(),
            # A text box with the decimal keypad: "17,5" as people write it in French.
            "hours_per_week": forms.TextInput(attrs={"inputmode": "decimal", "size": 5}),
        }
        localized_fields = ["hours_per_week"]
        help_texts = {
            "ends_on": _("Laissez vide tant que l'emploi continue."),
            "kind": _(
                "Transition : un poste que le collectif tient avec un employeur. Accompagné : "
                "un emploi avec un soutien. Indépendant : un emploi trouvé et tenu seul·e."
            ),
        }

    def clean_hours_per_week(self):
        hours = self.cleaned_data["hours_per_week"]
        if hours is not None and hours <= 0:
            raise forms.ValidationError(_("Indiquez un nombre d'heures plus grand que zéro."))
        return hours


class JobFilterForm(forms.Form):
    vue = forms.ChoiceField(
        label=_("Emplois"),
        required=False,
        choices=[("", _("En cours")), ("tous", _("Tous, y compris terminés"))],
    )
    kind = forms.ChoiceField(
        label=_("Type d'emploi"),
        required=False,
        choices=[("", _("Tous les types")), *JobKind.choices],
    )
