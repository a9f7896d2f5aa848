import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coop.geo import department_from_postcode
from members.enums import (
    AccessAction,
    Activity,
    ConsentScope,
    DocumentKind,
    ExitReason,
    Gender,
    Role,
    Stage,
    TrainingKind,
)


def _is_active_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def sees_all_members(user) -> bool:
    """Coordinators follow every member; administrators configure the cooperative."""
    return _is_active_user(user) and user.role in (Role.COORDINATOR, Role.ADMINISTRATOR)


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Coordinators and administrators see every member; an entrepreneur only their
        own record; nobody else any."""
        if not _is_active_user(user):
            return self.none()
        if sees_all_members(user):
            return self.all()
        if user.role == Role.ENTREPRENEUR:
            return self.filter(user=user)
        return self.none()

    def current(self):
        return self.exclude(stage=Stage.EXITED)

    def with_open_contract(self):
        from members.models.path import Contract

        open_contracts = Contract.objects.filter(
            member=models.OuterRef("pk"), end_date__isnull=True
        )
        return self.annotate(
            open_contract_kind=models.Subquery(open_contracts.values("kind")[:1]),
            open_contract_end=models.Subquery(open_contracts.values("planned_end_date")[:1]),
        )


class MemberOwnedQuerySet(models.QuerySet):
    """For records that belong to one member: visible with their member."""

    def visible_to(self, user):
        return self.filter(member__in=Member.objects.visible_to(user))


class Member(models.Model):
    """A person on the cooperative's path, from the information meeting to the exit.
    A candidate has no account yet; the account comes with the invitation."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="member",
        verbose_name=_("compte"),
    )
    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    gender = models.CharField(
        _("genre"), max_length=16, choices=Gender.choices, default=Gender.UNDISCLOSED
    )
    birth_year = models.PositiveSmallIntegerField(_("année de naissance"), null=True, blank=True)
    commune = models.CharField(_("commune"), max_length=120, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    activity = models.CharField(_("métier"), max_length=32, choices=Activity.choices)
    skills = models.ManyToManyField("members.Skill", blank=True, verbose_name=_("compétences"))
    # Professional profiles, shown to whoever sees the member. Being a former service user
    # is health data and lives apart, in SensitiveProfile.
    is_peer_mediator = models.BooleanField(_("médiateur·rice de santé pair"), default=False)
    is_care_professional = models.BooleanField(_("professionnel·le du soin"), default=False)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="members_followed",
        limit_choices_to={"role": Role.COORDINATOR, "is_active": True},
        verbose_name=_("chargé·e d'accompagnement"),
    )
    information_meeting_on = models.DateField(_("réunion d'information le"))
    stage = models.CharField(
        _("étape"), max_length=16, choices=Stage.choices, default=Stage.WELCOME, editable=False
    )
    stage_since = models.DateField(_("à cette étape depuis"), editable=False)
    exited_on = models.DateField(_("sortie le"), null=True, blank=True, editable=False)
    exit_reason = models.CharField(
        _("motif de sortie"), max_length=32, choices=ExitReason.choices, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("enregistré·e le"), default=timezone.now)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        ordering = ["last_name", "first_name", "pk"]
        indexes = [
            models.Index(fields=["stage", "last_name"]),
            models.Index(Lower("last_name"), name="member_last_name_ci"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stage__in=Stage.values),
                name="member_stage_valid",
                violation_error_message=_("Étape inconnue."),
            ),
            models.CheckConstraint(
                condition=~models.Q(stage=Stage.EXITED)
                | (models.Q(exited_on__isnull=False) & ~models.Q(exit_reason="")),
                name="member_exit_has_date_and_reason",
                violation_error_message=_("Une sortie a une date et un motif."),
            ),
            models.CheckConstraint(
                condition=models.Q(postcode="") | models.Q(postcode__regex=r"^[0-9]{5}$"),
                name="member_postcode_five_digits",
                violation_error_message=_("Le code postal a cinq chiffres."),
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def department(self) -> str:
        return department_from_postcode(self.postcode)


class SensitiveProfile(models.Model):
    """Health data: whether the member is a former service user (of addiction or
    mental-health services). Seen only by coordinators and the member; every read is in
    the access log; kept only while the member's consent to this processing stands."""

    # PROTECT: removing a member never silently removes their health data's trace.
    member = models.OneToOneField(
        Member, on_delete=models.PROTECT, related_name="sensitive_profile"
    )
    is_former_service_user = models.BooleanField(_("ancien·ne usager·ère"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profil sensible")
        verbose_name_plural = _("profils sensibles")

    def __str__(self):
        return f"SensitiveProfile#{self.pk}"  # never the member's name nor the value


class ConsentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Consents are about health data: coordinators and the member only."""
        if not _is_active_user(user):
            return self.none()
        if user.role == Role.COORDINATOR:
            return self.all()
        return self.filter(member__user=user)

    def in_force(self):
        return self.filter(withdrawn_on__isnull=True)


class Consent(models.Model):
    """A member's consent, with its date and what was explained; withdrawn, never
    deleted."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="consents")
    scope = models.CharField(
        pgettext_lazy("consent", "objet"), max_length=32, choices=ConsentScope.choices
    )
    given_on = models.DateField(_("donné le"))
    explanation = models.TextField(_("ce qui a été expliqué"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_on = models.DateField(_("retiré le"), null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consentement")
        verbose_name_plural = _("consentements")
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "scope"],
                condition=models.Q(withdrawn_on__isnull=True),
                name="consent_one_in_force_per_scope",
                violation_error_message=_("Ce consentement est déjà en vigueur."),
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_on__isnull=True)
                | models.Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
                violation_error_message=_("Un consentement est retiré après avoir été donné."),
            ),
        ]

    def __str__(self):
        return f"{self.get_scope_display()} ({self.given_on:%d/%m/%Y})"


class Skill(models.Model):
    name = models.CharField(_("compétence"), max_length=100)

    class Meta:
        verbose_name = _("compétence")
        verbose_name_plural = _("compétences")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="skill_name_unique_ci",
                violation_error_message=_("Cette compétence existe déjà."),
            )
        ]

    def __str__(self):
        return self.name


