"""What happens to money once invoiced, as services (STYLE.md): the payment journal, the
recovery of overdue invoices (reminders by hand and by Celery, the log of every action),
and the expenses charged to an entrepreneur's account.

The payment journal and the recovery log are append-only (the database refuses any change,
migration coop.0005): a mistaken payment is cancelled by a counter-entry, never edited.
Only coordinators and accountants write here (perms coop.record_payments and
coop.manage_account_expenses)."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coop.billing import ISSUERS, RECOVERY_INDEMNITY
from coop.enums import (
    AccountExpenseKind,
    ExpensePaidBy,
    InvoiceStatus,
    PaymentMethod,
    RecoveryKind,
)
from coop.models import (
    AccountExpense,
    CooperativeProfile,
    Invoice,
    OutgoingEmail,
    Payment,
    RecoveryAction,
)
from coop.money import format_euros, to_cents
from members.models import Member, User
from members.services.people import detect_content_type

logger = logging.getLogger(__name__)

# A reminder goes to a few people of the client, not to a mailing list.
MAX_REMINDER_RECIPIENTS = 10
# The actions logged by hand; reminders are logged by sending them.
LOGGED_RECOVERY_KINDS = (RecoveryKind.PHONE_CALL, RecoveryKind.FORMAL_NOTICE, RecoveryKind.NOTE)
REMINDER_KINDS = (RecoveryKind.REMINDER_MANUAL, RecoveryKind.REMINDER_AUTOMATIC)


def _require_issuer(actor: User) -> None:
    """Payments, recovery and account expenses: coordinators and accountants."""
    if not (actor.is_authenticated and actor.is_active and actor.role in ISSUERS):
        raise PermissionDenied


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _with_paid(invoice: Invoice) -> Invoice:
    """The invoice re-read with `paid`, `credited` and `balance` (InvoiceQuerySet.with_paid)."""
    return Invoice.objects.with_paid().select_related("client", "entrepreneur").get(pk=invoice.pk)


def _lock(invoice: Invoice) -> Invoice:
    """Lock the invoice's row for the transaction, then read its balance: two people
    recording a payment at the same moment are served one after the other, so that the
    sum of the payments never goes beyond what is owed."""
    Invoice.objects.select_for_update().filter(pk=invoice.pk).values_list("pk", flat=True).get()
    return _with_paid(invoice)


def _check_payable(invoice: Invoice) -> None:
    if invoice.is_credit_note:
        raise ValidationError(
            _("Un avoir ne reçoit pas de paiement : il diminue ce que le client doit.")
        )
    if invoice.status != InvoiceStatus.ISSUED:
        raise ValidationError(_("Seule une facture émise reçoit un paiement."))


# --- the payment journal ------------------------------------------------------------------


@transaction.atomic
def payment_record(
    *,
    actor: User,
    invoice: Invoice,
    paid_on: date,
    amount: Decimal,
    method: str,
    reference: str = "",
    note: str = "",
) -> Payment:
    """Money received for an issued invoice, in full or in part. What is recorded never
    goes beyond what is left to pay (the total, less earlier payments and credit notes)."""
    _require_issuer(actor)
    invoice = _lock(invoice)
    _check_payable(invoice)
    if invoice.balance <= 0:
        if invoice.credited >= invoice.gross:
            raise ValidationError(_("Cette facture est annulée par avoir : il n'y a rien à payer."))
        raise ValidationError(_("Cette facture est entièrement réglée : il ne reste rien à payer."))
    errors = {}
    today = timezone.localdate()
    if paid_on > today:
        errors["paid_on"] = _("La date du paiement ne peut pas être dans le futur.")
    elif paid_on < invoice.issued_on:
        errors["paid_on"] = _(
            "Le paiement ne peut pas précéder l'émission de la facture (le %(day)s)."
        ) % {"day": _day(invoice.issued_on)}
    if amount <= 0:
        errors["amount"] = _("Le montant est supérieur à zéro.")
    elif to_cents(amount) != amount:
        errors["amount"] = _("Un montant s'écrit au centime près (deux chiffres après la virgule).")
    elif amount > invoice.balance:
        errors["amount"] = _(
            "Le paiement (%(amount)s) dépasse ce qui reste à payer (%(balance)s)."
        ) % {"amount": format_euros(amount), "balance": format_euros(invoice.balance)}
    if method not in PaymentMethod.values:
        errors["method"] = _("Choisissez un moyen de paiement.")
    if errors:
        raise ValidationError(errors)
    return Payment.objects.create(
        invoice=invoice,
        paid_on=paid_on,
        amount=amount,
        method=method,
        reference=reference.strip()[:100],
        note=note.strip()[:300],
        recorded_by=actor,
    )


@transaction.atomic
def payment_reverse(*, actor: User, payment: Payment, reason: str) -> Payment:
    """Cancel a mistaken entry by a counter-entry of the opposite amount, dated today and
    pointing at it. An entry is cancelled once; a cancellation is not cancelled (record the
    payment again instead)."""
    _require_issuer(actor)
    _lock(payment.invoice)
    payment = Payment.objects.get(pk=payment.pk)
    if payment.reverses_id is not None or payment.amount < 0:
        raise ValidationError(
            _(
                "Cette écriture est déjà une annulation : "
                "pour corriger, enregistrez de nouveau le paiement."
            )
        )
    reversal = Payment.objects.filter(reverses=payment).first()
    if reversal is not None:
        raise ValidationError(
            _("Cette écriture est déjà annulée (le %(day)s).") % {"day": _day(reversal.paid_on)}
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Écrivez pourquoi cette écriture est annulée.")})
    try:
        with transaction.atomic():
            return Payment.objects.create(
                invoice_id=payment.invoice_id,
                paid_on=timezone.localdate(),
                amount=-payment.amount,
                method=payment.method,
                reference=payment.reference,
                reverses=payment,
                note=reason.strip()[:300],
                recorded_by=actor,
            )
    except IntegrityError as error:  # cancelled by someone else in the meantime
        raise ValidationError(_("Cette écriture est déjà annulée.")) from error


def invoice_payments(invoice: Invoice) -> list[Payment]:
    """The invoice's journal, oldest first, each entry knowing whether it was cancelled
    (`is_reversed`), in one query."""
    payments = list(invoice.payments.order_by("paid_on", "pk"))
    reversed_ids = {payment.reverses_id for payment in payments if payment.reverses_id}
    for payment in payments:
        payment.is_reversed = payment.pk in reversed_ids
    return payments


def invoice_recovery_actions(invoice: Invoice) -> list[RecoveryAction]:
    """The invoice's recovery log, latest first, in one query."""
    return list(invoice.recovery_actions.select_related("actor", "email").order_by("-at", "-pk"))


