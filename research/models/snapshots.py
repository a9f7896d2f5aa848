"""The figures of a programme for a period, as published: computed once, disclosure
control applied, stored and never changed. A re-run makes a new version; the previous
one is kept."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from research.enums import PeriodKind, SnapshotStatus


def snapshot_pdf_path(snapshot: "Snapshot", filename: str) -> str:
    """Private path: served only through a permission-checked view."""
    return f"private/reports/{snapshot.programme_id}/{uuid.uuid4().hex}.pdf"


class SnapshotQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Snapshots of the programmes the user may read (coordinators and administrators
        all; funders and researchers their programmes')."""
        from coop.models import Programme

        return self.filter(programme__in=Programme.objects.visible_to(user))

    def current(self):
        return self.filter(is_current=True)

    def published(self):
        """Versions whose figures are stored (ready or sent)."""
        return self.filter(status__in=[SnapshotStatus.READY, SnapshotStatus.SENT])

    def for_period(self, programme, start, end):
        return self.filter(programme=programme, period_start=start, period_end=end)


class Snapshot(models.Model):
    """One version of a programme's figures for a period (a month, a year, a chosen
    period). `data` holds the protected tables (research.disclosure), exactly as
    published: reports, charts and CSV files are made from it, never recomputed."""

    programme = models.ForeignKey(
        "coop.Programme",
        # PROTECT: a published report's figures outlive any change to the programme list.
        on_delete=models.PROTECT,
        related_name="snapshots",
        verbose_name=_("programme"),
    )
    period_kind = models.CharField(_("période"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("du"))
    period_end = models.DateField(_("au"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("version en vigueur"), default=True)
    status = models.CharField(
        _("état"), max_length=16, choices=SnapshotStatus.choices, default=SnapshotStatus.BUILDING
    )
    data = models.JSONField(_("tableaux publiés"), default=dict, blank=True, editable=False)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    progress_label = models.CharField(_("étape en cours"), max_length=200, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    pdf = models.FileField(_("rapport PDF"), upload_to=snapshot_pdf_path, blank=True)
    pdf_sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandé par"),
    )  # None: the monthly run of Celery beat
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, editable=False)
    # Set by the worker that builds it; a build claimed long ago lost its worker.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    computed_at = models.DateTimeField(_("calculé le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("instantané des indicateurs")
        verbose_name_plural = _("instantanés des indicateurs")
        ordering = ["-period_start", "-version"]
        indexes = [models.Index(fields=["programme", "period_start", "period_end"])]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "period_start", "period_end", "version"],
                name="snapshot_version_once",
                violation_error_message=_("Cette version existe déjà."),
            ),
            # One snapshot per programme and period: a retried task finds it.
            models.UniqueConstraint(
                fields=["programme", "period_start", "period_end"],
                condition=Q(is_current=True),
                name="snapshot_one_current_per_period",
                violation_error_message=_("Cette période a déjà un instantané en vigueur."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="snapshot_period_in_order",
                violation_error_message=_("La fin de la période précède son début."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=SnapshotStatus.values)
                & Q(period_kind__in=PeriodKind.values),
                name="snapshot_status_and_kind_valid",
                violation_error_message=_("État ou type de période inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="snapshot_progress_percent",
                violation_error_message=_("L'avancement est un pourcentage."),
            ),
        ]

    def __str__(self):
        period = f"{self.period_start:%d/%m/%Y}–{self.period_end:%d/%m/%Y}"
        return f"{self.programme} {period} v{self.version}"
