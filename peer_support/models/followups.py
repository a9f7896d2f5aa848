"""The follow-up of one accompanied person: who they are (a minimal, pseudonymous
record), who accompanies them, their consents and their situation at entry and after."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.enums import Gender, Role, Stage
from peer_support.enums import (
    AgeBand,
    ArrivalRoute,
    CareFollowUp,
    Checkpoint,
    ConsentScope,
    ErasureReason,
    EsfAgeBand,
    Housing,
    Outcome,
    Resource,
)
from peer_support.fields import EncryptedTextField


def _is_active_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def sees_every_followup(user) -> bool:
    """The peer-support lead supervises every follow-up."""
    return _is_active_user(user) and user.role == Role.PEER_SUPPORT_LEAD


def _current_peer_mediator(prefix: str) -> Q:
    """The member at `prefix` is a peer mediator still in the cooperative."""
    return Q(**{f"{prefix}is_peer_mediator": True}) & ~Q(**{f"{prefix}stage": Stage.EXITED})


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class FollowUpQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The lead sees every follow-up (an erased one as its anonymous shell); a peer
        mediator still in the cooperative sees those they accompany, as main mediator or
        co-mediator, until erased; nobody else sees any (coordinators, administrators,
        accountants, funders and researchers get anonymous counts only)."""
        if not _is_active_user(user):
            return self.none()
        if sees_every_followup(user):
            return self.all()
        if user.role != Role.ENTREPRENEUR:
            return self.none()
        from members.models import Member

        # The account's member record, when it is a current peer mediator's; then the
        # follow-ups it leads or co-leads. Two indexed look-ups joined by OR (the
        # databases read both indexes), never a scan of every follow-up.
        member = Member.objects.filter(user=user).filter(_current_peer_mediator("")).values("pk")
        as_co = CoMediator.objects.filter(member__in=member).values("followup")
        return self.filter(Q(mediator__in=member) | Q(pk__in=as_co), erased_at__isnull=True)

    def open(self):
        return self.filter(closed_on__isnull=True)

    def closed(self):
        return self.filter(closed_on__isnull=False)

    def erased(self):
        return self.filter(erased_at__isnull=False)

    def not_erased(self):
        return self.filter(erased_at__isnull=True)

    def for_programme(self, programme):
        return self.filter(programme=programme)

    def accompanied_between(self, start: datetime.date, end: datetime.date):
        """Follow-ups running on at least one day from `start` to `end` (both included)."""
        return self.filter(opened_on__lte=end).filter(
            Q(closed_on__isnull=True) | Q(closed_on__gte=start)
        )

    def opened_between(self, start: datetime.date, end: datetime.date):
        return self.filter(opened_on__gte=start, opened_on__lte=end)

    def closed_between(self, start: datetime.date, end: datetime.date):
        return self.filter(closed_on__gte=start, closed_on__lte=end)

    def for_research(self):
        """Only the people whose research consent is given and not withdrawn: a
        withdrawal removes them from every output computed afterwards."""
        return self.filter(
            Exists(
                Consent.objects.filter(
                    followup=OuterRef("pk"),
                    scope=ConsentScope.RESEARCH,
                    withdrawn_on__isnull=True,
                )
            )
        )

    def counts(self, *, start: datetime.date, end: datetime.date) -> dict[str, int]:
        """People accompanied during the period, newly opened and closed in it, in one
        query. One follow-up is one person: records are pseudonymous, so two follow-ups
        of the same person years apart cannot be told apart and count twice."""
        running = Q(opened_on__lte=end) & (Q(closed_on__isnull=True) | Q(closed_on__gte=start))
        return self.aggregate(
            accompanied=Count("pk", filter=running),
            opened=Count("pk", filter=Q(opened_on__gte=start, opened_on__lte=end)),
            closed=Count("pk", filter=Q(closed_on__gte=start, closed_on__lte=end)),
        )

    def count_by(self, field: str) -> dict[str, int]:
        """How many follow-ups for each value of a non-identifying column (gender,
        age_band, department, arrival_route, outcome, programme…), grouped in the
        database."""
        if field not in COUNTABLE_FIELDS:
            raise ValueError(f"{field!r} is not a column counts may be grouped by.")
        rows = self.order_by().values(field).annotate(people=Count("pk"))
        return {row[field]: row["people"] for row in rows}

    def retention_due(self, *, today: datetime.date, years: int):
        """Closed follow-ups whose retention period is over and that are not erased yet."""
        return self.filter(
            closed_on__isnull=False,
            closed_on__lte=_years_before(today, years),
            erased_at__isnull=True,
        )

    def later_situation_due(self, *, today: datetime.date, checkpoint: Checkpoint):
        """Closed, not erased follow-ups whose situation at this checkpoint can be
        recorded now and is not recorded yet."""
        earliest = today - datetime.timedelta(days=checkpoint.earliest_days_after_closing)
        return self.filter(
            closed_on__isnull=False, closed_on__lte=earliest, erased_at__isnull=True
        ).exclude(Exists(Situation.objects.filter(followup=OuterRef("pk"), checkpoint=checkpoint)))

    def with_activity(self):
        """The figures the mediator's list shows: last meeting, meetings, goals still
        open and referrals waiting for an answer (subqueries: one query whatever the
        size)."""
        from peer_support.models.work import Goal, Meeting, Referral

        def count_of(queryset):
            return models.Subquery(
                queryset.filter(followup=OuterRef("pk"))
                .order_by()
                .values("followup")
                .annotate(n=Count("pk"))
                .values("n")[:1],
                output_field=models.IntegerField(),
            )

        last_meeting = Meeting.objects.filter(followup=OuterRef("pk")).order_by("-date")
        return self.annotate(
            last_meeting_on=models.Subquery(last_meeting.values("date")[:1]),
            meetings_count=models.functions.Coalesce(count_of(Meeting.objects.all()), 0),
            open_goals_count=models.functions.Coalesce(count_of(Goal.objects.open()), 0),
            waiting_referrals_count=models.functions.Coalesce(
                count_of(Referral.objects.awaiting_answer()), 0
            ),
        )

    def for_list(self):
        """A list page: the follow-ups with their main mediator, programme and activity
        figures, newest first (pseudonyms are encrypted: never sorted by name)."""
        return (
            self.select_related("mediator", "programme")
            .with_activity()
            .order_by("-opened_on", "-pk")
        )

    def for_page(self):
        """Everything the person's page shows, in a constant number of queries: the
        follow-up, then its co-mediators, consents, situations, goals, their progress,
        meetings, the goals each meeting worked on, referrals, and workshops attended."""
        from peer_support.models.work import (
            Goal,
            GoalProgress,
            Meeting,
            Referral,
            WorkshopAttendance,
        )

        return self.select_related("mediator", "programme", "created_by").prefetch_related(
            models.Prefetch(
                "comediations",
                queryset=CoMediator.objects.select_related("member").order_by("added_on", "pk"),
            ),
            models.Prefetch("consents", queryset=Consent.objects.order_by("given_on", "pk")),
            models.Prefetch("situations", queryset=Situation.objects.order_by("recorded_on")),
            models.Prefetch(
                "goals",
                queryset=Goal.objects.order_by("set_on", "pk").prefetch_related(
                    models.Prefetch("progress", queryset=GoalProgress.objects.order_by("on", "pk"))
                ),
            ),
            models.Prefetch(
                "meetings",
                queryset=Meeting.objects.select_related("led_by")
                .prefetch_related("goals")
                .order_by("-date", "-pk"),
            ),
            models.Prefetch("referrals", queryset=Referral.objects.order_by("-sent_on", "-pk")),
            models.Prefetch(
                "workshop_attendances",
                queryset=WorkshopAttendance.objects.select_related("workshop").order_by(
                    "-workshop__date", "-pk"
                ),
            ),
        )