class TrainingQuerySet(MemberOwnedQuerySet):
    def expiring_before(self, day):
        return self.filter(expires_on__isnull=False, expires_on__lte=day)


class Training(models.Model):
    """A training followed or a certificate held, with its expiry when it has one."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="trainings")
    kind = models.CharField(_("type"), max_length=32, choices=TrainingKind.choices)
    title = models.CharField(_("intitulé"), max_length=200)
    organisation = models.CharField(_("organisme"), max_length=200, blank=True)
    obtained_on = models.DateField(_("obtenu le"))
    expires_on = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    document = models.ForeignKey(
        "members.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("justificatif"),
    )

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("formation")
        verbose_name_plural = _("formations")
        ordering = ["-obtained_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gte=models.F("obtained_on")),
                name="training_expires_after_obtained",
                violation_error_message=_("La date d'expiration précède la date d'obtention."),
            )
        ]

    def __str__(self):
        return self.title


def document_path(document: "Document", filename: str) -> str:
    """Private path: never under STATIC, never guessable; served only by a view."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"private/members/{document.member_id}/{uuid.uuid4().hex}{suffix}"


class Document(models.Model):
    """A scanned contract, certificate or paper, stored privately."""

    MAX_SIZE = 10 * 1024 * 1024
    ALLOWED_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("type"), max_length=32, choices=DocumentKind.choices)
    title = models.CharField(_("titre"), max_length=200)
    file = models.FileField(_("fichier"), upload_to=document_path, max_length=300)
    content_type = models.CharField(max_length=100, editable=False)
    size = models.PositiveIntegerField(editable=False)
    original_name = models.CharField(max_length=255, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = MemberOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.title


class AccessLog(models.Model):
    """Who read or changed which record of health data, and when. Never edited, never
    deleted (PROTECT on both sides)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16, choices=AccessAction.choices)
    record_type = models.CharField(max_length=100)
    record_id = models.PositiveBigIntegerField()
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("accès à une donnée de santé")
        verbose_name_plural = _("accès aux données de santé")
        ordering = ["-at"]
        indexes = [models.Index(fields=["record_type", "record_id"])]

    def __str__(self):
        return f"{self.actor_id} {self.action} {self.record_type}#{self.record_id}"
