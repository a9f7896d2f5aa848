"""Invoices and credit notes: drafting (from validated sessions, from scratch, from an
accepted quote in coop.views.quotes), lines, the draft's PDF preview, asking for issuance;
the coordinators' and accountants' filtered list with its totals, the queue of invoices
to issue, issuing, sending back, credit notes, and the archived PDF of an issued one.

Who may do what is decided by coop.billing (an entrepreneur writes their own drafts, a
coordinator any, only coordinators and accountants issue); the pages only hide the
buttons a person could not use."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, DecimalField, F, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities.models import Mission
from coop import billing, documents, ledger
from coop.enums import InvoiceKind, InvoiceStatus
from coop.filters_billing import InvoiceFilter
from coop.forms_billing import (
    CreditNoteForm,
    DocumentStartForm,
    InvoiceForm,
    IssueForm,
    LineForm,
    SessionsForm,
)
from coop.models import CooperativeProfile, Invoice, InvoiceLine
from members.enums import Role
from members.models import Member
from members.views.common import apply_validation_error, folded_filters, require_perm

INVOICES_PER_PAGE = 50
# The validated sessions offered at once on "bill the sessions" (oldest first).
SESSIONS_OFFERED = 200
# Who reads a quote or an invoice page: the staff every one, an entrepreneur their own.
READ_PERMS = ("coop.view_invoicing", "coop.draft_own_invoices")
# Who opens a draft's forms: its author (coop.billing decides whose), or an issuer
# checking a draft waiting to be issued.
WRITE_PERMS = ("coop.draft_invoices", "coop.issue_invoices")
ZERO = Value(0, output_field=DecimalField(max_digits=14, decimal_places=2))


# --- shared with coop.views.quotes ------------------------------------------------------


def euros(amount) -> str:
    """An amount in the active language's format, with the euro sign: 1 234,56 €."""
    return f"{number_format(amount, 2, force_grouping=True)}\xa0€"


def own_member(user) -> Member | None:
    """The member record of an entrepreneur's account (None for other roles)."""
    if user.role != Role.ENTREPRENEUR:
        return None
    return Member.objects.filter(user=user).first()