# Columns of FollowUp that say nothing identifying on their own: counts may group by them.
COUNTABLE_FIELDS = frozenset(
    {
        "gender",
        "age_band",
        "esf_age_band",
        "department",
        "arrival_route",
        "outcome",
        "programme",
        "erasure_reason",
    }
)


class FollowUp(models.Model):
    """The follow-up of one person accompanied by a peer mediator: a minimal record
    (first name or pseudonym, year of birth, gender, commune), how they came, their
    consents, goals, meetings and referrals, from opening to closing with an outcome.

    Health data. Free text is encrypted at rest; every read and write is in the access
    log; erasure (on request, or when the retention period is over) replaces identity
    and free text and keeps what anonymous counts need."""

    mediator = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="peer_followups",
        verbose_name=_("médiateur·rice principal·e"),
    )
    comediators = models.ManyToManyField(
        "members.Member",
        through="CoMediator",
        related_name="peer_cofollowups",
        verbose_name=_("co-médiateur·rices"),
    )
    programme = models.ForeignKey(
        "coop.Programme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme"),
    )
    # Identifying: encrypted like the notes. Lists are ordered by date, never by name.
    pseudonym = EncryptedTextField(_("prénom ou pseudonyme"), max_length=100, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("année de naissance"), null=True, blank=True)
    # Kept after erasure instead of the year of birth.
    age_band = models.CharField(
        _("tranche d'âge à l'entrée"), max_length=16, choices=AgeBand.choices, editable=False
    )
    # The same age at opening in the bands of the European Social Fund+ (research).
    esf_age_band = models.CharField(
        _("tranche d'âge FSE+ à l'entrée"),
        max_length=16,
        choices=EsfAgeBand.choices,
        editable=False,
    )
    gender = models.CharField(
        _("genre"), max_length=16, choices=Gender.choices, default=Gender.UNDISCLOSED
    )
    commune = models.CharField(_("commune"), max_length=120, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    department = models.CharField(_("département"), max_length=3, blank=True, editable=False)
    arrival_route = models.CharField(_("venu·e par"), max_length=32, choices=ArrivalRoute.choices)
    opened_on = models.DateField(_("début du suivi"))
    closed_on = models.DateField(_("fin du suivi"), null=True, blank=True)
    outcome = models.CharField(_("issue"), max_length=32, choices=Outcome.choices, blank=True)
    outcome_note = EncryptedTextField(_("commentaire sur l'issue"), blank=True)
    erased_at = models.DateTimeField(_("effacé le"), null=True, blank=True, editable=False)
    erasure_reason = models.CharField(
        _("motif de l'effacement"),
        max_length=16,
        choices=ErasureReason.choices,
        blank=True,
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("suivi")
        verbose_name_plural = _("suivis")
        ordering = ["-opened_on", "-pk"]
        indexes = [
            models.Index(fields=["mediator", "-opened_on"]),
            models.Index(fields=["opened_on"]),
            models.Index(fields=["closed_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True)
                | models.Q(closed_on__gte=models.F("opened_on")),
                name="followup_closed_after_opened",
                violation_error_message=_("La fin du suivi précède son début."),
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True, outcome="")
                | (models.Q(closed_on__isnull=False) & models.Q(outcome__in=Outcome.values)),
                name="followup_closed_with_outcome",
                violation_error_message=_("Un suivi terminé a une issue, un suivi en cours non."),
            ),
            models.CheckConstraint(
                condition=models.Q(arrival_route__in=ArrivalRoute.values),
                name="followup_arrival_route_valid",
                violation_error_message=_("Origine inconnue."),
            ),
            models.CheckConstraint(
                condition=models.Q(age_band__in=AgeBand.values),
                name="followup_age_band_valid",
                violation_error_message=_("Tranche d'âge inconnue."),
            ),
            models.CheckConstraint(
                condition=models.Q(esf_age_band__in=EsfAgeBand.values),
                name="followup_esf_age_band_valid",
                violation_error_message=_("Tranche d'âge FSE+ inconnue."),
            ),
            models.CheckConstraint(
                condition=models.Q(birth_year__isnull=True)
                | models.Q(birth_year__gte=1900, birth_year__lte=2100),
                name="followup_birth_year_sensible",
                violation_error_message=_("L'année de naissance n'est pas vraisemblable."),
            ),
            models.CheckConstraint(
                condition=models.Q(postcode="") | models.Q(postcode__regex=r"^[0-9]{5}$"),
                name="followup_postcode_five_digits",
                violation_error_message=_("Le code postal a cinq chiffres."),
            ),
            models.CheckConstraint(
                condition=models.Q(erased_at__isnull=True, erasure_reason="")
                | (
                    models.Q(erased_at__isnull=False)
                    & models.Q(erasure_reason__in=ErasureReason.values)
                ),
                name="followup_erasure_dated_with_reason",
                violation_error_message=_("Un effacement a une date et un motif."),
            ),
            # What erasure removes stays removed; what is not erased has its name.
            models.CheckConstraint(
                condition=models.Q(erased_at__isnull=False) | ~models.Q(pseudonym=""),
                name="followup_named_until_erased",
                violation_error_message=_("Indiquez un prénom ou un pseudonyme."),
            ),
            models.CheckConstraint(
                condition=models.Q(erased_at__isnull=True)
                | models.Q(
                    pseudonym="",
                    birth_year__isnull=True,
                    commune="",
                    postcode="",
                    outcome_note="",
                ),
                name="followup_erased_holds_no_identity",
                violation_error_message=_("Un suivi effacé ne garde ni identité ni texte libre."),
            ),
            models.CheckConstraint(
                condition=~models.Q(erasure_reason=ErasureReason.RETENTION)
                | models.Q(closed_on__isnull=False),
                name="followup_retention_only_when_closed",
                violation_error_message=_("Seul un suivi terminé arrive en fin de conservation."),
            ),
        ]

    def __str__(self):
        # Never the pseudonym: __str__ ends up in logs and error reports.
        return f"FollowUp#{self.pk}"

    @property
    def reference(self) -> str:
        """How e-mails and logs name the follow-up without naming the person."""
        return _("suivi n° %(number)s") % {"number": self.pk}

    @property
    def display_name(self) -> str:
        """The name shown on pages (to those who may read it)."""
        if self.is_erased:
            return _("Personne effacée (%(reference)s)") % {"reference": self.reference}
        return self.pseudonym

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def consent(self, scope: ConsentScope) -> "Consent | None":
        """The consent of this scope in force (from the prefetched consents when the
        follow-up comes from `for_page()`)."""
        for consent in self.consents.all():
            if consent.scope == scope and consent.withdrawn_on is None:
                return consent
        return None

    def situation(self, checkpoint: Checkpoint) -> "Situation | None":
        for situation in self.situations.all():
            if situation.checkpoint == checkpoint:
                return situation
        return None

    def later_situation_opens_on(self, checkpoint: Checkpoint) -> datetime.date | None:
        """The first day the situation at this checkpoint may be recorded."""
        if self.closed_on is None:
            return None
        return self.closed_on + datetime.timedelta(days=checkpoint.earliest_days_after_closing)


class FollowUpOwnedQuerySet(models.QuerySet):
    """For records of one follow-up: visible with their follow-up."""

    def visible_to(self, user):
        return self.filter(followup__in=FollowUp.objects.visible_to(user))

    def for_research(self):
        return self.filter(followup__in=FollowUp.objects.for_research())


class CoMediator(models.Model):
    """Another peer mediator who accompanies the person with the main mediator, and
    therefore reads and writes the follow-up."""

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="comediations")
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="peer_comediations",
        verbose_name=_("co-médiateur·rice"),
    )
    added_on = models.DateField(_("depuis le"), default=timezone.localdate)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = FollowUpOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("co-médiation")
        verbose_name_plural = _("co-médiations")
        constraints = [
            models.UniqueConstraint(
                fields=["followup", "member"],
                name="comediator_once_per_followup",
                violation_error_message=_("Cette personne accompagne déjà ce suivi."),
            )
        ]

    def __str__(self):
        return f"CoMediator#{self.pk}"


