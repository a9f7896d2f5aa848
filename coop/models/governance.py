"""Governance bodies of the collectives — general assembly, board, collective council —
with their seats, elections and meetings.

A meeting's list of people convened is fixed when the convocation leaves, as the law
reads it: quorum, attendance and proxies are counted on that list. Once a meeting is
closed, its minutes are final."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coop.enums import (
    BodyKind,
    CollectiveKind,
    DecisionKind,
    DecisionResult,
    MajorityRule,
    MeetingAttendance,
    SeatKind,
)
from coop.models.collective import Collective, CollectivePerson
from coop.models.shares import Associate, outside_governance
from members.enums import Role


def _is_active_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def sees_all_bodies(user) -> bool:
    """Coordinators run every body; administrators read them."""
    return _is_active_user(user) and user.role in (Role.COORDINATOR, Role.ADMINISTRATOR)


# --- bodies and seats ------------------------------------------------------------------


class BodyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Coordinators and administrators see every body; the peer-support lead the
        bodies of the peer-help collectives; anyone else the bodies they belong to."""
        if not _is_active_user(user):
            return self.none()
        if sees_all_bodies(user):
            return self.all()
        if outside_governance(user):
            return self.none()
        mine = self.of_user(user)
        if user.role == Role.PEER_SUPPORT_LEAD:
            return self.filter(
                models.Q(collective__kind=CollectiveKind.PEER_HELP)
                | models.Q(pk__in=mine.values("pk"))
            )
        return mine

    def of_user(self, user, on=None):
        """The bodies this account belongs to on that day: where it holds a seat, and the
        general assembly of each collective it is a member of (for the cooperative, of
        which it is an associate)."""
        on = on or timezone.localdate()
        seats = Seat.objects.in_force(on).filter(person__user=user).values("body")
        peer_help = CollectivePerson.objects.current().filter(user=user).values("collective")
        associates = Associate.objects.current(on).filter(person__user=user).values("collective")
        assembly = models.Q(kind=BodyKind.GENERAL_ASSEMBLY)
        return self.filter(
            models.Q(pk__in=seats)
            | (
                assembly
                & models.Q(collective__kind=CollectiveKind.PEER_HELP)
                & models.Q(collective__in=peer_help)
            )
            | (
                assembly
                & models.Q(collective__kind=CollectiveKind.COOPERATIVE)
                & models.Q(collective__in=associates)
            )
        )


