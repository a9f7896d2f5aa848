"""The forms of a follow-up: opening it, rectifying the record, closing it, the later
situations, co-mediators and the person's rights. They check the shape of what was
typed (a date, a number, a choice); the services decide what the rules allow."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coop.models import Programme
from members.enums import Gender, Stage
from members.models import Member
from peer_support.enums import (
    ArrivalRoute,
    CareFollowUp,
    Housing,
    Outcome,
    Resource,
)

NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}


class PastDateField(forms.DateField):
    """A date picked on a phone's calendar, today at the latest."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def widget_attrs(self, widget):
        return super().widget_attrs(widget) | {"max": timezone.localdate().isoformat()}


def _choice(label, choices, **kwargs) -> forms.ChoiceField:
    """A required choice shown as a list to pick from (one tap per answer)."""
    return forms.ChoiceField(
        label=label,
        choices=[("", _("Choisir…")), *choices],
        error_messages={"required": kwargs.pop("required_message", _("Choisissez une réponse."))},
        **kwargs,
    )


def peer_mediators():
    """The peer mediators still in the cooperative who can log in: who may accompany a
    person, co-facilitate a workshop or receive a follow-up."""
    return (
        Member.objects.filter(is_peer_mediator=True, user__isnull=False, user__is_active=True)
        .exclude(stage=Stage.EXITED)
        .order_by("last_name", "first_name", "pk")
    )


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.first_name} {obj.last_name}"


class MembersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.first_name} {obj.last_name}"


# --- the record -----------------------------------------------------------------------


