"""Forms of the accompaniment: appointments, workshops, registrations and attendance.
They check the shape of what was typed; the writes and their rules live in services."""

import datetime
import itertools

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coop.models import Programme
from members.enums import AppointmentMode, AppointmentStatus, Attendance, Role
from members.models import Appointment, Member, User, Workshop

MAX_SLOTS = 3


def _date_input() -> forms.DateInput:
    # Browsers send and expect ISO dates in <input type="date">, whatever the language.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class AppointmentForm(forms.ModelForm):
    """Plan an appointment. The date and the time are two browser inputs, joined into
    one moment in the cooperative's time zone."""

    date = forms.DateField(label=_("Date"), widget=_date_input())
    time = forms.TimeField(label=_("Heure"), widget=_time_input())

    class Meta:
        model = Appointment
        fields = ["date", "time", "duration_minutes", "mode", "programme", "topics"]
        labels = {
            "duration_minutes": _("Durée (en minutes)"),
            "topics": _("Sujets prévus"),
        }
        help_texts = {"topics": _("Facultatif : ce dont vous voulez parler.")}
        widgets = {
            "duration_minutes": forms.NumberInput(attrs={"min": 5, "max": 480, "step": 5}),
            "mode": forms.RadioSelect,
            "topics": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radio buttons: no empty "---------" choice; in person unless said otherwise.
        self.fields["mode"].choices = AppointmentMode.choices
        if not self.initial.get("mode"):
            self.initial["mode"] = AppointmentMode.IN_PERSON
        self.fields["programme"].queryset = Programme.objects.order_by("name")
        self.fields["programme"].empty_label = _("Aucun")
        self.fields["programme"].help_text = _("Le programme financé dont relève ce rendez-vous.")
        if self.instance.pk:
            local = timezone.localtime(self.instance.starts_at)
            self.initial.setdefault("date", local.date())
            self.initial.setdefault("time", local.time().replace(second=0, microsecond=0))

    def clean_duration_minutes(self):
        # Also a database constraint; checked here so that the message sits by the field.
        minutes = self.cleaned_data["duration_minutes"]
        if not 5 <= minutes <= 480:
            raise forms.ValidationError(_("Un rendez-vous dure entre 5 minutes et 8 heures."))
        return minutes

    def clean(self):
        cleaned = super().clean()
        day, time = cleaned.get("date"), cleaned.get("time")
        if day and time:
            self.instance.starts_at = timezone.make_aware(datetime.datetime.combine(day, time))
        return cleaned


class AppointmentLogForm(AppointmentForm):
    """After the appointment: how it went, what was said, what comes next; or move it."""

    class Meta(AppointmentForm.Meta):
        fields = [
            "status",
            "topics",
            "next_steps",
            "date",
            "time",
            "duration_minutes",
            "mode",
            "programme",
        ]
        labels = AppointmentForm.Meta.labels | {
            "status": _("Comment s'est passé le rendez-vous ?"),
            "topics": _("Sujets abordés"),
            "next_steps": _("Suites à donner"),
        }
        help_texts = {}
        widgets = AppointmentForm.Meta.widgets | {
            "status": forms.RadioSelect,
            "next_steps": forms.Textarea(attrs={"rows": 3}),
        }

    report_fields = ("status", "topics", "next_steps")

    def report(self):
        return [self[name] for name in self.report_fields]

    def schedule(self):
        return [self[name] for name in self.fields if name not in self.report_fields]

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        starts_at = self.instance.starts_at
        if (
            status in (AppointmentStatus.HELD, AppointmentStatus.MISSED)
            and starts_at
            and starts_at > timezone.now()
        ):
            self.add_error(
                "status",
                _(
                    "Ce rendez-vous n'a pas encore eu lieu : il ne peut pas être noté comme "
                    "réalisé ou manqué. Changez sa date s'il a eu lieu plus tôt."
                ),
            )
        return cleaned


class WorkshopForm(forms.ModelForm):
    """A workshop and its one to three time slots (a signature column each on the
    sign-in sheet)."""

    class Meta:
        model = Workshop
        fields = ["subject", "description", "date", "place", "capacity", "coordinator", "programme"]
        labels = {"capacity": _("Nombre de places")}
        widgets = {
            "date": _date_input(),
            "description": forms.Textarea(attrs={"rows": 4}),
            "capacity": forms.NumberInput(attrs={"min": 1}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].queryset = User.objects.active().with_role(Role.COORDINATOR)
        self.fields["programme"].queryset = Programme.objects.order_by("name")
        self.fields["programme"].empty_label = _("Aucun")
        self.fields["programme"].help_text = _(
            "Le programme financé dont relève l'atelier : il est rappelé sur la feuille "
            "d'émargement."
        )
        for number in range(1, MAX_SLOTS + 1):
            self.fields[f"slot{number}_start"] = forms.TimeField(
                label=_("Début"), required=False, widget=_time_input()
            )
            self.fields[f"slot{number}_end"] = forms.TimeField(
                label=_("Fin"), required=False, widget=_time_input()
            )
        if self.instance.pk:
            for number, slot in enumerate(self.instance.slots.all()[:MAX_SLOTS], start=1):
                self.initial.setdefault(f"slot{number}_start", slot.starts_at)
                self.initial.setdefault(f"slot{number}_end", slot.ends_at)

    def main_fields(self):
        return [field for field in self if not field.name.startswith("slot")]

    def slot_rows(self):
        return [
            (number, self[f"slot{number}_start"], self[f"slot{number}_end"])
            for number in range(1, MAX_SLOTS + 1)
        ]

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if capacity < 1:
            raise forms.ValidationError(_("Un atelier a au moins une place."))
        return capacity

    def clean_date(self):
        day = self.cleaned_data["date"]
        unchanged = self.instance.pk and day == self.instance.date
        if not unchanged and day < timezone.localdate():
            raise forms.ValidationError(_("Cette date est passée : choisissez un jour à venir."))
        return day

    def clean(self):
        cleaned = super().clean()
        slots = []
        for number in range(1, MAX_SLOTS + 1):
            start_name, end_name = f"slot{number}_start", f"slot{number}_end"
            if start_name in self.errors or end_name in self.errors:
                continue
            start, end = cleaned.get(start_name), cleaned.get(end_name)
            if start is None and end is None:
                continue
            if start is None:
                self.add_error(start_name, _("Indiquez aussi l'heure de début."))
            elif end is None:
                self.add_error(end_name, _("Indiquez aussi l'heure de fin."))
            elif end <= start:
                self.add_error(end_name, _("La fin du créneau doit venir après son début."))
            else:
                slots.append((start, end))
        has_slot_errors = any(name.startswith("slot") for name in self.errors)
        if not slots and not has_slot_errors:
            self.add_error("slot1_start", _("Indiquez au moins un créneau horaire."))
        slots.sort()
        for (_start, previous_end), (next_start, _end) in itertools.pairwise(slots):
            if next_start < previous_end:
                raise forms.ValidationError(_("Deux créneaux se chevauchent."))
        cleaned["slots"] = slots
        return cleaned


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.last_name.upper()} {obj.first_name}"


class WorkshopRegisterMemberForm(forms.Form):
    """A coordinator registers a current member who is not yet on the list."""

    member = MemberChoiceField(
        label=_("Personne à inscrire"),
        queryset=Member.objects.none(),
        empty_label=_("Choisir une personne"),
        error_messages={
            "invalid_choice": _(
                "Sélectionnez un choix valide : cette personne est peut-être déjà inscrite "
                "ou sortie de la coopérative."
            )
        },
    )

    def __init__(self, *args, user: User, workshop: Workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            Member.objects.visible_to(user)
            .current()
            .exclude(workshop_registrations__workshop=workshop)
            .only("pk", "first_name", "last_name")
            .order_by("last_name", "first_name", "pk")
        )


class AttendanceForm(forms.Form):
    """One choice per registration: registered, present, absent or excused."""

    def __init__(self, *args, registrations, **kwargs):
        super().__init__(*args, **kwargs)
        self.registrations = list(registrations)
        for registration in self.registrations:
            self.fields[f"registration_{registration.pk}"] = forms.ChoiceField(
                label=registration.member.full_name,
                choices=Attendance.choices,
                initial=registration.attendance,
                widget=forms.RadioSelect,
            )

    def attendance(self) -> dict[int, Attendance]:
        return {
            registration.pk: Attendance(self.cleaned_data[f"registration_{registration.pk}"])
            for registration in self.registrations
        }