class Body(models.Model):
    """A governance body of a collective and its rules: how long before a meeting the
    convocation leaves, the quorum, the majorities, how many proxies one person holds.
    The general assembly gathers every associate (the cooperative) or every member (a
    peer-help collective); the other bodies gather the holders of their seats."""

    collective = models.ForeignKey(Collective, on_delete=models.PROTECT, related_name="bodies")
    kind = models.CharField(_("type"), max_length=20, choices=BodyKind.choices)
    name = models.CharField(pgettext_lazy("body", "nom"), max_length=200)
    size = models.PositiveSmallIntegerField(
        _("nombre de sièges"),
        null=True,
        blank=True,
        help_text=_("Le nombre de sièges prévu par les statuts ; vide s'il n'est pas fixé."),
    )
    notice_days = models.PositiveSmallIntegerField(
        _("délai de convocation (jours)"),
        validators=[MaxValueValidator(90)],
        help_text=_("La convocation part au moins ce nombre de jours avant la réunion."),
    )
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (%)"),
        validators=[MaxValueValidator(100)],
        help_text=_(
            "La part des membres présents ou représentés qu'il faut pour décider ; "
            "0 s'il n'y a pas de quorum."
        ),
    )
    ordinary_majority = models.CharField(
        _("majorité des décisions ordinaires"), max_length=16, choices=MajorityRule.choices
    )
    extraordinary_majority = models.CharField(
        _("majorité des décisions extraordinaires"), max_length=16, choices=MajorityRule.choices
    )
    max_proxies = models.PositiveSmallIntegerField(
        _("pouvoirs par personne au plus"),
        validators=[MaxValueValidator(20)],
        help_text=_("Combien de membres absents une personne présente peut représenter."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = BodyQuerySet.as_manager()

    class Meta:
        verbose_name = _("instance")
        verbose_name_plural = _("instances")
        ordering = ["collective", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["collective"],
                condition=models.Q(kind=BodyKind.GENERAL_ASSEMBLY),
                name="body_one_general_assembly",
                violation_error_message=_("Ce collectif a déjà son assemblée générale."),
            ),
            models.UniqueConstraint(
                fields=["collective", "name"],
                name="body_name_once",
                violation_error_message=_("Ce collectif a déjà une instance de ce nom."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=BodyKind.values),
                name="body_kind_valid",
                violation_error_message=_("Type d'instance inconnu."),
            ),
            models.CheckConstraint(
                condition=models.Q(quorum_percent__lte=100),
                name="body_quorum_percent",
                violation_error_message=_("Le quorum est un pourcentage, de 0 à 100."),
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=BodyKind.GENERAL_ASSEMBLY) | models.Q(size__isnull=True),
                name="body_assembly_has_no_seats",
                violation_error_message=_(
                    "L'assemblée générale réunit tous les membres : elle n'a pas de sièges."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.name} — {self.collective}"

    @property
    def has_seats(self) -> bool:
        return self.kind != BodyKind.GENERAL_ASSEMBLY

    def majority_for(self, kind: str) -> str:
        if kind == DecisionKind.EXTRAORDINARY:
            return self.extraordinary_majority
        return self.ordinary_majority


class HolderMixin(models.Model):
    """Who holds a seat, stands in an election or is convened: a person of the collective,
    or a legal-person associate of the cooperative."""

    person = models.ForeignKey(
        CollectivePerson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("personne"),
    )
    associate = models.ForeignKey(
        Associate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("personne morale associée"),
    )

    class Meta:
        abstract = True

    @property
    def holder_name(self) -> str:
        return str(self.person) if self.person_id else self.associate.name


class SeatQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(body__in=Body.objects.visible_to(user))

    def in_force(self, on=None):
        on = on or timezone.localdate()
        return self.filter(starts_on__lte=on).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=on)
        )


class Seat(HolderMixin):
    """A seat of a body held by someone for a term. A collective that requires it keeps at
    least half of its bodies' seats for elected members (national specifications of the
    peer-help collectives, 2022)."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="seats")
    kind = models.CharField(_("siège"), max_length=16, choices=SeatKind.choices)
    starts_on = models.DateField(_("début du mandat"))
    ends_on = models.DateField(_("fin du mandat"), null=True, blank=True)
    election = models.ForeignKey(
        "coop.Election",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="seats",
        verbose_name=_("élection"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = SeatQuerySet.as_manager()

    class Meta:
        verbose_name = _("siège")
        verbose_name_plural = _("sièges")
        ordering = ["body", "-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, associate__isnull=True)
                | models.Q(person__isnull=True, associate__isnull=False),
                name="seat_one_holder",
                violation_error_message=_("Un siège a une seule personne titulaire."),
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="seat_dates_in_order",
                violation_error_message=_("La fin du mandat précède son début."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=SeatKind.values),
                name="seat_kind_valid",
                violation_error_message=_("Type de siège inconnu."),
            ),
        ]

    def __str__(self):
        return f"{self.holder_name} — {self.body.name}"

    def in_force_on(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


# --- elections -------------------------------------------------------------------------


class ElectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(body__in=Body.objects.visible_to(user))


class Election(models.Model):
    """An election to a body's seats: candidates, the votes each received once counted,
    and the seats the elected take."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="elections")
    held_on = models.DateField(_("date du vote"))
    seats_to_fill = models.PositiveSmallIntegerField(
        _("sièges à pourvoir"), validators=[MinValueValidator(1)]
    )
    term_ends_on = models.DateField(
        _("fin des mandats"), null=True, blank=True, help_text=_("Vide : sans terme fixé.")
    )
    meeting = models.ForeignKey(
        "coop.Meeting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="elections",
        verbose_name=_("réunion où le vote a lieu"),
    )
    voters = models.PositiveIntegerField(_("votant·es"), null=True, blank=True)
    counted_at = models.DateTimeField(_("dépouillée le"), null=True, blank=True)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ElectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("élection")
        verbose_name_plural = _("élections")
        ordering = ["body", "-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seats_to_fill__gte=1),
                name="election_fills_a_seat",
                violation_error_message=_("Une élection pourvoit au moins un siège."),
            ),
            models.CheckConstraint(
                condition=models.Q(term_ends_on__isnull=True)
                | models.Q(term_ends_on__gt=models.F("held_on")),
                name="election_term_after_vote",
                violation_error_message=_("La fin des mandats suit la date du vote."),
            ),
            models.CheckConstraint(
                condition=models.Q(counted_at__isnull=True) | models.Q(voters__isnull=False),
                name="election_counted_has_voters",
                violation_error_message=_("Un dépouillement donne le nombre de votant·es."),
            ),
        ]

    def __str__(self):
        return str(
            _("Élection au %(body)s du %(date)s")
            % {"body": self.body.name, "date": date_format(self.held_on, "SHORT_DATE_FORMAT")}
        )

    @property
    def is_counted(self) -> bool:
        return self.counted_at is not None