def pdf_response(content: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def save_line(*, form: LineForm, write, update_document):
    """Save a line, and the document's exemption reason when a 0 % line needs a new one,
    together: the reason never changes without its line."""
    with transaction.atomic():
        exemption = form.new_exemption()
        if exemption is not None:
            update_document(vat_exemption=exemption)
        return write(form.line_input())


def invoice_state(invoice: Invoice) -> tuple[str, str]:
    """An invoice's state in plain words, and its badge's tone. Issued invoices need the
    `balance` of InvoiceQuerySet.with_paid()."""
    if invoice.status == InvoiceStatus.DRAFT:
        return _("En préparation"), ""
    if invoice.status == InvoiceStatus.REQUESTED:
        return _("En attente d'émission"), "warning"
    if invoice.is_credit_note:
        return _("Avoir émis"), "success"
    if invoice.balance > 0:
        return _("Émise — reste à payer %(amount)s") % {"amount": euros(invoice.balance)}, "warning"
    if invoice.credited and not invoice.paid:
        return _("Émise — annulée par un avoir"), ""
    return _("Émise — payée"), "success"


def with_states(invoices):
    for invoice in invoices:
        invoice.state_words, invoice.state_tone = invoice_state(invoice)
    return invoices


# --- reads ------------------------------------------------------------------------------


def _get_invoice(request, pk: int, *perms: str, invoices=None) -> Invoice:
    """An invoice reached by id: 403 for a role that never uses the page, 404 for one
    this person may not see."""
    require_perm(request.user, *perms)
    invoices = Invoice.objects if invoices is None else invoices
    return get_object_or_404(invoices.visible_to(request.user), pk=pk)


def _get_line(invoice: Invoice, line_pk: int) -> InvoiceLine:
    return get_object_or_404(invoice.lines.all(), pk=line_pk)


def _detail_url(invoice: Invoice) -> str:
    return reverse("coop:invoice_detail", args=[invoice.pk])


def _refusal(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def list_totals(invoices) -> dict:
    """Totals of a filtered set: amounts of invoices less credit notes, then what was
    collected and what is left to collect on the issued invoices."""
    # Aliases differ from the fields and annotations they add up: an aggregate named like
    # the annotation it reads would replace it.
    signed = {
        f"signed_{name}": Coalesce(
            Sum(Case(When(kind=InvoiceKind.CREDIT_NOTE, then=-F(name)), default=F(name))), ZERO
        )
        for name in ("net", "gross")
    }
    amounts = invoices.order_by().aggregate(**signed)
    collected = (
        invoices.order_by()
        .issued()
        .invoices()
        .with_paid()
        .aggregate(collected=Coalesce(Sum("paid"), ZERO), to_collect=Coalesce(Sum("balance"), ZERO))
    )
    return {
        "net": amounts["signed_net"],
        "gross": amounts["signed_gross"],
        "paid": collected["collected"],
        "remaining": collected["to_collect"],
    }


@login_required
@require_GET
def invoice_list(request):
    require_perm(request.user, "coop.view_invoicing")
    filterset = InvoiceFilter(request.GET, user=request.user)
    invoices = filterset.qs if filterset.is_valid() else Invoice.objects.none()
    rows = invoices.with_paid().select_related("entrepreneur", "client")
    page = Paginator(rows, INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    with_states(page.object_list)
    to_issue = request.GET.get("status") == InvoiceStatus.REQUESTED
    return render(
        request,
        "coop/invoices/list.html",
        {
            "form": filterset.form,
            "filters_valid": filterset.is_valid(),
            **folded_filters(filterset, request.GET, shown={"entrepreneur", "client", "status"}),
            "page": page,
            "totals": list_totals(invoices) if filterset.is_valid() else None,
            "to_issue": to_issue,
            "waiting": Invoice.objects.visible_to(request.user)
            .filter(status=InvoiceStatus.REQUESTED)
            .count(),
            "can_draft": request.user.has_perm("coop.draft_invoices"),
        },
    )


def _flags(user, invoice: Invoice) -> dict:
    """Which buttons this person sees on this invoice (coop.billing has the last word)."""
    issuer = user.has_perm("coop.issue_invoices")
    drafter = user.has_perm("coop.draft_invoices")
    if invoice.status == InvoiceStatus.DRAFT:
        can_edit = issuer if invoice.is_credit_note else (drafter or issuer)
    elif invoice.status == InvoiceStatus.REQUESTED:
        can_edit = issuer
    else:
        can_edit = False
    return {
        "own_only": not user.has_perm("coop.view_invoicing"),
        "can_edit": can_edit,
        "can_add_lines": can_edit and not invoice.is_credit_note,
        "can_request": drafter
        and invoice.status == InvoiceStatus.DRAFT
        and not invoice.is_credit_note,
        "can_issue": issuer and not invoice.is_issued,
        "can_send_back": issuer and invoice.status == InvoiceStatus.REQUESTED,
        "can_delete": can_edit and invoice.status == InvoiceStatus.DRAFT,
        "can_credit": issuer and invoice.is_issued and not invoice.is_credit_note,
    }


def _locked(user, invoice: Invoice, *, lines: bool = False) -> str:
    """Why this person may not change this invoice (or its lines) now, in words; "" when
    they may."""
    flags = _flags(user, invoice)
    if flags["can_add_lines" if lines else "can_edit"]:
        return ""
    if flags["can_edit"]:
        return _(
            "Les lignes d'un avoir viennent de la facture qu'il annule : supprimez ce "
            "brouillon d'avoir et faites-en un autre."
        )
    if invoice.is_issued:
        return _("Une facture émise ne se modifie pas : un avoir la corrige.")
    if invoice.status == InvoiceStatus.REQUESTED:
        return _(
            "Cette facture attend son émission : demandez à votre chargé·e "
            "d'accompagnement de vous la rendre en brouillon pour la changer."
        )
    return _("Seul·e un·e chargé·e d'accompagnement ou un·e comptable change un avoir.")


def _render_detail(request, pk: int, *, issue_form=None, status=200):
    invoice = _get_invoice(
        request,
        pk,
        *READ_PERMS,
        invoices=Invoice.objects.with_paid().select_related(
            "entrepreneur", "client", "mission", "quote", "credited_invoice", "issued_by"
        ),
    )
    invoice.state_words, invoice.state_tone = invoice_state(invoice)
    flags = _flags(request.user, invoice)
    context = {"invoice": invoice, "lines": list(invoice.lines.all()), **flags}
    if not invoice.is_issued:
        context["missing"] = billing.invoice_missing_mentions(invoice, CooperativeProfile.current())
    if flags["can_issue"]:
        context["issue_form"] = issue_form or IssueForm(invoice=invoice)
    if invoice.is_issued and not invoice.is_credit_note:
        context.update(ledger.invoice_money_context(invoice))
    if not invoice.is_credit_note:
        context["credit_notes"] = list(invoice.credit_notes.order_by("created_at", "pk"))
    return render(request, "coop/invoices/detail.html", context, status=status)


@login_required
@require_GET
def invoice_detail(request, pk: int):
    return _render_detail(request, pk)


# --- starting a draft -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def invoice_create(request):
    """A draft invoice from scratch, its lines typed afterwards."""
    require_perm(request.user, "coop.draft_invoices")
    member = own_member(request.user)
    if request.user.role == Role.ENTREPRENEUR and member is None:
        raise Http404
    form = DocumentStartForm(data=request.POST or None, user=request.user)
    if form.is_valid():
        try:
            invoice = billing.invoice_create(
                actor=request.user, **form.service_arguments(own_member=member)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La facture est commencée : ajoutez ses lignes."))
            return redirect("coop:invoice_line_add", pk=invoice.pk)
    return render(
        request,
        "coop/quotes/start.html",
        {
            "form": form,
            "title": _("Nouvelle facture"),
            "submit": _("Commencer la facture"),
            "kind": "invoice",
            "back_url": reverse("coop:my_invoicing" if member else "coop:invoice_list"),
            "back_label": _("Retour à mes devis et factures")
            if member
            else _("Retour aux factures"),
        },
    )


def mission_for_drafting(request, pk: int) -> tuple[Mission, Member | None]:
    """A mission to draft from: an entrepreneur must be on it (404 otherwise)."""
    require_perm(request.user, "coop.draft_invoices")
    mission = get_object_or_404(
        Mission.objects.visible_to(request.user).select_related("client"), pk=pk
    )
    if request.user.role != Role.ENTREPRENEUR:
        return mission, None
    member = mission.entrepreneurs.filter(user=request.user).first()
    if member is None:
        raise Http404
    return mission, member


@login_required
@require_http_methods(["GET", "POST"])
def invoice_from_sessions(request, pk: int):
    """Validated sessions of a mission, not billed yet, checked and turned into a draft."""
    mission, member = mission_for_drafting(request, pk)
    sessions = billing.billable_sessions(mission).select_related("entrepreneur")
    if member is not None:
        sessions = sessions.filter(entrepreneur=member)
    offered = sessions.filter(pk__in=sessions.values("pk")[:SESSIONS_OFFERED])
    # Bound on every POST: a form of checkboxes can come back empty.
    data = request.POST if request.method == "POST" else None
    form = SessionsForm(data=data, sessions=offered)
    if form.is_valid():
        chosen = form.cleaned_data["sessions"]
        try:
            invoice = billing.invoice_from_sessions(
                actor=request.user,
                mission=mission,
                entrepreneur=chosen[0].entrepreneur,
                sessions=chosen,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("La facture est prête en brouillon : vérifiez-la, puis demandez son émission."),
            )
            return redirect("coop:invoice_detail", pk=invoice.pk)
    return render(
        request,
        "coop/invoices/from_sessions.html",
        {
            "form": form,
            "mission": mission,
            "own_only": member is not None,
            "has_sessions": bool(form.fields["sessions"].choices),
            "more": sessions.count() > SESSIONS_OFFERED,
        },
    )


# --- a draft: its fields and lines ------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def invoice_edit(request, pk: int):
    invoice = _get_invoice(
        request, pk, *WRITE_PERMS, invoices=Invoice.objects.select_related("client")
    )
    if locked := _locked(request.user, invoice):
        messages.error(request, locked)
        return redirect(_detail_url(invoice))
    form = InvoiceForm(data=request.POST or None, invoice=invoice)
    if form.is_valid():
        try:
            billing.invoice_update(actor=request.user, invoice=invoice, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("C'est enregistré."))
            return redirect(_detail_url(invoice))
    return render(request, "coop/invoices/edit.html", {"form": form, "invoice": invoice})


def _line_page(request, invoice: Invoice, form: LineForm, *, line=None):
    return render(
        request,
        "coop/quotes/line_form.html",
        {
            "form": form,
            "document": invoice,
            "line": line,
            "back_url": _detail_url(invoice),
            "back_label": _("Retour à la facture"),
            "title": _("Modifier la ligne") if line else _("Ajouter une ligne"),
            "submit": _("Enregistrer la ligne") if line else _("Ajouter la ligne"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def invoice_line_add(request, pk: int):
    invoice = _get_invoice(request, pk, *WRITE_PERMS)
    if locked := _locked(request.user, invoice, lines=True):
        messages.error(request, locked)
        return redirect(_detail_url(invoice))
    form = LineForm(data=request.POST or None, document=invoice)
    if form.is_valid():
        try:
            save_line(
                form=form,
                write=lambda line: billing.invoice_line_add(
                    actor=request.user, invoice=invoice, line=line
                ),
                update_document=lambda **fields: billing.invoice_update(
                    actor=request.user, invoice=invoice, **fields
                ),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La ligne est ajoutée."))
            if "encore" in request.POST:
                return redirect("coop:invoice_line_add", pk=invoice.pk)
            return redirect(_detail_url(invoice))
    return _line_page(request, invoice, form)


@login_required
@require_http_methods(["GET", "POST"])
def invoice_line_edit(request, pk: int, line_pk: int):
    invoice = _get_invoice(request, pk, *WRITE_PERMS)
    line = _get_line(invoice, line_pk)
    if locked := _locked(request.user, invoice, lines=True):
        messages.error(request, locked)
        return redirect(_detail_url(invoice))
    form = LineForm(data=request.POST or None, document=invoice, line=line)
    if form.is_valid():
        try:
            save_line(
                form=form,
                write=lambda data: billing.invoice_line_update(
                    actor=request.user, line=line, data=data
                ),
                update_document=lambda **fields: billing.invoice_update(
                    actor=request.user, invoice=invoice, **fields
                ),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La ligne est enregistrée."))
            return redirect(_detail_url(invoice))
    return _line_page(request, invoice, form, line=line)


@login_required
@require_POST
def invoice_line_remove(request, pk: int, line_pk: int):
    invoice = _get_invoice(request, pk, *WRITE_PERMS)
    line = _get_line(invoice, line_pk)
    if locked := _locked(request.user, invoice, lines=True):
        messages.error(request, locked)
        return redirect(_detail_url(invoice))
    try:
        billing.invoice_line_remove(actor=request.user, line=line)
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, _("La ligne est supprimée."))
    return redirect(_detail_url(invoice))


@login_required
@require_GET
def invoice_preview(request, pk: int):
    """A draft as it would print today, marked "Brouillon": never a legal document."""
    invoice = _get_invoice(request, pk, *READ_PERMS)
    if invoice.is_issued:
        return redirect("coop:invoice_pdf", pk=invoice.pk)
    return pdf_response(
        documents.render_invoice_preview_pdf(invoice),
        f"brouillon-facture-{invoice.pk}.pdf",
        attachment=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def invoice_delete(request, pk: int):
    invoice = _get_invoice(request, pk, *WRITE_PERMS)
    if not _flags(request.user, invoice)["can_delete"]:
        messages.error(request, _("Seul un brouillon se supprime."))
        return redirect(_detail_url(invoice))
    if request.method == "POST":
        try:
            billing.invoice_delete_draft(actor=request.user, invoice=invoice)
        except ValidationError as error:
            _refusal(request, error)
            return redirect(_detail_url(invoice))
        messages.success(request, _("Le brouillon est supprimé."))
        return redirect("coop:my_invoicing" if own_member(request.user) else "coop:invoice_list")
    return render(request, "coop/invoices/delete.html", {"invoice": invoice})


# --- asking, issuing, sending back --------------------------------------------------------


@login_required
@require_POST
def invoice_request_issue(request, pk: int):
    invoice = _get_invoice(request, pk, "coop.draft_invoices")
    try:
        billing.invoice_request_issue(actor=request.user, invoice=invoice)
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(
            request,
            _(
                "C'est envoyé : votre chargé·e d'accompagnement va vérifier la facture et "
                "l'émettre. Vous la verrez ici une fois émise."
            ),
        )
    return redirect(_detail_url(invoice))


@login_required
@require_POST
def invoice_issue(request, pk: int):
    """Issue with the date and due date typed; refused, the page stays with the list of
    what is missing and the dates typed."""
    invoice = _get_invoice(request, pk, "coop.issue_invoices")
    form = IssueForm(data=request.POST, invoice=invoice)
    if form.is_valid():
        due_on = form.cleaned_data["due_on"]
        try:
            with transaction.atomic():
                if due_on and due_on != invoice.due_on:
                    billing.invoice_update(actor=request.user, invoice=invoice, due_on=due_on)
                issued = billing.invoice_issue(
                    actor=request.user, invoice=invoice, issued_on=form.cleaned_data["issued_on"]
                )
        except ValidationError as error:
            if Invoice.objects.filter(pk=invoice.pk, status=InvoiceStatus.ISSUED).exists():
                _refusal(request, error)
                return redirect(_detail_url(invoice))
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(kind)s %(number)s est émise. Son PDF est archivé.")
                % {"kind": issued.get_kind_display(), "number": issued.number},
            )
            return redirect(_detail_url(issued))
    return _render_detail(request, invoice.pk, issue_form=form)


@login_required
@require_POST
def invoice_send_back(request, pk: int):
    invoice = _get_invoice(request, pk, "coop.issue_invoices")
    try:
        billing.invoice_send_back(actor=request.user, invoice=invoice)
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(
            request,
            _("La facture est rendue en brouillon à %(name)s.")
            % {"name": invoice.entrepreneur.full_name},
        )
    return redirect(_detail_url(invoice))


@login_required
@require_GET
def invoice_pdf(request, pk: int):
    """The archived PDF of an issued invoice, exactly as issued (its SHA-256 is on the
    page). No file: 404, never a made-up copy."""
    invoice = _get_invoice(request, pk, *READ_PERMS)
    if not invoice.is_issued or not invoice.pdf:
        raise Http404
    try:
        handle = invoice.pdf.open("rb")
    except OSError as error:
        raise Http404 from error
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{invoice.number}.pdf",
        content_type="application/pdf",
    )


# --- credit notes -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def credit_note_create(request, pk: int):
    invoice = _get_invoice(request, pk, "coop.issue_invoices")
    if not _flags(request.user, invoice)["can_credit"]:
        messages.error(request, _("Un avoir annule une facture émise."))
        return redirect(_detail_url(invoice))
    lines = list(invoice.lines.all())
    form = CreditNoteForm(
        data=request.POST or None, lines=lines, credited=billing._credited_quantities(invoice)
    )
    if form.is_valid():
        try:
            credit_note = billing.credit_note_create(
                actor=request.user,
                invoice=invoice,
                reason=form.cleaned_data["reason"],
                quantities=form.quantities(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("L'avoir est prêt en brouillon : vérifiez-le, puis émettez-le.")
            )
            return redirect(_detail_url(credit_note))
    return render(
        request, "coop/invoices/credit_note_form.html", {"form": form, "invoice": invoice}
    )


urlpatterns = [
    path("factures/", invoice_list, name="invoice_list"),
    path("factures/nouvelle/", invoice_create, name="invoice_create"),
    path("factures/<int:pk>/", invoice_detail, name="invoice_detail"),
    path("factures/<int:pk>/modifier/", invoice_edit, name="invoice_edit"),
    path("factures/<int:pk>/lignes/ajouter/", invoice_line_add, name="invoice_line_add"),
    path(
        "factures/<int:pk>/lignes/<int:line_pk>/modifier/",
        invoice_line_edit,
        name="invoice_line_edit",
    ),
    path(
        "factures/<int:pk>/lignes/<int:line_pk>/supprimer/",
        invoice_line_remove,
        name="invoice_line_remove",
    ),
    path("factures/<int:pk>/apercu.pdf", invoice_preview, name="invoice_preview"),
    path("factures/<int:pk>/supprimer/", invoice_delete, name="invoice_delete"),
    path("factures/<int:pk>/demander/", invoice_request_issue, name="invoice_request_issue"),
    path("factures/<int:pk>/emettre/", invoice_issue, name="invoice_issue"),
    path("factures/<int:pk>/rendre/", invoice_send_back, name="invoice_send_back"),
    path("factures/<int:pk>/pdf/", invoice_pdf, name="invoice_pdf"),
    path("factures/<int:pk>/avoir/", credit_note_create, name="credit_note_create"),
    path("missions/<int:pk>/facturer/", invoice_from_sessions, name="invoice_from_sessions"),
]
