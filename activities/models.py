import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activities.enums import (
    AudienceKind,
    ExpenseKind,
    ExpenseStatus,
    MissionKind,
    MissionStatus,
    SessionStatus,
    Theme,
)
from members.enums import Role


def _is_active_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def sees_all_activities(user) -> bool:
    """Coordinators follow the activity; administrators and accountants read it."""
    return _is_active_user(user) and user.role in (
        Role.COORDINATOR,
        Role.ADMINISTRATOR,
        Role.ACCOUNTANT,
    )


class MissionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Coordinators, administrators and accountants see every mission; an
        entrepreneur the missions they work on or proposed."""
        if not _is_active_user(user):
            return self.none()
        if sees_all_activities(user):
            return self.all()
        if user.role == Role.ENTREPRENEUR:
            return self.filter(
                models.Q(entrepreneurs__user=user) | models.Q(proposed_by=user)
            ).distinct()
        return self.none()

    def loggable_by(self, user):
        """The missions on which the entrepreneur can log a session now: theirs, planned
        or in progress, while they are still a member."""
        from members.models import Member

        return self.visible_to(user).filter(
            entrepreneurs__in=Member.objects.visible_to(user).current(),
            status__in=[MissionStatus.PLANNED, MissionStatus.IN_PROGRESS],
        )

    def open(self):
        return self.filter(
            status__in=[MissionStatus.PLANNED, MissionStatus.IN_PROGRESS, MissionStatus.PROPOSED]
        )


class Mission(models.Model):
    """Work for a client, done by one or several entrepreneurs, at an agreed price."""

    client = models.ForeignKey(
        "coop.Client", on_delete=models.PROTECT, related_name="missions", verbose_name=_("client")
    )
    title = models.CharField(_("intitulé"), max_length=200)
    kind = models.CharField(_("type"), max_length=32, choices=MissionKind.choices)
    entrepreneurs = models.ManyToManyField(
        "members.Member", related_name="missions", verbose_name=_("entrepreneur·es")
    )
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"), null=True, blank=True)
    planned_sessions = models.PositiveSmallIntegerField(_("séances prévues"), default=1)
    agreed_price = models.DecimalField(
        _("prix convenu HT (€)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    programme = models.ForeignKey(
        "coop.Programme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme"),
    )
    status = models.CharField(
        _("état"), max_length=16, choices=MissionStatus.choices, default=MissionStatus.PROPOSED
    )
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = MissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        ordering = ["-starts_on", "pk"]
        indexes = [models.Index(fields=["status", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=MissionStatus.values),
                name="mission_status_valid",
                violation_error_message=_("État de mission inconnu."),
            ),
            models.CheckConstraint(
                condition=models.Q(agreed_price__gte=0),
                name="mission_price_not_negative",
                violation_error_message=_("Le prix convenu ne peut pas être négatif."),
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="mission_dates_in_order",
                violation_error_message=_("La fin de la mission précède son début."),
            ),
        ]

    def __str__(self):
        return self.title


class MissionTheme(models.Model):
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="themes")
    theme = models.CharField(_("thème"), max_length=32, choices=Theme.choices)

    class Meta:
        verbose_name = _("thème de la mission")
        constraints = [
            models.UniqueConstraint(fields=["mission", "theme"], name="mission_theme_once")
        ]

    def __str__(self):
        return self.get_theme_display()


class SessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Coordinators, administrators and accountants see every session; an
        entrepreneur their own."""
        if not _is_active_user(user):
            return self.none()
        if sees_all_activities(user):
            return self.all()
        if user.role == Role.ENTREPRENEUR:
            return self.filter(entrepreneur__user=user)
        return self.none()

    def billable(self):
        return self.filter(status=SessionStatus.VALIDATED)

    def with_people_reached(self):
        return self.annotate(people_reached=models.Sum("audiences__count"))


