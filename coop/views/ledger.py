"""The money pages of coordinators and accountants: recording a payment on an invoice or
cancelling an entry, the payment journal, the unpaid and overdue invoices with their
reminders and recovery log, and the expenses charged to the entrepreneurs' accounts with
their receipts. (The invoice page shows the money part through coop/invoices/_money.html;
an entrepreneur sees their own expenses on their treasury page.)"""

from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from activities.filters import search_person
from coop import ledger
from coop.enums import ExpensePaidBy, PaymentMethod, RecoveryKind
from coop.forms_ledger import (
    LATENESS,
    OVERDUE,
    UNPAID,
    AccountExpenseFilter,
    AccountExpenseForm,
    MemberSearchForm,
    OverdueFilter,
    PaymentFilter,
    PaymentForm,
    PaymentReverseForm,
    RecoveryActionForm,
    ReimburseForm,
    ReminderForm,
)
from coop.models import AccountExpense, Invoice, Payment, RecoveryAction
from coop.money import to_cents
from members.models import Document
from members.views.common import apply_validation_error, folded_filters, require_perm

PER_PAGE = 50
# People found when choosing whose account an expense is charged to.
MEMBER_RESULTS = 20
ZERO = Decimal("0.00")


def _invoice_url(invoice: Invoice) -> str:
    return reverse("coop:invoice_detail", args=[invoice.pk])


def _get_invoice(request, pk: int) -> Invoice:
    """An issued invoice (not a credit note) this coordinator or accountant may see, with
    what is paid and left to pay; anything else has no money page (404)."""
    require_perm(request.user, "coop.record_payments")
    invoices = (
        Invoice.objects.visible_to(request.user)
        .issued()
        .invoices()
        .with_paid()
        .select_related("client", "entrepreneur")
    )
    return get_object_or_404(invoices, pk=pk)


def _render_form(request, template: str, form, **context):
    return render(request, f"coop/ledger/{template}", {"form": form, **context})


# --- payments -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def payment_create(request, pk: int):
    invoice = _get_invoice(request, pk)
    initial = {"amount": to_cents(invoice.balance)} if invoice.balance > 0 else {}
    form = PaymentForm(data=request.POST or None, initial=initial)
    if form.is_valid():
        try:
            payment = ledger.payment_record(
                actor=request.user, invoice=invoice, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Le paiement de %(amount)s € est enregistré sur la facture %(number)s.")
                % {"amount": _amount(payment.amount), "number": invoice.number},
            )
            return redirect(_invoice_url(invoice))
    return _render_form(
        request,
        "payment_form.html",
        form,
        invoice=invoice,
        days_late=ledger.days_late(invoice),
    )


@login_required
@require_http_methods(["GET", "POST"])
def payment_reverse(request, pk: int):
    require_perm(request.user, "coop.record_payments")
    payments = Payment.objects.visible_to(request.user).select_related(
        "invoice__client", "invoice__entrepreneur", "recorded_by"
    )
    payment = get_object_or_404(payments, pk=pk)
    form = PaymentReverseForm(data=request.POST or None)
    if form.is_valid():
        try:
            ledger.payment_reverse(
                actor=request.user, payment=payment, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("L'écriture de %(amount)s € du %(day)s est annulée.")
                % {"amount": _amount(payment.amount), "day": payment.paid_on.strftime("%d/%m/%Y")},
            )
            return redirect(_invoice_url(payment.invoice))
    return _render_form(request, "payment_reverse.html", form, payment=payment)


def _amount(value: Decimal) -> str:
    """For messages: 1 234,56 (the template filters do it on pages)."""
    return number_format(value, decimal_pos=2, force_grouping=True)


@dataclass(frozen=True)
class MethodTotal:
    method: PaymentMethod
    count: int
    amount: Decimal


