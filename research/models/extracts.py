"""Pseudonymised extracts for researchers: asked for with a purpose, approved by a
coordinator, checked for k-anonymity, downloaded once."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peer_support.fields import EncryptedTextField
from research.enums import (
    ExtractAges,
    ExtractDataset,
    ExtractDates,
    ExtractStatus,
    ExtractTerritory,
)


class ExtractRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Coordinators see every request (they approve); a researcher sees their own
        requests on the programmes they read; nobody else any."""
        from coop.models import Programme
        from members.enums import Role

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role == Role.COORDINATOR:
            return self.all()
        if user.role == Role.RESEARCHER:
            return self.filter(requested_by=user, programme__in=Programme.objects.visible_to(user))
        return self.none()

    def to_decide(self):
        return self.filter(status=ExtractStatus.REQUESTED)


class ExtractRequest(models.Model):
    """A researcher's request for a pseudonymised extract of one programme's data: who
    asked, why, how coarse the quasi-identifiers are, who decided, the check of
    k-anonymity, and the single download.

    The pseudonyms are HMAC-SHA-256 of the person's id under a key drawn for this
    extract alone when it is approved (two extracts cannot be linked); the key lives
    only until the file is downloaded, then it is wiped, so the file can never be made
    again."""

    programme = models.ForeignKey(
        "coop.Programme",
        on_delete=models.PROTECT,
        related_name="extract_requests",
        verbose_name=_("programme"),
    )
    dataset = models.CharField(_("données"), max_length=32, choices=ExtractDataset.choices)
    period_start = models.DateField(_("du"))
    period_end = models.DateField(_("au"))
    purpose = models.TextField(_("finalité de la recherche"))
    # How coarse the quasi-identifiers are (see research.extracts).
    territory = models.CharField(
        _("territoire"),
        max_length=16,
        choices=ExtractTerritory.choices,
        default=ExtractTerritory.DEPARTMENT,
    )
    dates = models.CharField(
        _("dates"), max_length=16, choices=ExtractDates.choices, default=ExtractDates.MONTH
    )
    ages = models.CharField(
        _("âges"), max_length=16, choices=ExtractAges.choices, default=ExtractAges.ESF
    )
    include_gender = models.BooleanField(_("genre"), default=True)
    status = models.CharField(
        _("état"), max_length=16, choices=ExtractStatus.choices, default=ExtractStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="extract_requests",
        verbose_name=_("demandé par"),
    )
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    # None with a decision date: refused by the k-anonymity check, not by a person.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidé par"),
    )
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    decision_note = models.TextField(_("motif de la décision"), blank=True)
    # The latest k-anonymity check: combinations too rare and what to generalise.
    anonymity_check = models.JSONField(_("contrôle de k-anonymat"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("lignes"), null=True, blank=True)
    # The extract's own HMAC key (hex), encrypted at rest, from approval to download.
    secret = EncryptedTextField(blank=True, editable=False)
    downloaded_at = models.DateTimeField(_("téléchargé le"), null=True, blank=True)

    objects = ExtractRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("demande d'extraction")
        verbose_name_plural = _("demandes d'extraction")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "-requested_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="extract_period_in_order",
                violation_error_message=_("La fin de la période précède son début."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ExtractStatus.values)
                & Q(dataset__in=ExtractDataset.values)
                & Q(territory__in=ExtractTerritory.values)
                & Q(dates__in=ExtractDates.values)
                & Q(ages__in=ExtractAges.values),
                name="extract_choices_valid",
                violation_error_message=_("État, jeu de données ou généralisation inconnus."),
            ),
            models.CheckConstraint(
                condition=Q(status=ExtractStatus.REQUESTED) | Q(decided_at__isnull=False),
                name="extract_decision_dated",
                violation_error_message=_("Une demande tranchée a une date de décision."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ExtractStatus.APPROVED, ExtractStatus.DOWNLOADED])
                | Q(decided_by__isnull=False),
                name="extract_approved_by_someone",
                violation_error_message=_("Une extraction approuvée l'a été par quelqu'un."),
            ),
            # The key exists only while the extract waits for its download.
            models.CheckConstraint(
                condition=Q(status=ExtractStatus.APPROVED) | Q(secret=""),
                name="extract_key_only_while_approved",
                violation_error_message=_(
                    "Seule une extraction approuvée et pas encore téléchargée a une clé."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status=ExtractStatus.DOWNLOADED, downloaded_at__isnull=False)
                | (~Q(status=ExtractStatus.DOWNLOADED) & Q(downloaded_at__isnull=True)),
                name="extract_download_dated",
                violation_error_message=_(
                    "Une extraction téléchargée a une date de téléchargement."
                ),
            ),
        ]

    def __str__(self):
        return f"ExtractRequest#{self.pk}"

    @property
    def refused_automatically(self) -> bool:
        return self.status == ExtractStatus.REFUSED and self.decided_by_id is None

    @property
    def can_be_downloaded(self) -> bool:
        return self.status == ExtractStatus.APPROVED