class Candidate(HolderMixin):
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="candidates")
    votes = models.PositiveIntegerField(_("voix"), null=True, blank=True)
    elected = models.BooleanField(_("élu·e"), default=False)

    class Meta:
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        ordering = ["election", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "person"],
                condition=models.Q(person__isnull=False),
                name="candidate_person_once",
                violation_error_message=_("Cette personne est déjà candidate."),
            ),
            models.UniqueConstraint(
                fields=["election", "associate"],
                condition=models.Q(associate__isnull=False),
                name="candidate_associate_once",
                violation_error_message=_("Cette personne morale est déjà candidate."),
            ),
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, associate__isnull=True)
                | models.Q(person__isnull=True, associate__isnull=False),
                name="candidate_one_holder",
                violation_error_message=_("Une candidature est celle d'une seule personne."),
            ),
        ]

    def __str__(self):
        return self.holder_name


# --- meetings --------------------------------------------------------------------------


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The meetings of the bodies one sees; members see them once convened."""
        bodies = Body.objects.visible_to(user)
        meetings = self.filter(body__in=bodies)
        if sees_all_bodies(user) or (_is_active_user(user) and user.role == Role.PEER_SUPPORT_LEAD):
            return meetings
        return meetings.filter(convened_at__isnull=False)

    def upcoming(self):
        return self.filter(starts_at__gte=timezone.now())

    def past(self):
        return self.filter(starts_at__lt=timezone.now())


class Meeting(models.Model):
    """A meeting of a body: its agenda, the convocation, who came, the quorum, the
    decisions taken, and its minutes. Once closed, the minutes are final and nothing of
    the meeting changes."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(_("intitulé"), max_length=200)
    starts_at = models.DateTimeField(_("date et heure"))
    place = models.CharField(_("lieu"), max_length=300)
    convened_at = models.DateTimeField(_("convoquée le"), null=True, blank=True)
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    chair = models.CharField(_("présidente ou président de séance"), max_length=200, blank=True)
    secretary = models.CharField(_("secrétaire de séance"), max_length=200, blank=True)
    notes = models.TextField(_("compte rendu des échanges"), blank=True)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Frozen at closing, so that the minutes never change when the body's rules do.
    quorum_percent = models.PositiveSmallIntegerField(_("quorum (%)"), null=True, blank=True)
    quorum_reached = models.BooleanField(_("quorum atteint"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("réunion")
        verbose_name_plural = _("réunions")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["body", "-starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | models.Q(convened_at__isnull=False),
                name="meeting_closed_after_convocation",
                violation_error_message=_("Une réunion se clôture après sa convocation."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_convened(self) -> bool:
        return self.convened_at is not None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class AgendaItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(meeting__in=Meeting.objects.visible_to(user))


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(_("rang"))
    title = models.CharField(_("point"), max_length=200)
    description = models.TextField(_("précisions"), blank=True)

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("point de l'ordre du jour")
        verbose_name_plural = _("ordre du jour")
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "position"],
                name="agenda_item_position_once",
                violation_error_message=_("Ce rang est déjà pris dans l'ordre du jour."),
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.title}"


class MeetingParticipant(HolderMixin):
    """A person convened to a meeting, as the convocation listed them, and their
    attendance: present, excused, absent, or represented by a present person's proxy."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="participants")
    name = models.CharField(pgettext_lazy("person", "nom"), max_length=300)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    seat_kind = models.CharField(_("siège"), max_length=16, choices=SeatKind.choices, blank=True)
    attendance = models.CharField(
        _("présence"),
        max_length=16,
        choices=MeetingAttendance.choices,
        default=MeetingAttendance.EXPECTED,
    )
    proxy_holder = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proxies_held",
        verbose_name=_("pouvoir donné à"),
    )

    class Meta:
        verbose_name = _("personne convoquée")
        verbose_name_plural = _("personnes convoquées")
        ordering = ["meeting", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"],
                condition=models.Q(person__isnull=False),
                name="participant_person_once",
                violation_error_message=_("Cette personne est déjà convoquée."),
            ),
            models.UniqueConstraint(
                fields=["meeting", "associate"],
                condition=models.Q(associate__isnull=False),
                name="participant_associate_once",
                violation_error_message=_("Cet·te associé·e est déjà convoqué·e."),
            ),
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(associate__isnull=False),
                name="participant_is_someone",
                violation_error_message=_("Une personne convoquée est nommée."),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(attendance=MeetingAttendance.REPRESENTED)
                    & models.Q(proxy_holder__isnull=False)
                )
                | (
                    ~models.Q(attendance=MeetingAttendance.REPRESENTED)
                    & models.Q(proxy_holder__isnull=True)
                ),
                name="participant_proxy_when_represented",
                violation_error_message=_("Une personne représentée a donné pouvoir à quelqu'un."),
            ),
            models.CheckConstraint(
                condition=models.Q(attendance__in=MeetingAttendance.values),
                name="participant_attendance_valid",
                violation_error_message=_("Présence inconnue."),
            ),
        ]

    def __str__(self):
        return self.name


class Decision(models.Model):
    """A decision put to the vote at a meeting, the votes for, against and abstaining,
    and its result under the body's majority for its kind."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    agenda_item = models.ForeignKey(
        AgendaItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("point de l'ordre du jour"),
    )
    position = models.PositiveSmallIntegerField(_("n°"))
    title = models.CharField(_("intitulé"), max_length=200)
    text = models.TextField(_("texte de la résolution"), blank=True)
    kind = models.CharField(_("nature"), max_length=16, choices=DecisionKind.choices)
    majority = models.CharField(_("majorité requise"), max_length=16, choices=MajorityRule.choices)
    votes_for = models.PositiveIntegerField(_("pour"))
    votes_against = models.PositiveIntegerField(_("contre"))
    votes_abstain = models.PositiveIntegerField(_("abstentions"))
    result = models.CharField(_("résultat"), max_length=16, choices=DecisionResult.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("décision")
        verbose_name_plural = _("décisions")
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "position"],
                name="decision_position_once",
                violation_error_message=_("Ce numéro de décision est déjà pris."),
            ),
            models.CheckConstraint(
                condition=models.Q(result__in=DecisionResult.values),
                name="decision_result_valid",
                violation_error_message=_("Résultat inconnu."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def votes_cast(self) -> int:
        return self.votes_for + self.votes_against