@login_required
@require_GET
def payment_list(request):
    require_perm(request.user, "coop.view_invoicing")
    filterset = PaymentFilter(request.GET, user=request.user)
    valid = filterset.is_valid()
    payments = filterset.qs if valid else Payment.objects.none()
    rows = payments.select_related("invoice__entrepreneur", "invoice__client", "reverses")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    totals = by_method = None
    if valid:
        totals = payments.order_by().aggregate(
            count=Count("pk"),
            received=Coalesce(Sum("amount", filter=Q(amount__gt=0)), ZERO),
            reversed=Coalesce(Sum("amount", filter=Q(amount__lt=0)), ZERO),
            net=Coalesce(Sum("amount"), ZERO),
        )
        by_method = [
            MethodTotal(PaymentMethod(row["method"]), row["count"], row["amount"])
            for row in payments.order_by("method")
            .values("method")
            .annotate(count=Count("pk"), amount=Sum("amount"))
        ]
    return render(
        request,
        "coop/ledger/payment_list.html",
        {
            "form": filterset.form,
            "filters_valid": valid,
            **folded_filters(filterset, request.GET, shown={"entrepreneur", "client"}),
            "page": page,
            "totals": totals,
            "by_method": by_method,
        },
    )


# --- overdue invoices and recovery -------------------------------------------------------


def _unpaid_invoices(user):
    """Issued invoices with something left to pay, with their last recovery action and
    the number of reminders sent: three subqueries, whatever the number of invoices."""
    actions = RecoveryAction.objects.filter(invoice=OuterRef("pk")).order_by("-at", "-pk")
    reminders = (
        RecoveryAction.objects.filter(invoice=OuterRef("pk"), kind__in=ledger.REMINDER_KINDS)
        .order_by()
        .values("invoice")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Invoice.objects.visible_to(user)
        .with_paid()
        .unpaid()
        .annotate(
            last_action_kind=Subquery(actions.values("kind")[:1]),
            last_action_at=Subquery(actions.values("at")[:1]),
            reminders_sent=Coalesce(Subquery(reminders, output_field=IntegerField()), Value(0)),
        )
    )


def _overdue_totals(invoices, today) -> dict:
    """Count and amounts left to collect, by lateness band, in one query."""
    bands = {}
    for key, (lowest, highest) in LATENESS.items():
        condition = Q(due_on__lte=today - timezone.timedelta(days=lowest))
        if highest is not None:
            condition &= Q(due_on__gte=today - timezone.timedelta(days=highest))
        bands[key] = Coalesce(Sum("balance", filter=condition), ZERO)
    sums = invoices.order_by().aggregate(
        invoice_count=Count("pk"),
        sum_gross=Coalesce(Sum("gross"), ZERO),
        sum_balance=Coalesce(Sum("balance"), ZERO),
        sum_not_due=Coalesce(Sum("balance", filter=Q(due_on__gte=today)), ZERO),
        **{f"band_{key}": value for key, value in bands.items()},
    )
    figures = {
        "count": sums["invoice_count"],
        "gross": sums["sum_gross"],
        "balance": sums["sum_balance"],
        "not_due": sums["sum_not_due"],
    }
    figures["bands"] = [
        (label, sums[f"band_{key}"])
        for key, label in (
            ("1-30", _("1 à 30 jours")),
            ("31-60", _("31 à 60 jours")),
            ("61-90", _("61 à 90 jours")),
            ("91+", _("plus de 90 jours")),
        )
    ]
    return figures


