"""What is done with the person: goals and their progress, meetings, referrals to
partners; and the workshops peer mediators run (with attendance of accompanied people)."""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.enums import Role
from peer_support.enums import (
    GoalKind,
    GoalStatus,
    MeetingMode,
    PartnerKind,
    ReferralStatus,
    WorkshopKind,
)
from peer_support.fields import EncryptedTextField
from peer_support.models.followups import (
    FollowUp,
    FollowUpOwnedQuerySet,
    _current_peer_mediator,
    _is_active_user,
    sees_every_followup,
)

OPEN_GOAL_STATUSES = (GoalStatus.NOT_STARTED, GoalStatus.IN_PROGRESS)
# An unanswered referral brings the mediator a reminder this many days after it was
# sent, then as often, at most this many times.
REFERRAL_REMIND_AFTER_DAYS = 14
REFERRAL_MAX_REMINDERS = 3


class GoalQuerySet(FollowUpOwnedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_GOAL_STATUSES)

    def reached_by_kind(self) -> dict[str, dict[str, int]]:
        """Goals reached, and distinct people who reached one, for each kind (one query,
        grouped in the database)."""
        rows = (
            self.filter(status=GoalStatus.REACHED)
            .order_by()
            .values("kind")
            .annotate(goals=Count("pk"), people=Count("followup", distinct=True))
        )
        return {row["kind"]: {"goals": row["goals"], "people": row["people"]} for row in rows}


