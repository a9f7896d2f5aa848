from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.enums import AppointmentMode, AppointmentStatus, Attendance, Role
from members.models.people import Member, MemberOwnedQuerySet, sees_all_members


class AppointmentQuerySet(MemberOwnedQuerySet):
    def between(self, start, end):
        return self.filter(starts_at__gte=start, starts_at__lt=end)

    def upcoming(self):
        return self.filter(status=AppointmentStatus.PLANNED, starts_at__gte=timezone.now())


class Appointment(models.Model):
    """An accompaniment appointment (rendez-vous) between a coordinator and a member:
    planned, then logged with what was discussed and what comes next."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="appointments")
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="appointments_led",
        verbose_name=_("avec"),
    )
    starts_at = models.DateTimeField(_("date et heure"))
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), default=60)
    mode = models.CharField(_("mode"), max_length=16, choices=AppointmentMode.choices)
    status = models.CharField(
        _("état"),
        max_length=16,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.PLANNED,
    )
    topics = models.TextField(_("sujets abordés"), blank=True)
    next_steps = models.TextField(_("suites à donner"), blank=True)
    programme = models.ForeignKey(
        "coop.Programme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme"),
    )

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("rendez-vous")
        verbose_name_plural = _("rendez-vous")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="appointment_duration_sensible",
                violation_error_message=_("Un rendez-vous dure entre 5 minutes et 8 heures."),
            )
        ]

    def __str__(self):
        return f"{self.member} — {timezone.localtime(self.starts_at):%d/%m/%Y %H:%M}"


class WorkshopQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Coordinators and administrators see every workshop; entrepreneurs see them
        all too (to register), but only their own registration in each."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if sees_all_members(user) or user.role == Role.ENTREPRENEUR:
            return self.all()
        return self.none()

    def upcoming(self):
        return self.filter(date__gte=timezone.localdate())

    def with_counts(self):
        return self.annotate(
            registered_count=models.Count(
                "registrations", filter=~models.Q(registrations__attendance=Attendance.EXCUSED)
            )
        )


class Workshop(models.Model):
    """A collective workshop (atelier) of the accompaniment, on one day, in one or more
    time slots, with a capacity."""

    subject = models.CharField(_("sujet"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    date = models.DateField(_("date"))
    place = models.CharField(_("lieu"), max_length=200)
    capacity = models.PositiveSmallIntegerField(_("places"))
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="workshops_led",
        verbose_name=_("animé par"),
    )
    programme = models.ForeignKey(
        "coop.Programme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme"),
    )

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        verbose_name = _("atelier")
        verbose_name_plural = _("ateliers")
        ordering = ["-date", "subject"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1),
                name="workshop_capacity_positive",
                violation_error_message=_("Un atelier a au moins une place."),
            )
        ]

    def __str__(self):
        return f"{self.subject} ({self.date:%d/%m/%Y})"


class WorkshopSlot(models.Model):
    """A time slot of a workshop (e.g. 9 h 30 – 12 h, 14 h – 16 h 30): the sign-in sheet
    has a signature column for each."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.TimeField(_("début"))
    ends_at = models.TimeField(_("fin"))

    class Meta:
        verbose_name = _("créneau")
        verbose_name_plural = _("créneaux")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="workshop_slot_ends_after_start",
                violation_error_message=_("Un créneau finit après avoir commencé."),
            )
        ]

    def __str__(self):
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class WorkshopRegistration(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="registrations")
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="workshop_registrations"
    )
    attendance = models.CharField(
        _("présence"), max_length=16, choices=Attendance.choices, default=Attendance.REGISTERED
    )
    registered_at = models.DateTimeField(default=timezone.now)

    objects = MemberOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["member__last_name", "member__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "member"],
                name="workshop_registration_once",
                violation_error_message=_("Cette personne est déjà inscrite à cet atelier."),
            )
        ]

    def __str__(self):
        return f"{self.member} — {self.workshop}"
