"""The forms of what is done with the person: goals and their progress, meetings (logged
from a phone in under a minute), referrals and their answer, and workshops with their
attendance. They check the shape of what was typed; the services decide."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import Mission
from coop.models import Programme
from members.models import Member
from peer_support.enums import (
    GoalKind,
    GoalStatus,
    MeetingMode,
    PartnerKind,
    ReferralStatus,
    WorkshopKind,
)
from peer_support.forms import NUMERIC, MembersChoiceField, PastDateField, peer_mediators
from peer_support.models import FollowUp, Goal

# The quick choices of a meeting's duration, in minutes; anything else is typed.
MEETING_DURATIONS = [
    ("15", _("15 min")),
    ("30", _("30 min")),
    ("45", _("45 min")),
    ("60", _("1 h")),
    ("90", _("1 h 30")),
    ("120", _("2 h")),
]
WORKSHOP_DURATIONS = [
    ("60", _("1 h")),
    ("90", _("1 h 30")),
    ("120", _("2 h")),
    ("180", _("3 h")),
]
# A group meeting or alone with the person.
GROUP_CHOICES = [("0", _("Seul·e à seul·e")), ("1", _("En groupe"))]


class DurationMixin:
    """A quick choice of duration, or minutes typed ("duration" / "duration_other");
    the minutes typed win, they took more care. Sets cleaned_data["duration_minutes"]."""

    duration_message = _("Choisissez la durée.")

    def clean_duration_minutes(self, data: dict) -> None:
        duration, other = data.get("duration"), data.get("duration_other")
        if other:
            data["duration_minutes"] = other
        elif duration:
            data["duration_minutes"] = int(duration)
        elif "duration_other" not in self.errors:
            self.add_error("duration", self.duration_message)

    @staticmethod
    def duration_initial(minutes: int, presets) -> dict:
        preset = str(minutes)
        if preset in dict(presets):
            return {"duration": preset, "duration_other": None}
        return {"duration": None, "duration_other": minutes}


def _duration_fields(presets, *, low: int, high: int):
    return (
        forms.ChoiceField(
            label=_("Durée"), choices=presets, required=False, widget=forms.RadioSelect
        ),
        forms.IntegerField(
            label=_("Ou une autre durée, en minutes"),
            required=False,
            min_value=low,
            max_value=high,
            widget=forms.TextInput(attrs=NUMERIC | {"pattern": "[0-9]*"}),
        ),
    )


class GoalChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.label


# --- goals ----------------------------------------------------------------------------


class GoalForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Objectif"),
        choices=GoalKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez un objectif.")},
    )
    free_text = forms.CharField(
        label=_("L'objectif avec les mots de la personne"),
        max_length=200,
        required=False,
        help_text=_("Pour un objectif libre. Exemple : « Renouer avec ma sœur »."),
    )
    set_on = PastDateField(label=_("Fixé le"))

    def clean(self):
        data = super().clean()
        if data.get("kind") == GoalKind.FREE and not data.get("free_text", "").strip():
            self.add_error("free_text", _("Écrivez l'objectif avec les mots de la personne."))
        return data


class ProgressForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Où en est l'objectif ?"),
        choices=GoalStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez où en est l'objectif.")},
    )
    on = PastDateField(label=_("Date"))
    note = forms.CharField(
        label=_("Un mot (si besoin)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- meetings -------------------------------------------------------------------------


class MeetingForm(DurationMixin, forms.Form):
    """A meeting: when, how long, how, alone or in a group, goals worked on, a note and
    what comes next."""

    duration_message = _("Choisissez la durée de la rencontre.")

    date = PastDateField(label=_("Date"))
    duration, duration_other = _duration_fields(MEETING_DURATIONS, low=5, high=480)
    mode = forms.ChoiceField(
        label=_("Où ou comment ?"),
        choices=MeetingMode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez où ou comment la rencontre a eu lieu.")},
    )
    is_group = forms.TypedChoiceField(
        label=_("Seul·e ou en groupe ?"),
        choices=GROUP_CHOICES,
        coerce=lambda value: value == "1",
        initial="0",
        widget=forms.RadioSelect,
        error_messages={"required": _("Dites si la rencontre était en groupe.")},
    )
    goals = GoalChoiceField(
        label=_("Objectifs travaillés"),
        queryset=Goal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Ce qui compte pour la suite. Elle est chiffrée, seul·es ses accompagnant·es la lisent."
        ),
    )
    next_steps = forms.CharField(
        label=_("La suite"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Exemple : l'appeler lundi, aller ensemble au CSAPA."),
    )

    def __init__(self, *args, goals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goals"].queryset = goals

    def clean(self):
        data = super().clean()
        self.clean_duration_minutes(data)
        return data

    def meeting_fields(self) -> dict:
        """The keyword arguments of services.meeting_log / meeting_update."""
        data = self.cleaned_data
        names = ("date", "duration_minutes", "mode", "is_group", "note", "next_steps")
        return {name: data[name] for name in names} | {"goals": list(data["goals"])}

    @classmethod
    def initial_for(cls, meeting) -> dict:
        return cls.duration_initial(meeting.duration_minutes, MEETING_DURATIONS) | {
            "date": meeting.date,
            "mode": meeting.mode,
            "is_group": "1" if meeting.is_group else "0",
            "goals": [goal.pk for goal in meeting.goals.all()],
            "note": meeting.note,
            "next_steps": meeting.next_steps,
        }


class MeetingLogForm(MeetingForm):
    """A new meeting, with the token that recognises this very form if it is sent twice
    (the answer was lost on the way back to the phone)."""

    client_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form that lost its token is not refused for a field nobody sees: it gets a
        # new one, and simply is not recognised if sent again.
        if self.is_bound:
            try:
                uuid.UUID(str(self.data.get("client_token", "")))
            except ValueError:
                self.data = self.data.copy()
                self.data["client_token"] = str(uuid.uuid4())


# --- referrals ------------------------------------------------------------------------


class ReferralForm(forms.Form):
    partner_kind = forms.ChoiceField(
        label=_("Vers quel partenaire ?"),
        choices=PartnerKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez le type de partenaire.")},
    )
    partner_name = forms.CharField(
        label=_("Nom du partenaire"),
        max_length=200,
        help_text=_("La structure ou le service. Exemple : CSAPA de Montreuil."),
        error_messages={"required": _("Indiquez le nom du partenaire (structure ou service).")},
    )
    shared_info = forms.CharField(
        label=_("Ce que vous partagez avec lui"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seulement ce que la personne a accepté de partager."),
        error_messages={"required": _("Notez ce qui a été partagé avec le partenaire.")},
    )
    consent = forms.BooleanField(
        label=_("La personne est d'accord pour que ces informations soient partagées"),
        error_messages={
            "required": _(
                "Sans l'accord de la personne, rien n'est partagé : cochez s'il est donné."
            )
        },
    )
    consent_given_on = PastDateField(label=_("Date de son accord"))
    sent_on = PastDateField(label=_("Date d'envoi"))

    def referral_fields(self) -> dict:
        data = self.cleaned_data
        names = ("partner_kind", "partner_name", "shared_info", "consent_given_on", "sent_on")
        return {name: data[name] for name in names}


class ReferralAnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Réponse du partenaire"),
        choices=[
            (ReferralStatus.ACCEPTED, _("Accepté")),
            (ReferralStatus.REFUSED, _("Refusé")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez la réponse du partenaire.")},
    )
    answered_on = PastDateField(label=_("Date de la réponse"))
    refusal_reason = forms.CharField(
        label=_("Motif du refus"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Seulement si le partenaire a refusé."),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("status") == ReferralStatus.REFUSED
            and not data.get("refusal_reason", "").strip()
        ):
            self.add_error("refusal_reason", _("Notez le motif du refus donné par le partenaire."))
        return data


# --- workshops ------------------------------------------------------------------------


class MissionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class WorkshopForm(DurationMixin, forms.Form):
    duration_message = _("Choisissez la durée de l'atelier.")

    kind = forms.ChoiceField(
        label=_("Type"),
        choices=WorkshopKind.choices,
        widget=forms.RadioSelect,
        initial=WorkshopKind.PEER_TO_PEER,
        error_messages={"required": _("Choisissez le type d'atelier.")},
    )
    title = forms.CharField(
        label=_("Thème"),
        max_length=200,
        help_text=_("Comme il est annoncé. Jamais le nom d'une personne."),
        error_messages={"required": _("Indiquez le thème de l'atelier.")},
    )
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    duration, duration_other = _duration_fields(WORKSHOP_DURATIONS, low=15, high=480)
    place = forms.CharField(label=_("Lieu"), max_length=200, required=False)
    cofacilitators = MembersChoiceField(
        label=_("Avec d'autres médiateur·rices (si besoin)"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_participants = forms.IntegerField(
        label=_("Autres participant·es"),
        min_value=0,
        max_value=1000,
        initial=0,
        help_text=_(
            "Les personnes présentes qui ne sont pas suivies ici (professionnel·les, pairs)."
        ),
        widget=forms.TextInput(attrs=NUMERIC | {"pattern": "[0-9]*"}),
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.none(),
        required=False,
        empty_label=_("Aucun"),
    )
    mission = MissionChoiceField(
        label=_("Mission facturée"),
        queryset=Mission.objects.none(),
        required=False,
        empty_label=_("Aucune"),
        help_text=_("Pour une sensibilisation d'équipe soignante facturée à l'établissement."),
    )
    note = forms.CharField(
        label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, actor, member, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cofacilitators"].queryset = peer_mediators().exclude(pk=member.pk)
        self.fields["programme"].queryset = Programme.objects.order_by("name")
        self.fields["mission"].queryset = Mission.objects.visible_to(actor).order_by(
            "-starts_on", "pk"
        )
        if editing:
            # A workshop keeps its kind.
            del self.fields["kind"]

    def clean(self):
        data = super().clean()
        self.clean_duration_minutes(data)
        return data

    def workshop_fields(self) -> dict:
        data = self.cleaned_data
        names = (
            "title",
            "date",
            "duration_minutes",
            "place",
            "programme",
            "mission",
            "other_participants",
            "note",
            "cofacilitators",
        )
        fields = {name: data[name] for name in names}
        if "kind" in self.fields:
            fields["kind"] = data["kind"]
        fields["cofacilitators"] = list(fields["cofacilitators"])
        return fields

    @classmethod
    def initial_for(cls, workshop, *, member) -> dict:
        return cls.duration_initial(workshop.duration_minutes, WORKSHOP_DURATIONS) | {
            "title": workshop.title,
            "date": workshop.date,
            "place": workshop.place,
            "other_participants": workshop.other_participants,
            "programme": workshop.programme_id,
            "mission": workshop.mission_id,
            "note": workshop.note,
            "cofacilitators": [
                facilitation.member_id
                for facilitation in workshop.facilitations.all()
                if facilitation.member_id != member.pk
            ],
        }


class FollowUpChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class AttendanceForm(forms.Form):
    followups = FollowUpChoiceField(
        label=_("Les personnes que vous accompagnez qui sont venues"),
        queryset=FollowUp.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, followups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["followups"].queryset = followups