def days_late(invoice: Invoice, today: date | None = None) -> int:
    """Days since the due date of an issued invoice (0 when not yet due)."""
    if invoice.due_on is None:
        return 0
    return max(((today or timezone.localdate()) - invoice.due_on).days, 0)


def invoice_money_context(invoice: Invoice) -> dict:
    """What coop/invoices/_money.html shows besides the invoice itself (which is read with
    `Invoice.objects.with_paid()`): its payments, its recovery log, the days late."""
    return {
        "payments": invoice_payments(invoice),
        "recovery_actions": invoice_recovery_actions(invoice),
        "days_late": days_late(invoice) if invoice.is_issued else 0,
    }


# --- recovery: reminders and the log ------------------------------------------------------


def reminder_recipients(invoice: Invoice) -> list[str]:
    """Where a reminder goes: the address frozen on the invoice at issuance (the client's
    billing address then), or, when it had none, the client's contacts' addresses."""
    frozen = (invoice.buyer or {}).get("email", "").strip()
    if frozen:
        return [frozen]
    return _unique(invoice.client.contacts.exclude(email="").values_list("email", flat=True))


def other_client_addresses(invoice: Invoice) -> list[str]:
    """The client's other known addresses, offered to whoever sends a reminder by hand."""
    chosen = {address.lower() for address in reminder_recipients(invoice)}
    known = [invoice.client.email, *invoice.client.contacts.values_list("email", flat=True)]
    return [address for address in _unique(known) if address.lower() not in chosen]