class Session(models.Model):
    """A delivered session of a mission, logged by the entrepreneur (often from a phone,
    often just after). Validated by a coordinator, it is locked and becomes billable."""

    # Chosen by the phone when the form opens: a form sent twice (network lost after the
    # server got it) is recognised, never saved twice.
    client_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mission = models.ForeignKey(
        Mission, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("mission")
    )
    entrepreneur = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name=_("entrepreneur·e"),
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("heure de début"))
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"))
    is_remote = models.BooleanField(_("à distance"), default=False)
    commune = models.CharField(_("commune"), max_length=120, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    department = models.CharField(_("département"), max_length=3, blank=True, editable=False)
    kilometres = models.DecimalField(
        _("kilomètres"), max_digits=6, decimal_places=1, default=Decimal("0")
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("état"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.LOGGED
    )
    return_reason = models.TextField(_("motif du renvoi"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    logged_at = models.DateTimeField(default=timezone.now)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("séance")
        verbose_name_plural = _("séances")
        ordering = ["-date", "-start_time", "pk"]
        indexes = [
            models.Index(fields=["date"]),
            models.Index(fields=["status", "date"]),
            models.Index(fields=["entrepreneur", "date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5, duration_minutes__lte=720),
                name="session_duration_sensible",
                violation_error_message=_("Une séance dure entre 5 minutes et 12 heures."),
            ),
            models.CheckConstraint(
                condition=models.Q(kilometres__gte=0),
                name="session_kilometres_not_negative",
                violation_error_message=_("Les kilomètres ne peuvent pas être négatifs."),
            ),
            models.CheckConstraint(
                condition=models.Q(is_remote=True) | models.Q(postcode__regex=r"^[0-9]{5}$"),
                name="session_place_or_remote",
                violation_error_message=_("Une séance sur place a un code postal (5 chiffres)."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=SessionStatus.RETURNED) | ~models.Q(return_reason=""),
                name="session_return_has_reason",
                violation_error_message=_("Un renvoi a un motif."),
            ),
        ]

    def __str__(self):
        return f"{self.mission} — {self.date:%d/%m/%Y}"

    @property
    def is_locked(self) -> bool:
        return self.status == SessionStatus.VALIDATED


class SessionAudience(models.Model):
    """How many people of one kind the session reached."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="audiences")
    kind = models.CharField(
        pgettext_lazy("audience", "public"), max_length=32, choices=AudienceKind.choices
    )
    count = models.PositiveIntegerField(_("nombre"))

    class Meta:
        verbose_name = _("public touché")
        constraints = [
            models.UniqueConstraint(fields=["session", "kind"], name="session_audience_once"),
            models.CheckConstraint(
                condition=models.Q(count__gte=1),
                name="session_audience_positive",
                violation_error_message=_("Un public compte au moins une personne."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} : {self.count}"


class SessionTheme(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="themes")
    theme = models.CharField(_("thème"), max_length=32, choices=Theme.choices)

    class Meta:
        verbose_name = _("thème de la séance")
        constraints = [
            models.UniqueConstraint(fields=["session", "theme"], name="session_theme_once")
        ]

    def __str__(self):
        return self.get_theme_display()


def receipt_path(expense: "Expense", filename: str) -> str:
    """Private, never guessable; served only by a view that checks access."""
    from pathlib import PurePosixPath

    suffix = PurePosixPath(filename).suffix.lower()
    return f"private/receipts/{expense.session.entrepreneur_id}/{uuid.uuid4().hex}{suffix}"


class ExpenseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(session__in=Session.objects.visible_to(user))


class Expense(models.Model):
    """An expense paid by the entrepreneur for a session, with the photo of its receipt."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="expenses")
    kind = models.CharField(_("type"), max_length=16, choices=ExpenseKind.choices)
    amount = models.DecimalField(
        _("montant TTC (€)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    receipt = models.FileField(
        _("justificatif"), upload_to=receipt_path, max_length=300, blank=True
    )
    receipt_content_type = models.CharField(max_length=100, blank=True, editable=False)
    status = models.CharField(
        _("état"), max_length=16, choices=ExpenseStatus.choices, default=ExpenseStatus.PENDING
    )
    return_reason = models.TextField(_("motif du renvoi"), blank=True)

    objects = ExpenseQuerySet.as_manager()

    class Meta:
        verbose_name = _("frais")
        verbose_name_plural = _("frais")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="expense_amount_positive",
                violation_error_message=_("Le montant d'un frais est positif."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ExpenseStatus.RETURNED) | ~models.Q(return_reason=""),
                name="expense_return_has_reason",
                violation_error_message=_("Un renvoi a un motif."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} €"


class CalendarFeed(models.Model):
    """The secret address of a person's iCalendar feed. Only a hash of the secret is
    kept; a new secret revokes the old address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agenda partagé")

    def __str__(self):
        return f"CalendarFeed#{self.pk}"
