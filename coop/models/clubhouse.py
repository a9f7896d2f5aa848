"""The daily life of a peer-help collective on the Clubhouse model: its work units, who
came each day and the tasks each member took, the history of each membership (arrival,
departure, return), members' jobs, and the figures its funder asks for.

The figures are computed in the database and reused by research: `presence_figures`,
`membership_figures`, `jobs_by_kind` and `clubhouse_figures` below are their only
definition. A person is counted once even when they left and came back (their
memberships share a `person_key`)."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coop.enums import CollectiveKind, JobKind, MembershipEventKind
from coop.models.collective import CollectivePerson, _is_active_user, manages_collectives

# French law caps the working week at 48 hours.
MAX_HOURS_PER_WEEK = Decimal("48")


def member_on(day: datetime.date, prefix: str = "") -> Q:
    """Memberships running on `day`: joined that day or before, and not left before it.
    The day of departure is still a day of membership (one comes, then says goodbye)."""
    return Q(**{f"{prefix}joined_on__lte": day}) & (
        Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gte": day})
    )


def person_key(person_ref: str = "pk"):
    """One key per person across their memberships of a collective: the first
    membership's id. A membership that follows a return carries it in its return event;
    any other membership is its own first. `person_ref` names the membership id in the
    query this is annotated on ("pk" on memberships, "person_id" on what they own)."""
    origin = MembershipEvent.objects.filter(
        person=OuterRef(person_ref), kind=MembershipEventKind.CAME_BACK
    ).values("origin_id")[:1]
    return Coalesce(Subquery(origin), F(person_ref), output_field=models.BigIntegerField())


def _person_scope(queryset, user, path: str):
    """Managers see everything; a person what belongs to their own memberships."""
    if not _is_active_user(user):
        return queryset.none()
    if manages_collectives(user):
        return queryset
    return queryset.filter(**{f"{path}user": user})


# --- work units -----------------------------------------------------------------------


class WorkUnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Managers see every unit; a member the units of the collectives they are in."""
        if not _is_active_user(user):
            return self.none()
        if manages_collectives(user):
            return self.all()
        return self.filter(
            collective__people__user=user, collective__people__left_on__isnull=True
        ).distinct()

    def active(self):
        return self.filter(is_active=True)