@login_required
@require_GET
def overdue_list(request):
    require_perm(request.user, "coop.view_invoicing")
    today = timezone.localdate()
    data = request.GET.copy()
    if data.get("state") not in (OVERDUE, UNPAID):
        data["state"] = OVERDUE
    filterset = OverdueFilter(data, queryset=_unpaid_invoices(request.user), today=today)
    valid = filterset.is_valid()
    invoices = filterset.qs.order_by("due_on", "pk") if valid else Invoice.objects.none()
    rows = invoices.select_related("entrepreneur", "client")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for invoice in page:
        invoice.days_late = ledger.days_late(invoice, today)
        invoice.has_address = bool((invoice.buyer or {}).get("email"))
        if invoice.last_action_kind:
            invoice.last_action_label = RecoveryKind(invoice.last_action_kind).label
    return render(
        request,
        "coop/ledger/overdue_list.html",
        {
            "form": filterset.form,
            "filters_valid": valid,
            "state": data["state"],
            "page": page,
            "totals": _overdue_totals(invoices, today) if valid else None,
            "can_remind": request.user.has_perm("coop.record_payments"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reminder_send(request, pk: int):
    invoice = _get_invoice(request, pk)
    refusal = None
    try:
        ledger.reminder_check(invoice, timezone.localdate())
    except ValidationError as error:
        refusal = " ".join(error.messages)
    initial = {"to": ", ".join(ledger.reminder_recipients(invoice))}
    form = ReminderForm(data=(request.POST or None) if refusal is None else None, initial=initial)
    if refusal is None and form.is_valid():
        try:
            ledger.reminder_send(
                actor=request.user,
                invoice=invoice,
                to=form.cleaned_data["to"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("La relance est partie à %(to)s, avec la facture en pièce jointe.")
                % {"to": ", ".join(form.cleaned_data["to"])},
            )
            return redirect(_invoice_url(invoice))
    elif refusal and request.method == "POST":
        messages.error(request, refusal)
    subject = body = ""
    if refusal is None:
        subject, body = ledger.reminder_preview(invoice)
    return _render_form(
        request,
        "reminder_form.html",
        form,
        invoice=invoice,
        days_late=ledger.days_late(invoice),
        refusal=refusal,
        other_addresses=ledger.other_client_addresses(invoice) if refusal is None else [],
        preview_subject=subject,
        preview_body=body,
    )


@login_required
@require_http_methods(["GET", "POST"])
def recovery_action_add(request, pk: int):
    invoice = _get_invoice(request, pk)
    form = RecoveryActionForm(data=request.POST or None)
    if form.is_valid():
        try:
            action = ledger.recovery_action_log(
                actor=request.user, invoice=invoice, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("« %(kind)s » est noté sur la facture %(number)s.")
                % {"kind": action.get_kind_display(), "number": invoice.number},
            )
            return redirect(_invoice_url(invoice))
    return _render_form(
        request,
        "recovery_form.html",
        form,
        invoice=invoice,
        days_late=ledger.days_late(invoice),
    )


# --- account expenses --------------------------------------------------------------------


@login_required
@require_GET
def account_expense_list(request):
    require_perm(request.user, "coop.manage_account_expenses")
    filterset = AccountExpenseFilter(request.GET, user=request.user)
    valid = filterset.is_valid()
    expenses = filterset.qs if valid else AccountExpense.objects.none()
    rows = expenses.select_related("entrepreneur")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    totals = None
    if valid:
        advanced = Q(paid_by=ExpensePaidBy.ENTREPRENEUR, reimbursed_on__isnull=True)
        sums = expenses.order_by().aggregate(
            expense_count=Count("pk"),
            sum_net=Coalesce(Sum("net"), ZERO),
            sum_vat=Coalesce(Sum("vat"), ZERO),
            sum_advanced=Coalesce(Sum(F("net") + F("vat"), filter=advanced), ZERO),
            advanced_count=Count("pk", filter=advanced),
        )
        totals = {
            "count": sums["expense_count"],
            "net": sums["sum_net"],
            "vat": sums["sum_vat"],
            "gross": sums["sum_net"] + sums["sum_vat"],
            "to_reimburse": sums["sum_advanced"],
            "to_reimburse_count": sums["advanced_count"],
        }
    return render(
        request,
        "coop/ledger/expense_list.html",
        {
            "form": filterset.form,
            "filters_valid": valid,
            **folded_filters(filterset, request.GET, shown={"entrepreneur", "to_reimburse"}),
            "page": page,
            "totals": totals,
        },
    )


@login_required
@require_GET
def account_expense_pick(request):
    """First step of adding an expense: find whose account it is charged to (a search,
    not a list of thousands of names)."""
    require_perm(request.user, "coop.manage_account_expenses")
    form = MemberSearchForm(data=request.GET or None)
    members = None
    if form.is_valid():
        found = search_person(
            ledger.chargeable_members(request.user), form.cleaned_data["q"], prefix=""
        ).order_by("last_name", "first_name", "pk")
        members = list(found[: MEMBER_RESULTS + 1])
    return render(
        request,
        "coop/ledger/expense_pick.html",
        {
            "form": form,
            "members": members[:MEMBER_RESULTS] if members is not None else None,
            "more": members is not None and len(members) > MEMBER_RESULTS,
        },
    )


def _expense_list_url(member) -> str:
    return (
        reverse("coop:account_expense_list") + "?" + urlencode({"entrepreneur": member.full_name})
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_expense_create(request, member_pk: int):
    require_perm(request.user, "coop.manage_account_expenses")
    member = get_object_or_404(ledger.chargeable_members(request.user), pk=member_pk)
    form = AccountExpenseForm(data=request.POST or None, files=request.FILES or None)
    if form.is_valid():
        try:
            expense = ledger.account_expense_add(
                actor=request.user,
                entrepreneur=member,
                receipt=form.cleaned_data["receipt"],
                **form.expense_fields(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("La dépense « %(description)s » est ajoutée au compte de %(name)s.")
                % {"description": expense.description, "name": member.full_name},
            )
            return redirect(_expense_list_url(member))
    return _render_form(
        request,
        "expense_form.html",
        form,
        member=member,
        title=_("Nouvelle dépense"),
        submit=_("Ajouter la dépense"),
        back_url=reverse("coop:account_expense_pick"),
    )


def _get_expense(request, pk: int) -> AccountExpense:
    require_perm(request.user, "coop.manage_account_expenses")
    expenses = AccountExpense.objects.visible_to(request.user).select_related("entrepreneur")
    return get_object_or_404(expenses, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def account_expense_edit(request, pk: int):
    expense = _get_expense(request, pk)
    form = AccountExpenseForm(
        data=request.POST or None,
        files=request.FILES or None,
        initial=AccountExpenseForm.initial_for(expense),
    )
    if form.is_valid():
        try:
            ledger.account_expense_update(
                actor=request.user,
                expense=expense,
                receipt=form.cleaned_data["receipt"],
                **form.expense_fields(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La dépense est enregistrée."))
            return redirect(_expense_list_url(expense.entrepreneur))
    return _render_form(
        request,
        "expense_form.html",
        form,
        member=expense.entrepreneur,
        expense=expense,
        title=_("Modifier la dépense « %(description)s »") % {"description": expense.description},
        submit=_("Enregistrer"),
        back_url=_expense_list_url(expense.entrepreneur),
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_expense_reimburse(request, pk: int):
    expense = _get_expense(request, pk)
    form = ReimburseForm(data=request.POST or None)
    if form.is_valid():
        try:
            ledger.account_expense_reimburse(
                actor=request.user, expense=expense, on=form.cleaned_data["on"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Le remboursement de %(amount)s € à %(name)s est noté.")
                % {"amount": _amount(expense.gross), "name": expense.entrepreneur.full_name},
            )
            return redirect(_expense_list_url(expense.entrepreneur))
    return _render_form(request, "expense_reimburse.html", form, expense=expense)


@login_required
@require_GET
def account_expense_receipt(request, pk: int):
    """The receipt, to whoever sees the expense: coordinators, accountants, administrators,
    and the entrepreneur whose account it is. Anyone else: 404."""
    expenses = AccountExpense.objects.visible_to(request.user).exclude(receipt="")
    expense = get_object_or_404(expenses, pk=pk)
    try:
        handle = expense.receipt.open("rb")
    except (FileNotFoundError, ValueError, OSError) as missing:
        raise Http404 from missing
    suffix = (
        Document.ALLOWED_TYPES.get(expense.receipt_content_type)
        or PurePosixPath(expense.receipt.name).suffix
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"justificatif-{expense.spent_on:%Y-%m-%d}-{expense.pk}{suffix}",
        content_type=expense.receipt_content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("paiements/", payment_list, name="payment_list"),
    path("factures/<int:pk>/paiement/", payment_create, name="payment_create"),
    path("paiements/<int:pk>/annuler/", payment_reverse, name="payment_reverse"),
    path("impayes/", overdue_list, name="overdue_list"),
    path("factures/<int:pk>/relance/", reminder_send, name="reminder_send"),
    path("factures/<int:pk>/recouvrement/", recovery_action_add, name="recovery_action_add"),
    path("depenses/", account_expense_list, name="account_expense_list"),
    path("depenses/ajouter/", account_expense_pick, name="account_expense_pick"),
    path(
        "depenses/ajouter/<int:member_pk>/", account_expense_create, name="account_expense_create"
    ),
    path("depenses/<int:pk>/modifier/", account_expense_edit, name="account_expense_edit"),
    path(
        "depenses/<int:pk>/rembourser/",
        account_expense_reimburse,
        name="account_expense_reimburse",
    ),
    path(
        "depenses/<int:pk>/justificatif/", account_expense_receipt, name="account_expense_receipt"
    ),
]