class FollowUpForm(forms.Form):
    """Who the person is (a minimal record) and their situation at entry."""

    pseudonym = forms.CharField(
        label=_("Prénom ou pseudonyme"),
        max_length=100,
        help_text=_("Pas de nom de famille : un prénom ou un surnom suffit."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Indiquez un prénom ou un pseudonyme.")},
    )
    birth_year = forms.IntegerField(
        label=_("Année de naissance"),
        required=False,
        min_value=1900,
        max_value=2100,
        help_text=_("Si la personne veut bien la donner. Exemple : 1985"),
        widget=forms.TextInput(attrs=NUMERIC | {"pattern": "[0-9]*", "maxlength": 4}),
    )
    gender = forms.ChoiceField(
        label=_("Genre"),
        choices=Gender.choices,
        initial=Gender.UNDISCLOSED,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une réponse (ou « Non renseigné »).")},
    )
    commune = forms.CharField(
        label=_("Commune"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    postcode = forms.CharField(
        label=_("Code postal"),
        max_length=5,
        required=False,
        widget=forms.TextInput(attrs=NUMERIC | {"pattern": "[0-9]{5}", "maxlength": 5}),
    )
    arrival_route = _choice(
        _("Comment la personne est venue"),
        ArrivalRoute.choices,
        required_message=_("Indiquez comment la personne est venue."),
    )
    opened_on = PastDateField(label=_("Début du suivi"))
    housing = _choice(_("Logement"), Housing.choices)
    resource = _choice(_("Ressource principale"), Resource.choices)
    care_follow_up = _choice(_("Suivi de soins"), CareFollowUp.choices)
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.none(),
        required=False,
        empty_label=_("Aucun"),
        help_text=_("Le programme qui finance cet accompagnement, s'il y en a un."),
    )

    IDENTITY = ("pseudonym", "birth_year", "gender", "commune", "postcode", "arrival_route")
    SITUATION = ("housing", "resource", "care_follow_up")

    def __init__(self, *args, programme_id: int | None = None, **kwargs):
        """`programme_id`: the follow-up's programme, offered even when it has ended."""
        super().__init__(*args, **kwargs)
        running = Q(pk__in=Programme.objects.active_on(timezone.localdate()).values("pk"))
        programmes = Programme.objects.filter(running | Q(pk=programme_id)).order_by("name")
        if programmes.exists():
            self.fields["programme"].queryset = programmes
        else:
            # No programme running: no question about it (and nothing changes it).
            del self.fields["programme"]

    def clean_pseudonym(self):
        return self.cleaned_data["pseudonym"].strip()

    def clean_postcode(self):
        postcode = self.cleaned_data["postcode"].replace(" ", "")
        if postcode and not (len(postcode) == 5 and postcode.isdigit()):
            raise forms.ValidationError(_("Un code postal a 5 chiffres, par exemple 93100."))
        return postcode

    def record_fields(self) -> dict:
        """The keyword arguments of the services (followup_open, followup_update)."""
        names = (*self.IDENTITY, "opened_on", *self.SITUATION, "programme")
        return {name: self.cleaned_data[name] for name in names if name in self.fields}

    @classmethod
    def initial_for(cls, followup) -> dict:
        entry = followup.situation("entry")
        initial = {name: getattr(followup, name) for name in cls.IDENTITY}
        initial |= {"opened_on": followup.opened_on, "programme": followup.programme_id}
        if entry is not None:
            initial |= {name: getattr(entry, name) for name in cls.SITUATION}
        return initial


class FollowUpOpenForm(FollowUpForm):
    """The record, with the person's consent to the processing and, separately, to
    research use."""

    consent_given_on = PastDateField(label=_("Date de son accord"))
    consent_explanation = forms.CharField(
        label=_("Ce que vous lui avez expliqué"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Par exemple : ce qui est noté, qui peut le lire, combien de temps c'est gardé, "
            "et qu'elle peut tout voir, corriger ou faire effacer."
        ),
        error_messages={"required": _("Notez ce qui a été expliqué à la personne.")},
    )
    research_consent = forms.BooleanField(
        label=_("Elle accepte aussi que ses données servent, sans son nom, à la recherche"),
        required=False,
    )
    research_consent_explanation = forms.CharField(
        label=_("Ce que vous lui avez expliqué sur la recherche"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Seulement si elle accepte. Elle peut dire non : son suivi reste le même."),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("research_consent")
            and not (data.get("research_consent_explanation") or "").strip()
        ):
            self.add_error(
                "research_consent_explanation",
                _("Notez ce qui a été expliqué sur la recherche."),
            )
        return data

    def open_fields(self) -> dict:
        """The keyword arguments of services.followup_open."""
        data = self.cleaned_data
        research = data["research_consent"]
        return self.record_fields() | {
            "consent_given_on": data["consent_given_on"],
            "consent_explanation": data["consent_explanation"],
            "research_consent_given_on": data["consent_given_on"] if research else None,
            "research_consent_explanation": data["research_consent_explanation"]
            if research
            else "",
        }


class CloseForm(forms.Form):
    closed_on = PastDateField(label=_("Date de fin"))
    outcome = forms.ChoiceField(
        label=_("Pourquoi le suivi s'arrête"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez l'issue du suivi.")},
    )
    outcome_note = forms.CharField(
        label=_("Un mot sur la fin (si besoin)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SituationForm(forms.Form):
    """The same questions as at entry, 28 days or 6 months after closing."""

    recorded_on = PastDateField(label=_("Date où vous avez eu les nouvelles"))
    housing = _choice(_("Logement"), Housing.choices)
    resource = _choice(_("Ressource principale"), Resource.choices)
    care_follow_up = _choice(_("Suivi de soins"), CareFollowUp.choices)


class ComediatorForm(forms.Form):
    member = MemberChoiceField(
        label=_("Médiateur·rice pair"),
        queryset=Member.objects.none(),
        empty_label=_("Choisir…"),
        error_messages={"required": _("Choisissez la personne qui accompagne aussi.")},
    )

    def __init__(self, *args, followup, **kwargs):
        super().__init__(*args, **kwargs)
        already = [followup.mediator_id, *(co.member_id for co in followup.comediations.all())]
        self.fields["member"].queryset = peer_mediators().exclude(pk__in=already)


class TransferForm(forms.Form):
    mediator = MemberChoiceField(
        label=_("Nouveau·elle médiateur·rice principal·e"),
        queryset=Member.objects.none(),
        empty_label=_("Choisir…"),
        error_messages={"required": _("Choisissez à qui confier le suivi.")},
    )

    def __init__(self, *args, followup, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediator"].queryset = peer_mediators().exclude(pk=followup.mediator_id)


# --- the person's rights --------------------------------------------------------------


class ResearchConsentForm(forms.Form):
    given_on = PastDateField(label=_("Date de son accord"))
    explanation = forms.CharField(
        label=_("Ce que vous lui avez expliqué sur la recherche"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Notez ce qui a été expliqué sur la recherche.")},
    )


class WithdrawForm(forms.Form):
    on = PastDateField(label=_("Date du retrait"))


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("J'ai vérifié que la demande vient bien de la personne"),
        error_messages={"required": _("Cochez la case pour confirmer l'effacement.")},
    )