class ConsentQuerySet(FollowUpOwnedQuerySet):
    def in_force(self):
        return self.filter(withdrawn_on__isnull=True)


class Consent(models.Model):
    """The person's consent, dated, with what was explained: to the processing of the
    follow-up (needed to open it) and, separately, to research use. Withdrawn, never
    deleted (PROTECT: it is the trace of what was agreed)."""

    followup = models.ForeignKey(FollowUp, on_delete=models.PROTECT, related_name="consents")
    scope = models.CharField(_("objet"), max_length=16, choices=ConsentScope.choices)
    given_on = models.DateField(_("donné le"))
    explanation = EncryptedTextField(_("ce qui a été expliqué"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_on = models.DateField(_("retiré le"), null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consentement")
        verbose_name_plural = _("consentements")
        ordering = ["given_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["followup", "scope"],
                condition=models.Q(withdrawn_on__isnull=True),
                name="peer_consent_one_in_force_per_scope",
                violation_error_message=_("Ce consentement est déjà en vigueur."),
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_on__isnull=True)
                | models.Q(withdrawn_on__gte=models.F("given_on")),
                name="peer_consent_withdrawn_after_given",
                violation_error_message=_("Un consentement est retiré après avoir été donné."),
            ),
            models.CheckConstraint(
                condition=models.Q(scope__in=ConsentScope.values),
                name="peer_consent_scope_valid",
                violation_error_message=_("Objet de consentement inconnu."),
            ),
        ]

    def __str__(self):
        return f"{self.get_scope_display()} ({self.given_on:%d/%m/%Y})"


class Situation(models.Model):
    """The person's housing, main resource and care follow-up, at entry and 28 days
    and 6 months after closing: the same questions each time, so that research can
    compare them."""

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="situations")
    checkpoint = models.CharField(_("moment"), max_length=16, choices=Checkpoint.choices)
    recorded_on = models.DateField(_("recueillie le"))
    housing = models.CharField(_("logement"), max_length=32, choices=Housing.choices)
    resource = models.CharField(_("ressource principale"), max_length=16, choices=Resource.choices)
    care_follow_up = models.CharField(
        _("suivi de soins"), max_length=32, choices=CareFollowUp.choices
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = FollowUpOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("situation")
        verbose_name_plural = _("situations")
        ordering = ["recorded_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["followup", "checkpoint"],
                name="situation_once_per_checkpoint",
                violation_error_message=_("La situation de ce moment est déjà enregistrée."),
            ),
            models.CheckConstraint(
                condition=models.Q(checkpoint__in=Checkpoint.values)
                & models.Q(housing__in=Housing.values)
                & models.Q(resource__in=Resource.values)
                & models.Q(care_follow_up__in=CareFollowUp.values),
                name="situation_answers_valid",
                violation_error_message=_("Réponse inconnue."),
            ),
        ]

    def __str__(self):
        return f"Situation#{self.pk} ({self.checkpoint})"