def _unique(addresses) -> list[str]:
    seen, result = set(), []
    for address in addresses:
        address = (address or "").strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            result.append(address)
    return result


def reminder_check(invoice: Invoice, today: date) -> None:
    """Refuse a reminder for what is not an overdue unpaid invoice (`invoice` read with
    `with_paid`)."""
    _check_payable(invoice)
    if invoice.balance <= 0:
        raise ValidationError(_("Cette facture est réglée : il n'y a rien à relancer."))
    if invoice.due_on >= today:
        raise ValidationError(
            _(
                "Cette facture n'est pas encore en retard (échéance le %(day)s) : "
                "une relance se fait après l'échéance."
            )
            % {"day": _day(invoice.due_on)}
        )


def _clean_recipients(addresses: list[str]) -> list[str]:
    recipients = _unique(addresses)
    if not recipients:
        raise ValidationError({"to": _("Donnez au moins une adresse e-mail du client.")})
    if len(recipients) > MAX_REMINDER_RECIPIENTS:
        raise ValidationError(
            {"to": _("%(count)s adresses au plus.") % {"count": MAX_REMINDER_RECIPIENTS}}
        )
    for address in recipients:
        try:
            validate_email(address)
        except ValidationError as error:
            raise ValidationError(
                {"to": _("« %(address)s » n'est pas une adresse e-mail.") % {"address": address}}
            ) from error
    return recipients


def _invoice_pdf(invoice: Invoice) -> bytes:
    """The archived PDF, exactly as issued. Should the file be missing (a restored
    database without its media), the invoice is rendered again from its frozen details,
    which print the same document."""
    from coop.documents import render_invoice_pdf

    try:
        with invoice.pdf.open("rb") as handle:
            return handle.read()
    except (FileNotFoundError, ValueError, OSError):
        logger.warning(
            "Invoice %s: archived PDF missing, rendered again for a reminder", invoice.pk
        )
        return render_invoice_pdf(invoice)


def _percent(rate: Decimal | None) -> str:
    return f"{rate or 0:.2f}".replace(".", ",")


def _reminder_texts(
    invoice: Invoice, *, note: str, today: date, automatic: bool
) -> tuple[str, str]:
    """The reminder's subject and text: what is due and since when, how to pay, the
    late-payment penalties the invoice states (and the 40 € indemnity for a business
    client, Code de commerce L441-10 and D441-5). French whatever the sender's language."""
    seller = invoice.seller or {}
    buyer = invoice.buyer or {}
    earlier = invoice.recovery_actions.filter(kind__in=REMINDER_KINDS).count()
    context = {
        "invoice": invoice,
        "seller": seller,
        "buyer": buyer,
        "entrepreneur": invoice.entrepreneur.full_name,
        "issued_on": _day(invoice.issued_on),
        "due_on": _day(invoice.due_on),
        "penalties_from": _day(invoice.due_on + timedelta(days=1)),
        "days_late": days_late(invoice, today),
        "gross": format_euros(invoice.gross),
        "balance": format_euros(invoice.balance),
        "partly_settled": invoice.balance < invoice.gross,
        "penalty_rate": _percent(invoice.late_penalty_rate),
        "is_business": bool(buyer.get("is_business", True)),
        "indemnity": format_euros(RECOVERY_INDEMNITY),
        "reminder_number": earlier + 1,
        "note": note.strip(),
        "automatic": automatic,
    }
    with translation.override("fr"):
        subject = render_to_string("coop/email/reminder_subject.txt", context)
        body = render_to_string("coop/email/reminder_message.txt", context)
    return " ".join(subject.split()), body


def reminder_preview(invoice: Invoice, *, note: str = "") -> tuple[str, str]:
    """What a reminder sent now would say (`invoice` read with `with_paid`)."""
    return _reminder_texts(invoice, note=note, today=timezone.localdate(), automatic=False)


