"""Pseudonymised extracts for researchers: asked for with a purpose, approved by a
coordinator, checked for k-anonymity, downloaded once."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peer_support.fields import EncryptedTextField
from research.enums import ExtractDataset, ExtractStatus


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


class ExtractRequest(models.Model):
    """A researcher's request for a pseudonymised extract of one programme's data: who
    asked, why, who approved, the check of k-anonymity, and the single download.

    The pseudonyms are HMAC-SHA-256 of the person's id under a key drawn for this
    extract alone (two extracts cannot be linked); the key lives only until the file is
    downloaded, then it is wiped, so the file can never be made again."""

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
    # The result of the k-anonymity check: combinations too rare and what to generalise.
    anonymity_check = models.JSONField(_("contrôle de k-anonymat"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("lignes"), null=True, blank=True)
    # The extract's own HMAC key, encrypted at rest, wiped at download.
    secret = EncryptedTextField(blank=True, editable=False)
    downloaded_at = models.DateTimeField(_("téléchargé le"), null=True, blank=True)

    objects = ExtractRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("demande d'extraction")
        verbose_name_plural = _("demandes d'extraction")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="extract_period_in_order",
                violation_error_message=_("La fin de la période précède son début."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ExtractStatus.values) & Q(dataset__in=ExtractDataset.values),
                name="extract_status_and_dataset_valid",
                violation_error_message=_("État ou jeu de données inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(downloaded_at__isnull=True) | Q(secret=""),
                name="extract_key_wiped_once_downloaded",
                violation_error_message=_("La clé d'une extraction téléchargée est effacée."),
            ),
        ]

    def __str__(self):
        return f"ExtractRequest#{self.pk}"
