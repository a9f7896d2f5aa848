"""The access log of the peer-support records: append-only."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peer_support.enums import AccessAction
from peer_support.models.followups import FollowUp, sees_every_followup


class AppendOnlyError(Exception):
    """The access log is never changed nor deleted."""


class AccessLogQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The peer-support lead reads the log; nobody else."""
        if sees_every_followup(user):
            return self.all()
        return self.none()

    def update(self, **kwargs):
        raise AppendOnlyError("The access log is append-only: rows are never updated.")

    def delete(self):
        raise AppendOnlyError("The access log is append-only: rows are never deleted.")

    # bulk_update goes through update(); this one bypasses it, so it is closed too.
    def _raw_delete(self, using):
        raise AppendOnlyError("The access log is append-only: rows are never deleted.")


class AccessLog(models.Model):
    """Who did what with which person's record, and when: every read and write of a
    follow-up and of what it holds. Never changed, never deleted: refused here, by
    PROTECT on the rows it points to, and on PostgreSQL by a trigger (migration 0002).
    Holds no name and no text of the record: the follow-up's id and the names of the
    fields that changed."""

    at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)
    # None only for the retention task, which anonymises with nobody at the keyboard.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    action = models.CharField(_("action"), max_length=16, choices=AccessAction.choices)
    followup = models.ForeignKey(
        FollowUp, on_delete=models.PROTECT, related_name="+", verbose_name=_("suivi")
    )
    # The record read or written (the follow-up itself, a meeting, a goal…).
    record_type = models.CharField(_("donnée"), max_length=100)
    record_id = models.PositiveBigIntegerField()
    fields = models.CharField(_("champs modifiés"), max_length=300, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("accès à un suivi de pair-aidance")
        verbose_name_plural = _("accès aux suivis de pair-aidance")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["followup", "-at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=AccessAction.values),
                name="peer_access_log_action_valid",
                violation_error_message=_("Action inconnue."),
            ),
            models.CheckConstraint(
                condition=models.Q(actor__isnull=False) | models.Q(action=AccessAction.ANONYMISE),
                name="peer_access_log_actor_known",
                violation_error_message=_("Seule l'anonymisation automatique n'a pas d'auteur."),
            ),
        ]

    def __str__(self):
        return f"{self.actor_id or 'system'} {self.action} {self.record_type}#{self.record_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The access log is append-only: rows are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The access log is append-only: rows are never deleted.")