def _reminder_message(
    invoice: Invoice, *, to: list[str], note: str, today: date, automatic: bool
) -> EmailMessage:
    """The reminder e-mail, the invoice's PDF attached, replies going to the cooperative."""
    seller = invoice.seller or {}
    subject, body = _reminder_texts(invoice, note=note, today=today, automatic=automatic)
    message = EmailMessage(
        subject=subject,
        body=body,
        to=to,
        reply_to=[seller["email"]] if seller.get("email") else [],
    )
    message.attach(f"facture-{invoice.number}.pdf", _invoice_pdf(invoice), "application/pdf")
    return message


def _store(message: EmailMessage) -> OutgoingEmail:
    """Store the e-mail like coop.mail.OutboxBackend does, keeping the row to log it with
    the action; delivery is queued once the transaction commits."""
    from coop.services import email_schedule_delivery

    outgoing = OutgoingEmail.from_message(message)
    outgoing.save()
    transaction.on_commit(lambda pk=outgoing.pk: email_schedule_delivery(pk))
    return outgoing


@transaction.atomic
def reminder_send(
    *, actor: User, invoice: Invoice, to: list[str], note: str = ""
) -> RecoveryAction:
    """A reminder sent by hand to the addresses chosen, logged with its e-mail."""
    _require_issuer(actor)
    invoice = _with_paid(invoice)
    reminder_check(invoice, timezone.localdate())
    recipients = _clean_recipients(to)
    message = _reminder_message(
        invoice, to=recipients, note=note, today=timezone.localdate(), automatic=False
    )
    return RecoveryAction.objects.create(
        invoice=invoice,
        kind=RecoveryKind.REMINDER_MANUAL,
        note=note.strip(),
        email=_store(message),
        actor=actor,
    )


@transaction.atomic
def recovery_action_log(*, actor: User, invoice: Invoice, kind: str, note: str) -> RecoveryAction:
    """A call, a formal notice or a note, written in the invoice's recovery log."""
    _require_issuer(actor)
    _check_payable(invoice)
    errors = {}
    if kind not in LOGGED_RECOVERY_KINDS:
        errors["kind"] = _("Choisissez : appel, mise en demeure ou note.")
    if not note.strip():
        errors["note"] = _("Écrivez ce qui a été fait ou dit.")
    if errors:
        raise ValidationError(errors)
    return RecoveryAction.objects.create(invoice=invoice, kind=kind, note=note.strip(), actor=actor)


@dataclass(frozen=True)
class ReminderRun:
    sent: int = 0
    without_address: int = 0
    failed: int = 0


def _automatic_candidates(today: date, delays: list[int]):
    """Issued invoices left unpaid past their first reminder delay, with the latest
    automatic step already taken. An invoice with a credit note (issued or in
    preparation) is left to people: it is being corrected or disputed."""
    latest_step = (
        RecoveryAction.objects.filter(invoice=models.OuterRef("pk"), reminder_step__isnull=False)
        .order_by("-reminder_step")
        .values("reminder_step")[:1]
    )
    credit_notes = Invoice.objects.filter(credited_invoice=models.OuterRef("pk"))
    return (
        Invoice.objects.with_paid()
        .overdue(today)
        .filter(due_on__lte=today - timedelta(days=delays[0]))
        .filter(~models.Exists(credit_notes))
        .annotate(latest_step=models.Subquery(latest_step))
        .order_by("due_on", "pk")
        .values_list("pk", "due_on", "latest_step")
    )


