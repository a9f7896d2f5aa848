"""An entrepreneur's situation (main resource) at entry, at the exit and after it: the
same question each time, so that research can compare them (issue 7, ESF+)."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from members.enums import ConsentScope, Resource, SituationCheckpoint
from members.models.people import Consent, Member, MemberOwnedQuerySet


class MemberSituationQuerySet(MemberOwnedQuerySet):
    def for_research(self):
        """Only the members whose research consent is given and not withdrawn: a
        withdrawal removes them from every output computed afterwards."""
        return self.filter(
            Exists(
                Consent.objects.filter(
                    member=OuterRef("member_id"),
                    scope=ConsentScope.RESEARCH,
                    withdrawn_on__isnull=True,
                )
            )
        )


class MemberSituation(models.Model):
    """The member's main resource at one checkpoint of the path. One per checkpoint:
    recorded again, it is rectified (`rectified_at`; the audit log keeps the former
    value)."""

    # PROTECT: a member with recorded situations is never silently removed.
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="situations")
    checkpoint = models.CharField(_("moment"), max_length=16, choices=SituationCheckpoint.choices)
    recorded_on = models.DateField(_("recueillie le"))
    resource = models.CharField(_("ressource principale"), max_length=16, choices=Resource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    rectified_at = models.DateTimeField(_("rectifiée le"), null=True, blank=True, editable=False)

    objects = MemberSituationQuerySet.as_manager()

    class Meta:
        verbose_name = _("situation du membre")
        verbose_name_plural = _("situations du membre")
        ordering = ["recorded_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "checkpoint"],
                name="member_situation_once_per_checkpoint",
                violation_error_message=_("La situation de ce moment est déjà enregistrée."),
            ),
            models.CheckConstraint(
                condition=Q(checkpoint__in=SituationCheckpoint.values)
                & Q(resource__in=Resource.values),
                name="member_situation_answers_valid",
                violation_error_message=_("Réponse inconnue."),
            ),
        ]

    def __str__(self):
        return f"MemberSituation#{self.pk} ({self.checkpoint})"
