from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.enums import ContractKind, ExitReason, Stage
from members.models.people import Member, MemberOwnedQuerySet


class ContractQuerySet(MemberOwnedQuerySet):
    def open(self):
        return self.filter(end_date__isnull=True)


class Contract(models.Model):
    """A CAPE or CESA contract. A CAPE lasts up to twelve months and may be renewed
    twice; a CESA holder becomes an associate within three years or leaves (the rules
    live in members.services.path)."""

    CAPE_MAX_MONTHS = 12
    CAPE_MAX_RENEWALS = 2
    CESA_YEARS_TO_ASSOCIATE = 3

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="contracts")
    kind = models.CharField(_("contrat"), max_length=8, choices=ContractKind.choices)
    start_date = models.DateField(_("début"))
    planned_end_date = models.DateField(_("fin prévue"), null=True, blank=True)
    end_date = models.DateField(_("fin effective"), null=True, blank=True)
    renewal_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewal",
        verbose_name=_("renouvellement de"),
    )
    document = models.ForeignKey(
        "members.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contrat signé"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contrat")
        verbose_name_plural = _("contrats")
        ordering = ["start_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(end_date__isnull=True),
                name="contract_one_open_per_member",
                violation_error_message=_("Cette personne a déjà un contrat en cours."),
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="contract_ends_after_start",
                violation_error_message=_("La fin du contrat précède son début."),
            ),
            models.CheckConstraint(
                condition=models.Q(planned_end_date__isnull=True)
                | models.Q(planned_end_date__gte=models.F("start_date")),
                name="contract_planned_end_after_start",
                violation_error_message=_("La fin prévue du contrat précède son début."),
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=ContractKind.CAPE)
                | models.Q(planned_end_date__isnull=False),
                name="contract_cape_has_planned_end",
                violation_error_message=_("Un CAPE a une date de fin prévue."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.start_date:%d/%m/%Y})"

    @property
    def is_open(self) -> bool:
        return self.end_date is None

    @property
    def renewal_count(self) -> int:
        """How many renewals led to this contract (0 for a first CAPE)."""
        count, contract = 0, self
        while contract.renewal_of_id is not None:
            count += 1
            contract = contract.renewal_of
        return count


class PathStep(models.Model):
    """One dated move along the path: the member's history, never rewritten."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="path_steps")
    stage = models.CharField(_("étape"), max_length=16, choices=Stage.choices)
    on = models.DateField(_("le"))
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exit_reason = models.CharField(max_length=32, choices=ExitReason.choices, blank=True)
    note = models.CharField(_("remarque"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = MemberOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("étape du parcours")
        verbose_name_plural = _("étapes du parcours")
        ordering = ["on", "pk"]

    def __str__(self):
        return f"{self.get_stage_display()} ({self.on:%d/%m/%Y})"