def reminders_send_due(*, today: date | None = None) -> ReminderRun:
    """The automatic reminders of the day (Celery beat, coop.tasks).

    For each overdue unpaid invoice, the latest delay of CooperativeProfile.reminder_delays
    it has reached is sent once: the step is claimed by inserting its RecoveryAction
    (unique per invoice and step) in a savepoint, together with the stored e-mail, before
    the e-mail is handed over for delivery at commit. Running twice, or on two workers at
    once, sends it once. When the task was not run for a while, only the latest step
    reached is sent (never two reminders the same day), and the earlier ones are not sent
    afterwards. Each invoice is its own transaction: one that fails is rolled back, its
    step left unclaimed for the next run, and the others go on."""
    today = today or timezone.localdate()
    profile = CooperativeProfile.current()
    delays = profile.reminder_delays if profile else []
    if not delays:
        return ReminderRun()
    sent = without_address = failed = 0
    for pk, due_on, latest_step in list(_automatic_candidates(today, delays)):
        reached = [delay for delay in delays if due_on + timedelta(days=delay) <= today]
        step = reached[-1]
        if latest_step is not None and latest_step >= step:
            continue
        try:
            outcome = _reminder_send_automatic(pk, step=step, today=today)
        except Exception:  # one invoice's failure (e.g. its PDF) stops no other
            logger.exception("Invoice %s: automatic reminder failed, retried next run", pk)
            failed += 1
            continue
        if outcome is None:
            without_address += 1
        elif outcome:
            sent += 1
    return ReminderRun(sent=sent, without_address=without_address, failed=failed)


@transaction.atomic
def _reminder_send_automatic(pk: int, *, step: int, today: date) -> bool | None:
    """True when sent, False when there was nothing to do (paid meanwhile, or the step
    taken by another run), None when the client has no e-mail address."""
    invoice = Invoice.objects.with_paid().select_related("client", "entrepreneur").get(pk=pk)
    if invoice.balance <= 0:
        return False
    recipients = reminder_recipients(invoice)
    if not recipients:
        logger.info("Invoice %s overdue: no e-mail address for its automatic reminder", pk)
        return None
    message = _reminder_message(invoice, to=recipients, note="", today=today, automatic=True)
    try:
        with transaction.atomic():
            RecoveryAction.objects.create(
                invoice=invoice,
                kind=RecoveryKind.REMINDER_AUTOMATIC,
                reminder_step=step,
                note=_("Relance automatique, %(days)s jours après l'échéance.") % {"days": step},
                email=_store(message),
            )
    except IntegrityError:
        return False
    return True


# --- the entrepreneurs' account expenses --------------------------------------------------


def chargeable_members(user):
    """The members whose account an expense can be charged to, for who manages them:
    every member (an expense can come after an exit, e.g. the last salary)."""
    if not (user.is_authenticated and user.is_active and user.role in ISSUERS):
        return Member.objects.none()
    return Member.objects.all()


EXPENSE_FIELDS = frozenset(
    {
        "kind",
        "spent_on",
        "supplier",
        "supplier_reference",
        "description",
        "net",
        "vat",
        "paid_by",
    }
)


def _check_expense(expense: AccountExpense) -> None:
    errors = {}
    if expense.kind not in AccountExpenseKind.values:
        errors["kind"] = _("Choisissez le type de dépense.")
    if expense.paid_by not in ExpensePaidBy.values:
        errors["paid_by"] = _("Dites qui a payé.")
    if expense.spent_on > timezone.localdate():
        errors["spent_on"] = _("La date de la dépense ne peut pas être dans le futur.")
    if not expense.description.strip():
        errors["description"] = _("Écrivez ce qui a été payé.")
    if expense.kind == AccountExpenseKind.SUPPLIER_INVOICE and not expense.supplier.strip():
        errors["supplier"] = _("Donnez le nom du fournisseur de la facture.")
    if expense.kind == AccountExpenseKind.SALARY:
        if expense.paid_by != ExpensePaidBy.COOPERATIVE:
            errors["paid_by"] = _("Le salaire est payé par la coopérative.")
        if expense.vat:
            errors["vat"] = _("Un salaire ne porte pas de TVA.")
    for name in ("net", "vat"):
        value = getattr(expense, name)
        if value is None or to_cents(value) != value:
            errors.setdefault(name, _("Un montant s'écrit au centime près."))
    if "net" not in errors and expense.net <= 0:
        errors["net"] = _("Le montant hors taxes est supérieur à zéro.")
    if "vat" not in errors and expense.vat < 0:
        errors["vat"] = _("La TVA ne peut pas être négative.")
    elif "vat" not in errors and "net" not in errors and expense.vat > expense.net:
        errors["vat"] = _("La TVA dépasse le montant hors taxes : vérifiez les deux montants.")
    if errors:
        raise ValidationError(errors)