class WorkUnit(models.Model):
    """A part of the collective's daily running that members take on: kitchen,
    reception, administration, employment… Closed units stay for the history."""

    collective = models.ForeignKey(
        "coop.Collective",
        on_delete=models.PROTECT,
        related_name="work_units",
        verbose_name=_("collectif"),
    )
    name = models.CharField(_("nom"), max_length=100)
    description = models.CharField(_("ce qu'on y fait"), max_length=300, blank=True)
    is_active = models.BooleanField(_("en service"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = WorkUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unité de travail")
        verbose_name_plural = _("unités de travail")
        ordering = ["collective", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["collective", "name"],
                name="work_unit_name_once",
                violation_error_message=_("Ce collectif a déjà une unité de ce nom."),
            ),
        ]

    def __str__(self):
        return self.name


# --- membership history -----------------------------------------------------------------


class MembershipEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _person_scope(self, user, "person__")


class MembershipEvent(models.Model):
    """A dated step of a membership, with who recorded it: the arrival, the departure
    (the person's own decision, noted by themselves or by a manager) or a return.
    Coming back opens a new membership that follows the one that ended, so that what
    happened before (presence, figures sent to funders) never changes. Kept: PROTECT."""

    person = models.ForeignKey(
        CollectivePerson, on_delete=models.PROTECT, related_name="membership_events"
    )
    kind = models.CharField(_("quoi"), max_length=16, choices=MembershipEventKind.choices)
    on = models.DateField(_("le"))
    note = models.CharField(_("remarque"), max_length=300, blank=True)
    previous = models.OneToOneField(
        CollectivePerson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followed_by",
        help_text=_("Pour un retour : l'adhésion qui s'était terminée."),
    )
    origin = models.ForeignKey(
        CollectivePerson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Pour un retour : la toute première adhésion de la personne."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = MembershipEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("étape d'adhésion")
        verbose_name_plural = _("étapes d'adhésion")
        ordering = ["on", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"],
                name="membership_event_once",
                violation_error_message=_("Cette étape est déjà notée pour cette adhésion."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=MembershipEventKind.CAME_BACK,
                        previous__isnull=False,
                        origin__isnull=False,
                    )
                    | (
                        ~Q(kind=MembershipEventKind.CAME_BACK)
                        & Q(previous__isnull=True, origin__isnull=True)
                    )
                ),
                name="membership_event_return_follows",
                violation_error_message=_("Un retour suit une adhésion terminée."),
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.get_kind_display()} ({self.on})"

    @property
    def by_the_person(self) -> bool:
        """Noted by the person themselves, from their own account."""
        return self.person.user_id is not None and self.recorded_by_id == self.person.user_id


# --- daily attendance and tasks ---------------------------------------------------------


class DailyAttendanceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _person_scope(self, user, "person__")

    def for_collective(self, collective):
        return self.filter(person__collective=collective)

    def between(self, start: datetime.date, end: datetime.date):
        return self.filter(day__gte=start, day__lte=end)

    def presence_figures(self) -> dict[str, int]:
        """Days of presence (one per person and day) and distinct people present, over
        the attendance rows of this queryset. One query."""
        return self.aggregate(
            presence_days=Count("pk"),
            members_present=Count(person_key("person_id"), distinct=True),
        )


class DailyAttendance(models.Model):
    """One person came to the collective on one day."""

    person = models.ForeignKey(
        CollectivePerson, on_delete=models.PROTECT, related_name="attendances"
    )
    day = models.DateField(_("jour"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = DailyAttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        ordering = ["-day", "person"]
        indexes = [models.Index(fields=["day"], name="daily_attendance_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "day"],
                name="daily_attendance_once",
                violation_error_message=_("Cette personne est déjà notée présente ce jour-là."),
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.day}"


class DailyTaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _person_scope(self, user, "attendance__person__")


class DailyTask(models.Model):
    """A task a member took on a day they came, in one of the work units."""

    attendance = models.ForeignKey(
        DailyAttendance,
        on_delete=models.PROTECT,
        related_name="tasks",
        help_text=_("Une tâche se prend un jour où l'on est venu·e."),
    )
    work_unit = models.ForeignKey(
        WorkUnit, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("unité")
    )
    description = models.CharField(_("ce qui a été fait"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = DailyTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("tâche du jour")
        verbose_name_plural = _("tâches du jour")
        ordering = ["attendance__day", "created_at", "pk"]

    def __str__(self):
        return self.description


# --- reaching out ------------------------------------------------------------------------


class ReachOutQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Notes about reaching out are the staff's: managers only."""
        if not (_is_active_user(user) and manages_collectives(user)):
            return self.none()
        return self.all()


class ReachOut(models.Model):
    """The collective got in touch with a member it had not seen for a while (a call, a
    card, a visit), so that two people do not call the same member the same week."""

    person = models.ForeignKey(
        CollectivePerson, on_delete=models.PROTECT, related_name="reach_outs"
    )
    on = models.DateField(_("le"))
    note = models.CharField(_("remarque"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReachOutQuerySet.as_manager()

    class Meta:
        verbose_name = _("prise de nouvelles")
        verbose_name_plural = _("prises de nouvelles")
        ordering = ["-on", "-pk"]

    def __str__(self):
        return f"{self.person} — {self.on}"


# --- jobs -------------------------------------------------------------------------------


class JobQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _person_scope(self, user, "person__")

    def for_collective(self, collective):
        return self.filter(person__collective=collective)

    def overlapping(self, start: datetime.date, end: datetime.date):
        """Jobs held on at least one day between start and end."""
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start), starts_on__lte=end)

    def current(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.overlapping(on, on)

    def jobs_by_kind(self) -> dict[str, dict[str, int]]:
        """Per kind of employment: how many jobs, held by how many people. One query."""
        rows = (
            self.order_by()
            .values("kind")
            .annotate(jobs=Count("pk"), people=Count(person_key("person_id"), distinct=True))
        )
        figures = {kind.value: {"jobs": 0, "people": 0} for kind in JobKind}
        for row in rows:
            figures[row["kind"]] = {"jobs": row["jobs"], "people": row["people"]}
        return figures


class Job(models.Model):
    """A member's job: transitional employment (a post the collective holds with an
    employer, shared between members), supported employment, or independent
    employment."""

    person = models.ForeignKey(CollectivePerson, on_delete=models.PROTECT, related_name="jobs")
    kind = models.CharField(_("type d'emploi"), max_length=16, choices=JobKind.choices)
    employer = models.CharField(_("employeur"), max_length=200)
    position = models.CharField(_("poste"), max_length=200, blank=True)
    hours_per_week = models.DecimalField(_("heures par semaine"), max_digits=4, decimal_places=1)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("emploi")
        verbose_name_plural = _("emplois")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="job_dates_in_order",
                violation_error_message=_("La fin de l'emploi précède son début."),
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week__gt=0, hours_per_week__lte=MAX_HOURS_PER_WEEK),
                name="job_hours_in_range",
                violation_error_message=_(
                    "Les heures par semaine vont de 0,5 à 48 (durée maximale légale)."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.employer}"


# --- the funder's figures ---------------------------------------------------------------


def memberships_on(collective, day: datetime.date):
    """The memberships of the collective running on that day."""
    return CollectivePerson.objects.filter(member_on(day), collective=collective)


def membership_figures(collective, start: datetime.date, end: datetime.date) -> dict[str, int]:
    """The members of the collective on the last day of the period, and how many of
    them held a job on at least one day of the period (a job from an earlier membership
    of the same person counts). Distinct people: someone who left and came back that
    day counts once. One query."""
    held_a_job = (
        Job.objects.overlapping(start, end)
        .annotate(key=person_key("person_id"))
        .filter(key=OuterRef("key"))
    )
    return (
        memberships_on(collective, end)
        .annotate(key=person_key("pk"), in_work=Exists(held_a_job))
        .aggregate(
            members=Count("key", distinct=True),
            members_in_work=Count("key", distinct=True, filter=Q(in_work=True)),
        )
    )


@dataclass(frozen=True)
class ClubhouseFigures:
    """What a peer-help collective's funder asks for, over a period (both days
    included)."""

    start: datetime.date
    end: datetime.date
    presence_days: int
    members_present: int
    members: int
    members_in_work: int
    jobs_by_kind: dict[str, dict[str, int]]

    @property
    def share_in_work(self) -> Decimal | None:
        """Members who held a job during the period, per hundred members at its end."""
        if not self.members:
            return None
        share = Decimal(self.members_in_work) * 100 / Decimal(self.members)
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def jobs_by_kind_labelled(self) -> list[tuple[str, dict[str, int]]]:
        return [(kind.label, self.jobs_by_kind[kind.value]) for kind in JobKind]


def clubhouse_figures(collective, start: datetime.date, end: datetime.date) -> ClubhouseFigures:
    """The funder's figures of a collective for a period, in three queries."""
    presence = DailyAttendance.objects.for_collective(collective).between(start, end)
    jobs = Job.objects.for_collective(collective).overlapping(start, end)
    return ClubhouseFigures(
        start=start,
        end=end,
        **presence.presence_figures(),
        **membership_figures(collective, start, end),
        jobs_by_kind=jobs.jobs_by_kind(),
    )


def hosts_daily_life(collective) -> bool:
    """Work units, attendance and jobs belong to peer-help collectives, not to the
    cooperative itself."""
    return collective.kind == CollectiveKind.PEER_HELP
