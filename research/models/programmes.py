"""Who funds a programme, whom to write to, and which members it covers. The programme
itself lives in coop (missions, appointments and follow-ups are tagged with it)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from research.enums import FunderKind


class Funder(models.Model):
    """An organisation that funds one or several programmes (ARS, foundation, FSE+,
    local authority). Its contacts receive the programme's reports."""

    name = models.CharField(pgettext_lazy("funder", "nom"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=32, choices=FunderKind.choices)
    programmes = models.ManyToManyField(
        "coop.Programme", blank=True, related_name="funders", verbose_name=_("programmes")
    )

    class Meta:
        verbose_name = _("financeur")
        verbose_name_plural = _("financeurs")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=FunderKind.values),
                name="funder_kind_valid",
                violation_error_message=_("Type de financeur inconnu."),
            )
        ]

    def __str__(self):
        return self.name


class FunderContactQuerySet(models.QuerySet):
    def receiving_reports(self):
        return self.filter(receives_reports=True)


class FunderContact(models.Model):
    """A person at the funder: the monthly report is e-mailed to those who receive
    reports; a contact may also have a funder account (attached to programmes)."""

    funder = models.ForeignKey(Funder, on_delete=models.CASCADE, related_name="contacts")
    full_name = models.CharField(_("nom et prénom"), max_length=200)
    position = models.CharField(_("fonction"), max_length=200, blank=True)
    email = models.EmailField(_("adresse e-mail"))
    receives_reports = models.BooleanField(_("reçoit les rapports"), default=True)

    objects = FunderContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact du financeur")
        verbose_name_plural = _("contacts du financeur")
        ordering = ["full_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["funder", "email"],
                name="funder_contact_email_once",
                violation_error_message=_("Ce contact existe déjà chez ce financeur."),
            )
        ]

    def __str__(self):
        return f"{self.full_name} ({self.funder})"


class ProgrammeMemberQuerySet(models.QuerySet):
    def on(self, day):
        return self.filter(joined_on__lte=day).filter(Q(left_on__isnull=True) | Q(left_on__gte=day))

    def between(self, start, end):
        """Memberships running on at least one day from `start` to `end`."""
        return self.filter(joined_on__lte=end).filter(
            Q(left_on__isnull=True) | Q(left_on__gte=start)
        )


class ProgrammeMember(models.Model):
    """A member (entrepreneur) covered by a programme, from a date: the programme's
    indicators about entrepreneurs count these people."""

    programme = models.ForeignKey(
        "coop.Programme", on_delete=models.CASCADE, related_name="memberships"
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="programme_memberships"
    )
    joined_on = models.DateField(_("dans le programme depuis le"))
    left_on = models.DateField(_("sorti·e du programme le"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ProgrammeMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("membre du programme")
        verbose_name_plural = _("membres du programme")
        ordering = ["joined_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "member"],
                name="programme_member_once",
                violation_error_message=_("Cette personne est déjà dans le programme."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="programme_member_dates_in_order",
                violation_error_message=_("La sortie du programme précède l'entrée."),
            ),
        ]

    def __str__(self):
        return f"ProgrammeMember#{self.pk}"