def _attach_receipt(expense: AccountExpense, receipt) -> None:
    """Keep the receipt if it is really a PDF, JPEG or PNG of 10 MB at most."""
    try:
        content_type = detect_content_type(receipt)
    except ValidationError as error:
        raise ValidationError({"receipt": error.messages}) from error
    expense.receipt.save(receipt.name, receipt, save=False)
    expense.receipt_content_type = content_type


@transaction.atomic
def account_expense_add(
    *,
    actor: User,
    entrepreneur: Member,
    kind: str,
    spent_on: date,
    description: str,
    net: Decimal,
    vat: Decimal = Decimal("0.00"),
    supplier: str = "",
    supplier_reference: str = "",
    paid_by: str = ExpensePaidBy.COOPERATIVE,
    receipt=None,
) -> AccountExpense:
    """A supplier invoice, an expense report or a salary cost charged to the account."""
    _require_issuer(actor)
    expense = AccountExpense(
        entrepreneur=entrepreneur,
        kind=kind,
        spent_on=spent_on,
        supplier=supplier.strip(),
        supplier_reference=supplier_reference.strip(),
        description=description.strip(),
        net=net,
        vat=vat if vat is not None else Decimal("0.00"),
        paid_by=paid_by,
        recorded_by=actor,
    )
    _check_expense(expense)
    if receipt:
        _attach_receipt(expense, receipt)
    expense.save()
    return expense


@transaction.atomic
def account_expense_update(
    *, actor: User, expense: AccountExpense, receipt=None, **fields
) -> AccountExpense:
    """Correct an expense; a new receipt replaces the old one. Once reimbursed, what was
    paid back (amounts, who paid) no longer changes."""
    _require_issuer(actor)
    expense = AccountExpense.objects.select_for_update().get(pk=expense.pk)
    before = {name: getattr(expense, name) for name in ("net", "vat", "paid_by")}
    for name, value in fields.items():
        if name not in EXPENSE_FIELDS:
            raise TypeError(name)
        setattr(expense, name, value.strip() if isinstance(value, str) else value)
    if expense.vat is None:
        expense.vat = Decimal("0.00")
    if expense.reimbursed_on and any(getattr(expense, k) != v for k, v in before.items()):
        raise ValidationError(
            _(
                "Cette dépense a été remboursée le %(day)s : son montant et qui l'a payée "
                "ne changent plus."
            )
            % {"day": _day(expense.reimbursed_on)}
        )
    _check_expense(expense)
    old_receipt = expense.receipt.name if receipt else ""
    if receipt:
        _attach_receipt(expense, receipt)
    expense.save()
    if old_receipt:
        storage = expense.receipt.storage
        transaction.on_commit(lambda: storage.delete(old_receipt))
    return expense


@transaction.atomic
def account_expense_reimburse(*, actor: User, expense: AccountExpense, on: date) -> AccountExpense:
    """The cooperative paid back what the entrepreneur advanced."""
    _require_issuer(actor)
    expense = AccountExpense.objects.select_for_update().get(pk=expense.pk)
    if expense.paid_by != ExpensePaidBy.ENTREPRENEUR:
        raise ValidationError(
            _("Cette dépense a été payée par la coopérative : il n'y a rien à rembourser.")
        )
    if expense.reimbursed_on:
        raise ValidationError(
            _("Cette dépense est déjà remboursée (le %(day)s).")
            % {"day": _day(expense.reimbursed_on)}
        )
    if on > timezone.localdate():
        raise ValidationError({"on": _("La date du remboursement ne peut pas être dans le futur.")})
    if on < expense.spent_on:
        raise ValidationError(
            {
                "on": _("Le remboursement ne peut pas précéder la dépense (le %(day)s).")
                % {"day": _day(expense.spent_on)}
            }
        )
    expense.reimbursed_on = on
    expense.save(update_fields=["reimbursed_on"])
    return expense
