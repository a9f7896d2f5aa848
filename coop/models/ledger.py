"""What happens to money once invoiced: the payment journal, the log of recovery actions,
and the expenses charged to an entrepreneur's account. The payment journal and the
recovery log are append-only: the database refuses to change or delete a row, a mistake
is reversed by a counter-entry."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coop.enums import AccountExpenseKind, ExpensePaidBy, PaymentMethod, RecoveryKind
from coop.models.invoicing import MONEY, Invoice, _is_active_user, sees_all_invoicing
from members.enums import Role


class PaymentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Whoever sees the invoice sees its payments."""
        return self.filter(invoice__in=Invoice.objects.visible_to(user))


class Payment(models.Model):
    """One entry of the payment journal: money received for an invoice (positive), or
    the reversal of a mistaken entry (negative, pointing at it)."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name=_("facture")
    )
    paid_on = models.DateField(_("date du paiement"))
    amount = models.DecimalField(_("montant (€)"), **MONEY)
    method = models.CharField(_("moyen de paiement"), max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(_("référence"), max_length=100, blank=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("écriture annulée"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["-paid_on", "-pk"]
        indexes = [models.Index(fields=["paid_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount=0),
                name="payment_amount_not_zero",
                violation_error_message=_("Un paiement a un montant."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, reverses__isnull=True)
                | models.Q(amount__lt=0, reverses__isnull=False),
                name="payment_negative_only_as_reversal",
                violation_error_message=_(
                    "Un montant négatif n'est possible que pour annuler une écriture."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.invoice} {self.paid_on:%d/%m/%Y} {self.amount}"


class RecoveryAction(models.Model):
    """Something done to get an overdue invoice paid: a reminder (by hand or automatic), a
    call, a formal notice, a note. Automatic reminders carry their step, taken once."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="recovery_actions")
    kind = models.CharField(_("action"), max_length=24, choices=RecoveryKind.choices)
    reminder_step = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    note = models.TextField(_("note"), blank=True)
    email = models.ForeignKey(
        "coop.OutgoingEmail", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("action de recouvrement")
        verbose_name_plural = _("actions de recouvrement")
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "reminder_step"],
                condition=models.Q(reminder_step__isnull=False),
                name="recovery_automatic_reminder_once",
            ),
        ]

    def __str__(self):
        return f"{self.invoice} {self.get_kind_display()}"


def expense_receipt_path(expense: "AccountExpense", filename: str) -> str:
    """Private, never guessable; served only by a view that checks access."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"private/account-expenses/{expense.entrepreneur_id}/{uuid.uuid4().hex}{suffix}"


class AccountExpenseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Coordinators, accountants and administrators see every account; an entrepreneur
        their own."""
        if not _is_active_user(user):
            return self.none()
        if sees_all_invoicing(user):
            return self.all()
        if user.role == Role.ENTREPRENEUR:
            return self.filter(entrepreneur__user=user)
        return self.none()


class AccountExpense(models.Model):
    """A cost charged to an entrepreneur's account: a supplier invoice, an expense report,
    or the month's salary cost. Paid by the cooperative, or advanced by the entrepreneur
    and reimbursed."""

    entrepreneur = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="account_expenses",
        verbose_name=_("entrepreneur·e"),
    )
    kind = models.CharField(_("type"), max_length=24, choices=AccountExpenseKind.choices)
    spent_on = models.DateField(_("date"))
    supplier = models.CharField(_("fournisseur"), max_length=200, blank=True)
    supplier_reference = models.CharField(
        _("numéro de la facture fournisseur"), max_length=50, blank=True
    )
    description = models.CharField(_("libellé"), max_length=300)
    net = models.DecimalField(_("montant HT (€)"), **MONEY)
    vat = models.DecimalField(_("TVA déductible (€)"), default=0, **MONEY)
    paid_by = models.CharField(
        _("payé par"),
        max_length=16,
        choices=ExpensePaidBy.choices,
        default=ExpensePaidBy.COOPERATIVE,
    )
    reimbursed_on = models.DateField(_("remboursé le"), null=True, blank=True)
    receipt = models.FileField(
        _("justificatif"), upload_to=expense_receipt_path, max_length=300, blank=True
    )
    receipt_content_type = models.CharField(max_length=100, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = AccountExpenseQuerySet.as_manager()

    class Meta:
        verbose_name = _("dépense du compte")
        verbose_name_plural = _("dépenses des comptes")
        ordering = ["-spent_on", "-pk"]
        indexes = [models.Index(fields=["entrepreneur", "spent_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(net__gt=0, vat__gte=0),
                name="account_expense_amounts_positive",
                violation_error_message=_("Le montant est positif, la TVA n'est pas négative."),
            ),
            models.CheckConstraint(
                condition=models.Q(reimbursed_on__isnull=True)
                | models.Q(paid_by=ExpensePaidBy.ENTREPRENEUR),
                name="account_expense_reimbursed_if_advanced",
                violation_error_message=_(
                    "Seule une dépense avancée par l'entrepreneur·e est remboursée."
                ),
            ),
        ]

    def __str__(self):
        return self.description

    @property
    def gross(self):
        return self.net + self.vat
