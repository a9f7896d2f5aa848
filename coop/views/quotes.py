"""Quotes, and the entrepreneur's "Mes devis et factures" on a phone: starting a quote from
a mission (its validated sessions, or its agreed price) or from scratch, its lines, the
PDF preview, sending it to the client by e-mail, the client's answer, and the draft
invoice an accepted quote becomes; the staff's filtered list of every quote."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities.enums import MissionStatus
from activities.models import Mission
from coop import billing, documents
from coop.enums import InvoiceKind, QuoteStatus
from coop.filters_billing import QuoteFilter
from coop.forms_billing import (
    DocumentStartForm,
    LineForm,
    MissionEntrepreneurForm,
    QuoteAnswerForm,
    QuoteForm,
    QuoteSendForm,
    recipients_for,
)
from coop.models import Invoice, Quote, QuoteLine
from coop.views.invoices import (
    READ_PERMS,
    ZERO,
    mission_for_drafting,
    own_member,
    pdf_response,
    save_line,
    with_states,
)
from members.enums import Role
from members.views.common import apply_validation_error, folded_filters, require_perm

QUOTES_PER_PAGE = 50
# "Mes devis et factures": a phone screen, a few of each at a time.
MY_PER_PAGE = 10
MY_MISSIONS_SHOWN = 10
# Missions one can still quote for (not refused, not closed by an invoice).
QUOTABLE = (
    MissionStatus.PROPOSED,
    MissionStatus.PLANNED,
    MissionStatus.IN_PROGRESS,
    MissionStatus.DELIVERED,
)


def quote_state(quote: Quote) -> tuple[str, str]:
    """A quote's state in plain words, and its badge's tone."""
    if quote.status == QuoteStatus.DRAFT:
        return _("À envoyer"), "warning"
    if quote.status == QuoteStatus.SENT:
        return _("Envoyé au client"), ""
    if quote.status == QuoteStatus.ACCEPTED:
        return _("Accepté"), "success"
    return _("Refusé"), ""


def _with_invoice(quotes):
    """Each quote with the id of the invoice made from it (None if none yet)."""
    invoices = Invoice.objects.filter(quote=OuterRef("pk"), kind=InvoiceKind.INVOICE)
    return quotes.annotate(invoice_id=Subquery(invoices.order_by("pk").values("pk")[:1]))


def _quote_states(quotes):
    for quote in quotes:
        quote.state_words, quote.state_tone = quote_state(quote)
    return quotes


def _get_quote(request, pk: int, *perms: str, quotes=None) -> Quote:
    """A quote reached by id: 403 for a role that never uses the page, 404 for one this
    person may not see (another entrepreneur's)."""
    require_perm(request.user, *perms)
    quotes = Quote.objects if quotes is None else quotes
    return get_object_or_404(quotes.visible_to(request.user), pk=pk)


def _detail_url(quote: Quote) -> str:
    return reverse("coop:quote_detail", args=[quote.pk])


def _refusal(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


# --- the entrepreneur's page ------------------------------------------------------------


def _missions_to_bill(user):
    """The entrepreneur's missions with validated sessions of theirs not billed yet, and
    how many: the same rule as coop.billing.billable_sessions, counted per mission."""
    billable = (
        billing.billable_sessions(OuterRef("pk"))
        .filter(entrepreneur__user=user)
        .order_by()
        .values("mission")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Mission.objects.filter(entrepreneurs__user=user)
        .annotate(to_bill=Coalesce(Subquery(billable, output_field=IntegerField()), 0))
        .filter(to_bill__gt=0)
        .select_related("client")
        .order_by("starts_on", "pk")
    )


@login_required
@require_GET
def my_invoicing(request):
    """An entrepreneur's quotes and invoices, each with its state in words and the next
    thing to do; the missions with sessions to bill."""
    require_perm(request.user, "coop.draft_own_invoices")
    member = own_member(request.user)
    quotes = _with_invoice(
        Quote.objects.visible_to(request.user).select_related("client").order_by("-created_at")
    )
    invoices = (
        Invoice.objects.visible_to(request.user)
        .with_paid()
        .select_related("client", "credited_invoice")
        .order_by("-created_at", "-pk")
    )
    quote_page = Paginator(quotes.order_by("-created_at", "-pk"), MY_PER_PAGE).get_page(
        request.GET.get("devis")
    )
    invoice_page = Paginator(invoices, MY_PER_PAGE).get_page(request.GET.get("factures"))
    _quote_states(quote_page.object_list)
    with_states(invoice_page.object_list)
    return render(
        request,
        "coop/quotes/my_invoicing.html",
        {
            "member": member,
            "to_bill": list(_missions_to_bill(request.user)[:MY_MISSIONS_SHOWN]),
            "quote_page": quote_page,
            "invoice_page": invoice_page,
        },
    )


# --- the staff's list -------------------------------------------------------------------


@login_required
@require_GET
def quote_list(request):
    require_perm(request.user, "coop.view_invoicing")
    filterset = QuoteFilter(request.GET, user=request.user)
    quotes = filterset.qs if filterset.is_valid() else Quote.objects.none()
    page = Paginator(_with_invoice(quotes), QUOTES_PER_PAGE).get_page(request.GET.get("page"))
    _quote_states(page.object_list)
    sums = quotes.order_by().aggregate(
        total_net=Coalesce(Sum("net"), ZERO, output_field=DecimalField()),
        total_gross=Coalesce(Sum("gross"), ZERO, output_field=DecimalField()),
    )
    totals = {"net": sums["total_net"], "gross": sums["total_gross"]}
    return render(
        request,
        "coop/quotes/list.html",
        {
            "form": filterset.form,
            "filters_valid": filterset.is_valid(),
            **folded_filters(filterset, request.GET, shown={"entrepreneur", "client", "status"}),
            "page": page,
            "totals": totals,
            "can_draft": request.user.has_perm("coop.draft_invoices"),
        },
    )


# --- starting a quote -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def quote_create(request):
    """A quote from scratch: the client and its object; lines are added next."""
    require_perm(request.user, "coop.draft_invoices")
    member = own_member(request.user)
    if request.user.role == Role.ENTREPRENEUR and member is None:
        raise Http404
    form = DocumentStartForm(data=request.POST or None, user=request.user)
    if form.is_valid():
        try:
            quote = billing.quote_create(
                actor=request.user, **form.service_arguments(own_member=member)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Le devis est commencé : ajoutez ce que vous vendez."))
            return redirect("coop:quote_line_add", pk=quote.pk)
    missions = []
    if member is not None:
        missions = list(
            Mission.objects.filter(entrepreneurs=member, status__in=QUOTABLE)
            .select_related("client")
            .order_by("-starts_on", "-pk")[:MY_MISSIONS_SHOWN]
        )
    return render(
        request,
        "coop/quotes/start.html",
        {
            "form": form,
            "missions": missions,
            "title": _("Nouveau devis"),
            "submit": _("Commencer le devis"),
            "kind": "quote",
            "back_url": reverse("coop:my_invoicing" if member else "coop:quote_list"),
            "back_label": _("Retour à mes devis et factures") if member else _("Retour aux devis"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def quote_from_mission(request, pk: int):
    """A quote for a mission: a line per validated session not billed yet, or the agreed
    price when nothing was delivered yet. A coordinator says for whom when several
    people share the mission."""
    mission, member = mission_for_drafting(request, pk)
    form = None
    if member is None:
        # Bound on every POST: a form of radio buttons can come back empty.
        data = request.POST if request.method == "POST" else None
        form = MissionEntrepreneurForm(data=data, mission=mission)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            quote = billing.quote_from_mission(
                actor=request.user,
                mission=mission,
                entrepreneur=member or form.cleaned_data["entrepreneur"],
            )
        except ValidationError as error:
            if form is None:
                _refusal(request, error)
            else:
                apply_validation_error(form, error)
        else:
            messages.success(
                request, _("Le devis est prêt : vérifiez ses lignes, puis envoyez-le au client.")
            )
            return redirect(_detail_url(quote))
    sessions = billing.billable_sessions(mission)
    if member is not None:
        sessions = sessions.filter(entrepreneur=member)
    return render(
        request,
        "coop/quotes/from_mission.html",
        {"form": form, "mission": mission, "session_count": sessions.count()},
    )


# --- one quote --------------------------------------------------------------------------


def _quote_flags(user, quote: Quote) -> dict:
    writer = user.has_perm("coop.draft_invoices")
    return {
        "own_only": not user.has_perm("coop.view_invoicing"),
        "can_edit": writer and quote.is_editable,
        "can_send": writer and quote.is_editable,
        "can_answer": writer and quote.status == QuoteStatus.SENT,
        "can_invoice": writer and quote.status == QuoteStatus.ACCEPTED and not quote.invoice_id,
    }


@login_required
@require_GET
def quote_detail(request, pk: int):
    quote = _get_quote(
        request,
        pk,
        *READ_PERMS,
        quotes=_with_invoice(Quote.objects.select_related("entrepreneur", "client", "mission")),
    )
    quote.state_words, quote.state_tone = quote_state(quote)
    lines = list(quote.lines.all())
    return render(
        request,
        "coop/quotes/detail.html",
        {
            "quote": quote,
            "lines": lines,
            "has_zero_rate": any(line.vat_rate == "0.00" for line in lines),
            **_quote_flags(request.user, quote),
        },
    )


def _editable_or_back(request, quote: Quote):
    """None when the quote may still change, else the redirect with the reason."""
    if quote.is_editable:
        return None
    messages.error(request, _("Ce devis a reçu une réponse : il ne change plus."))
    return redirect(_detail_url(quote))


@login_required
@require_http_methods(["GET", "POST"])
def quote_edit(request, pk: int):
    quote = _get_quote(request, pk, "coop.draft_invoices")
    if back := _editable_or_back(request, quote):
        return back
    form = QuoteForm(data=request.POST or None, quote=quote)
    if form.is_valid():
        try:
            billing.quote_update(actor=request.user, quote=quote, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("C'est enregistré."))
            return redirect(_detail_url(quote))
    return render(request, "coop/quotes/edit.html", {"form": form, "quote": quote})


def _line_page(request, quote: Quote, form: LineForm, *, line=None):
    return render(
        request,
        "coop/quotes/line_form.html",
        {
            "form": form,
            "document": quote,
            "line": line,
            "back_url": _detail_url(quote),
            "back_label": _("Retour au devis"),
            "title": _("Modifier la ligne") if line else _("Ajouter une ligne"),
            "submit": _("Enregistrer la ligne") if line else _("Ajouter la ligne"),
        },
    )


def _get_line(quote: Quote, line_pk: int) -> QuoteLine:
    return get_object_or_404(quote.lines.all(), pk=line_pk)


@login_required
@require_http_methods(["GET", "POST"])
def quote_line_add(request, pk: int):
    quote = _get_quote(request, pk, "coop.draft_invoices")
    if back := _editable_or_back(request, quote):
        return back
    form = LineForm(data=request.POST or None, document=quote)
    if form.is_valid():
        try:
            save_line(
                form=form,
                write=lambda line: billing.quote_line_add(
                    actor=request.user, quote=quote, line=line
                ),
                update_document=lambda **fields: billing.quote_update(
                    actor=request.user, quote=quote, **fields
                ),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La ligne est ajoutée."))
            if "encore" in request.POST:
                return redirect("coop:quote_line_add", pk=quote.pk)
            return redirect(_detail_url(quote))
    return _line_page(request, quote, form)


@login_required
@require_http_methods(["GET", "POST"])
def quote_line_edit(request, pk: int, line_pk: int):
    quote = _get_quote(request, pk, "coop.draft_invoices")
    line = _get_line(quote, line_pk)
    if back := _editable_or_back(request, quote):
        return back
    form = LineForm(data=request.POST or None, document=quote, line=line)
    if form.is_valid():
        try:
            save_line(
                form=form,
                write=lambda data: billing.quote_line_update(
                    actor=request.user, line=line, data=data
                ),
                update_document=lambda **fields: billing.quote_update(
                    actor=request.user, quote=quote, **fields
                ),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La ligne est enregistrée."))
            return redirect(_detail_url(quote))
    return _line_page(request, quote, form, line=line)


@login_required
@require_POST
def quote_line_remove(request, pk: int, line_pk: int):
    quote = _get_quote(request, pk, "coop.draft_invoices")
    line = _get_line(quote, line_pk)
    try:
        billing.quote_line_remove(actor=request.user, line=line)
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, _("La ligne est supprimée."))
    return redirect(_detail_url(quote))


@login_required
@require_GET
def quote_pdf(request, pk: int):
    """The quote as the client receives it (marked as a draft until it has a number)."""
    quote = _get_quote(request, pk, *READ_PERMS)
    name = f"devis-{quote.number}.pdf" if quote.number else f"devis-brouillon-{quote.pk}.pdf"
    return pdf_response(documents.render_quote_pdf(quote), name, attachment=False)


@login_required
@require_http_methods(["GET", "POST"])
def quote_send(request, pk: int):
    """E-mail the quote as a PDF to addresses prefilled from the client and its contacts."""
    quote = _get_quote(
        request, pk, "coop.draft_invoices", quotes=Quote.objects.select_related("client")
    )
    if back := _editable_or_back(request, quote):
        return back
    form = QuoteSendForm(
        data=request.POST or None, initial={"to": "\n".join(recipients_for(quote.client))}
    )
    if form.is_valid():
        try:
            quote = billing.quote_send(actor=request.user, quote=quote, to=form.cleaned_data["to"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Le devis %(number)s est envoyé à %(to)s.")
                % {"number": quote.number, "to": ", ".join(form.cleaned_data["to"])},
            )
            return redirect(_detail_url(quote))
    return render(
        request,
        "coop/quotes/send.html",
        {"form": form, "quote": quote, "contacts": list(quote.client.contacts.all())},
    )


@login_required
@require_POST
def quote_answer(request, pk: int):
    quote = _get_quote(request, pk, "coop.draft_invoices")
    form = QuoteAnswerForm(data=request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez « accepté » ou « refusé »."))
        return redirect(_detail_url(quote))
    try:
        billing.quote_answer(actor=request.user, quote=quote, accepted=form.accepted)
    except ValidationError as error:
        _refusal(request, error)
    else:
        if form.accepted:
            messages.success(
                request, _("Bravo ! Le devis est accepté. Vous pouvez faire la facture.")
            )
        else:
            messages.success(request, _("C'est noté : le client a refusé ce devis."))
    return redirect(_detail_url(quote))


@login_required
@require_POST
def quote_to_invoice(request, pk: int):
    quote = _get_quote(request, pk, "coop.draft_invoices")
    try:
        invoice = billing.invoice_from_quote(actor=request.user, quote=quote)
    except ValidationError as error:
        _refusal(request, error)
        return redirect(_detail_url(quote))
    messages.success(
        request,
        _(
            "La facture est prête en brouillon. Ajoutez la date de la prestation, puis "
            "demandez son émission."
        ),
    )
    return redirect("coop:invoice_detail", pk=invoice.pk)


urlpatterns = [
    path("mes-devis-et-factures/", my_invoicing, name="my_invoicing"),
    path("devis/", quote_list, name="quote_list"),
    path("devis/nouveau/", quote_create, name="quote_create"),
    path("devis/<int:pk>/", quote_detail, name="quote_detail"),
    path("devis/<int:pk>/modifier/", quote_edit, name="quote_edit"),
    path("devis/<int:pk>/lignes/ajouter/", quote_line_add, name="quote_line_add"),
    path("devis/<int:pk>/lignes/<int:line_pk>/modifier/", quote_line_edit, name="quote_line_edit"),
    path(
        "devis/<int:pk>/lignes/<int:line_pk>/supprimer/",
        quote_line_remove,
        name="quote_line_remove",
    ),
    path("devis/<int:pk>/apercu.pdf", quote_pdf, name="quote_pdf"),
    path("devis/<int:pk>/envoyer/", quote_send, name="quote_send"),
    path("devis/<int:pk>/reponse/", quote_answer, name="quote_answer"),
    path("devis/<int:pk>/facturer/", quote_to_invoice, name="quote_to_invoice"),
    path("missions/<int:pk>/devis/", quote_from_mission, name="quote_from_mission"),
]