class Goal(models.Model):
    """A goal set with the person, from the catalogue or in their own words (FREE).
    Its status is the one of its latest progress record."""

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="goals")
    kind = models.CharField(_("objectif"), max_length=32, choices=GoalKind.choices)
    free_text = EncryptedTextField(_("objectif en ses mots"), max_length=200, blank=True)
    set_on = models.DateField(_("fixé le"))
    status = models.CharField(
        _("état"), max_length=16, choices=GoalStatus.choices, default=GoalStatus.NOT_STARTED
    )
    status_on = models.DateField(_("état au"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = GoalQuerySet.as_manager()

    class Meta:
        verbose_name = _("objectif")
        verbose_name_plural = _("objectifs")
        ordering = ["set_on", "pk"]
        indexes = [models.Index(fields=["status", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=GoalKind.values),
                name="goal_kind_valid",
                violation_error_message=_("Objectif inconnu."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=GoalStatus.values),
                name="goal_status_valid",
                violation_error_message=_("État d'objectif inconnu."),
            ),
            # Only a free goal has words of its own (they may be empty once erased).
            models.CheckConstraint(
                condition=models.Q(kind=GoalKind.FREE) | models.Q(free_text=""),
                name="goal_free_text_only_for_free_goals",
                violation_error_message=_("Seul un objectif libre a un texte."),
            ),
            models.CheckConstraint(
                condition=models.Q(status_on__gte=models.F("set_on")),
                name="goal_status_after_set",
                violation_error_message=_("L'état d'un objectif date d'après sa création."),
            ),
            models.UniqueConstraint(
                fields=["followup", "kind"],
                condition=~models.Q(kind=GoalKind.FREE)
                & models.Q(status__in=[GoalStatus.NOT_STARTED, GoalStatus.IN_PROGRESS]),
                name="goal_one_open_per_catalogue_kind",
                violation_error_message=_("Cet objectif est déjà en cours pour cette personne."),
            ),
        ]

    def __str__(self):
        return f"Goal#{self.pk} ({self.kind})"

    @property
    def label(self) -> str:
        """The goal as the person's page shows it."""
        if self.kind == GoalKind.FREE and self.free_text:
            return self.free_text
        return self.get_kind_display()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_GOAL_STATUSES


class GoalProgressQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(goal__followup__in=FollowUp.objects.visible_to(user))

    def for_research(self):
        return self.filter(goal__followup__in=FollowUp.objects.for_research())


class GoalProgress(models.Model):
    """A dated step of a goal: where it stands, and a short note."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="progress")
    on = models.DateField(_("le"))
    status = models.CharField(_("état"), max_length=16, choices=GoalStatus.choices)
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = GoalProgressQuerySet.as_manager()

    class Meta:
        verbose_name = _("avancée d'objectif")
        verbose_name_plural = _("avancées d'objectifs")
        ordering = ["on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=GoalStatus.values),
                name="goal_progress_status_valid",
                violation_error_message=_("État d'objectif inconnu."),
            )
        ]

    def __str__(self):
        return f"GoalProgress#{self.pk} ({self.status})"


class MeetingQuerySet(FollowUpOwnedQuerySet):
    def between(self, start: datetime.date, end: datetime.date):
        return self.filter(date__gte=start, date__lte=end)

    def count_by_mode(self) -> dict[str, dict[str, int]]:
        """Meetings and distinct people met, for each mode (one grouped query)."""
        rows = (
            self.order_by()
            .values("mode")
            .annotate(meetings=Count("pk"), people=Count("followup", distinct=True))
        )
        return {row["mode"]: {"meetings": row["meetings"], "people": row["people"]} for row in rows}


class Meeting(models.Model):
    """A meeting with the person, logged by a mediator in under a minute: when, how
    long, where or how, alone or in a group, goals worked on, a note, what comes next."""

    # Chosen by the phone when the form opens: a form sent twice is saved once.
    client_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="meetings")
    led_by = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("mené par"),
    )
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"))
    mode = models.CharField(_("mode"), max_length=16, choices=MeetingMode.choices)
    is_group = models.BooleanField(_("en groupe"), default=False)
    goals = models.ManyToManyField(
        Goal, blank=True, related_name="meetings", verbose_name=_("objectifs travaillés")
    )
    note = EncryptedTextField(_("note"), blank=True)
    next_steps = EncryptedTextField(_("la suite"), blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    logged_at = models.DateTimeField(default=timezone.now)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("rencontre")
        verbose_name_plural = _("rencontres")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["followup", "-date"]),
            models.Index(fields=["date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="meeting_duration_sensible",
                violation_error_message=_("Une rencontre dure entre 5 minutes et 8 heures."),
            ),
            models.CheckConstraint(
                condition=models.Q(mode__in=MeetingMode.values),
                name="meeting_mode_valid",
                violation_error_message=_("Mode de rencontre inconnu."),
            ),
        ]

    def __str__(self):
        return f"Meeting#{self.pk} ({self.date:%d/%m/%Y})"


class PeerWorkshopQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The lead sees every workshop; a peer mediator still in the cooperative those
        they facilitate."""
        if not _is_active_user(user):
            return self.none()
        if sees_every_followup(user):
            return self.all()
        if user.role != Role.ENTREPRENEUR:
            return self.none()
        facilitating = WorkshopFacilitator.objects.filter(member__user=user).filter(
            _current_peer_mediator("member__")
        )
        return self.filter(pk__in=facilitating.values("workshop"))

    def with_attendance(self):
        return self.annotate(attendees_count=Count("attendances"))

    def between(self, start: datetime.date, end: datetime.date):
        return self.filter(date__gte=start, date__lte=end)


class PeerWorkshop(models.Model):
    """A peer-to-peer workshop (atelier pair-à-pair) with the accompanied people who
    came, or an awareness session for a care team (which may be a mission billed to the
    establishment through activities)."""

    kind = models.CharField(_("type"), max_length=32, choices=WorkshopKind.choices)
    # The theme, as announced: not about a person (kept in clear).
    title = models.CharField(_("thème"), max_length=200)
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"))
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    facilitators = models.ManyToManyField(
        "members.Member",
        through="WorkshopFacilitator",
        related_name="peer_workshops",
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
    mission = models.ForeignKey(
        "activities.Mission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="peer_workshops",
        verbose_name=_("mission"),
    )
    # People present who are not followed here: care professionals at an awareness
    # session, peers without a follow-up at a workshop.
    other_participants = models.PositiveSmallIntegerField(_("autres participant·es"), default=0)
    note = EncryptedTextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = PeerWorkshopQuerySet.as_manager()

    class Meta:
        verbose_name = _("atelier de pair-aidance")
        verbose_name_plural = _("ateliers de pair-aidance")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=WorkshopKind.values),
                name="peer_workshop_kind_valid",
                violation_error_message=_("Type d'atelier inconnu."),
            ),
            models.CheckConstraint(
                condition=models.Q(mission__isnull=True)
                | models.Q(kind=WorkshopKind.CARE_TEAM_AWARENESS),
                name="peer_workshop_mission_only_for_awareness",
                violation_error_message=_(
                    "Seule une sensibilisation d'équipe soignante se rattache à une mission."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=15, duration_minutes__lte=480),
                name="peer_workshop_duration_sensible",
                violation_error_message=_("Un atelier dure entre 15 minutes et 8 heures."),
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.date:%d/%m/%Y})"


class WorkshopFacilitatorQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(workshop__in=PeerWorkshop.objects.visible_to(user))


class WorkshopFacilitator(models.Model):
    workshop = models.ForeignKey(
        PeerWorkshop, on_delete=models.CASCADE, related_name="facilitations"
    )
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")

    objects = WorkshopFacilitatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("animation d'atelier")
        verbose_name_plural = _("animations d'ateliers")
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "member"], name="peer_workshop_facilitator_once"
            )
        ]

    def __str__(self):
        return f"WorkshopFacilitator#{self.pk}"


class WorkshopAttendance(models.Model):
    """An accompanied person present at a workshop (part of their follow-up)."""

    workshop = models.ForeignKey(PeerWorkshop, on_delete=models.CASCADE, related_name="attendances")
    followup = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, related_name="workshop_attendances"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = FollowUpOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("présence à un atelier")
        verbose_name_plural = _("présences aux ateliers")
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "followup"],
                name="peer_workshop_attendance_once",
                violation_error_message=_("Cette personne est déjà notée présente."),
            )
        ]

    def __str__(self):
        return f"WorkshopAttendance#{self.pk}"


class ReferralQuerySet(FollowUpOwnedQuerySet):
    def awaiting_answer(self):
        return self.filter(status=ReferralStatus.SENT)

    def reminder_due(self, *, today: datetime.date):
        """Referrals still unanswered, of an open follow-up, whose mediator gets a
        reminder today (see REFERRAL_REMIND_AFTER_DAYS)."""
        waited = today - datetime.timedelta(days=REFERRAL_REMIND_AFTER_DAYS)
        return self.awaiting_answer().filter(
            Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lte=waited),
            sent_on__lte=waited,
            reminders_sent__lt=REFERRAL_MAX_REMINDERS,
            followup__closed_on__isnull=True,
            followup__erased_at__isnull=True,
        )


class Referral(models.Model):
    """The person referred to a partner with their consent to share: the register of
    what was shared with whom, and the partner's answer (accepted, or refused with a
    reason). Unanswered, it brings reminders to the mediator."""

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="referrals")
    partner_kind = models.CharField(
        _("type de partenaire"), max_length=32, choices=PartnerKind.choices
    )
    partner_name = EncryptedTextField(_("partenaire"), max_length=200, blank=True)
    consent_given_on = models.DateField(_("accord de la personne pour partager le"))
    shared_info = EncryptedTextField(_("ce qui a été partagé"), blank=True)
    sent_on = models.DateField(_("envoyée le"))
    status = models.CharField(
        _("état"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    answered_on = models.DateField(_("réponse le"), null=True, blank=True)
    refusal_reason = EncryptedTextField(_("motif du refus"), blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("relances"), default=0, editable=False)
    last_reminded_on = models.DateField(null=True, blank=True, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("orientation")
        verbose_name_plural = _("orientations")
        ordering = ["-sent_on", "-pk"]
        indexes = [models.Index(fields=["status", "sent_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(partner_kind__in=PartnerKind.values),
                name="referral_partner_kind_valid",
                violation_error_message=_("Type de partenaire inconnu."),
            ),
            models.CheckConstraint(
                condition=models.Q(status=ReferralStatus.SENT, answered_on__isnull=True)
                | (
                    models.Q(status__in=[ReferralStatus.ACCEPTED, ReferralStatus.REFUSED])
                    & models.Q(answered_on__isnull=False)
                    & models.Q(answered_on__gte=models.F("sent_on"))
                ),
                name="referral_answer_dated_after_sending",
                violation_error_message=_(
                    "Une réponse est datée, et pas avant l'envoi de l'orientation."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(consent_given_on__lte=models.F("sent_on")),
                name="referral_consent_before_sending",
                violation_error_message=_("L'accord de la personne pour partager précède l'envoi."),
            ),
            models.CheckConstraint(
                condition=models.Q(reminders_sent__lte=REFERRAL_MAX_REMINDERS),
                name="referral_reminders_bounded",
                violation_error_message=_("Trois relances au plus."),
            ),
        ]

    def __str__(self):
        return f"Referral#{self.pk} ({self.status})"
