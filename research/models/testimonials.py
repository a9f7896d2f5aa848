"""Testimonials chosen for the funders' reports: a few words of a member or of an
accompanied person, printed only with their recorded consent and under a changed first
name. The person's identity never reaches a report: the link to the member or the
follow-up is kept so that a withdrawal can be traced, and is never printed."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The longest changed first name: a first name, not a sentence.
CHANGED_FIRST_NAME_MAX_LENGTH = 60
TEXT_MAX_LENGTH = 2000


class TestimonialQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Coordinators (who choose them for the reports) and the peer-support lead
        (who records those of accompanied people) read testimonials; nobody else: the
        funders read them in the reports only, under the changed first name."""
        from peer_support.models.followups import sees_every_followup

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.has_perm("research.run_reports") or sees_every_followup(user):
            return self.all()
        return self.none()

    def in_force(self):
        """Consent recorded and not withdrawn; an erased follow-up's testimonial is gone
        with its record."""
        return self.filter(withdrawn_on__isnull=True).exclude(followup__erased_at__isnull=False)

    def for_report(self, programme, end):
        """What a report of the programme ending on `end` prints: testimonials in force,
        consented to and chosen by then, the latest chosen first."""
        return (
            self.in_force()
            .filter(programme=programme, consent_given_on__lte=end, chosen_on__lte=end)
            .order_by("-chosen_on", "-pk")
        )


class Testimonial(models.Model):
    """A testimonial of a programme. Linked to a member or to an accompanied person's
    follow-up (or to nobody recorded here: a partner's words), never both. Printed under
    `changed_first_name`, which differs from the person's real first name; printed only
    while the consent recorded on `consent_given_on` is not withdrawn."""

    programme = models.ForeignKey(
        "coop.Programme",
        on_delete=models.PROTECT,
        related_name="testimonials",
        verbose_name=_("programme"),
    )
    text = models.TextField(_("témoignage"), max_length=TEXT_MAX_LENGTH)
    changed_first_name = models.CharField(
        _("prénom d'emprunt"),
        max_length=CHANGED_FIRST_NAME_MAX_LENGTH,
        help_text=_("Le prénom sous lequel le témoignage est publié, jamais le vrai."),
    )
    member = models.ForeignKey(
        "members.Member",
        # PROTECT: the consent of a published testimonial must stay traceable.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("membre"),
    )
    followup = models.ForeignKey(
        "peer_support.FollowUp",
        # PROTECT: as for a member (an erased follow-up keeps its anonymous shell).
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("personne accompagnée"),
    )
    consent_given_on = models.DateField(_("accord donné le"))
    consent_explanation = models.TextField(
        _("ce qui a été expliqué"),
        help_text=_("À qui le témoignage est montré, sous quel prénom, et comment le retirer."),
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("choisi par"),
    )
    chosen_on = models.DateField(_("choisi le"), default=timezone.localdate)
    withdrawn_on = models.DateField(_("accord retiré le"), null=True, blank=True)
    created_at = models.DateTimeField(_("enregistré le"), default=timezone.now, editable=False)

    objects = TestimonialQuerySet.as_manager()

    class Meta:
        verbose_name = _("témoignage")
        verbose_name_plural = _("témoignages")
        ordering = ["-chosen_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=True) | Q(followup__isnull=True),
                name="testimonial_one_person",
                violation_error_message=_(
                    "Un témoignage est celui d'un·e membre ou d'une personne accompagnée, "
                    "pas des deux."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(changed_first_name=""),
                name="testimonial_changed_first_name",
                violation_error_message=_("Indiquez le prénom d'emprunt du témoignage."),
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="testimonial_has_text",
                violation_error_message=_("Le témoignage est vide."),
            ),
            models.CheckConstraint(
                condition=Q(chosen_on__gte=models.F("consent_given_on")),
                name="testimonial_chosen_after_consent",
                violation_error_message=_(
                    "Un témoignage est choisi une fois l'accord de la personne recueilli."
                ),
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True)
                | Q(withdrawn_on__gte=models.F("consent_given_on")),
                name="testimonial_withdrawn_after_consent",
                violation_error_message=_("Un accord est retiré après avoir été donné."),
            ),
        ]

    def __str__(self):
        # Never the text nor a name: __str__ ends up in logs.
        return f"Testimonial#{self.pk}"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_on is None
