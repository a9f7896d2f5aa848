"""For the coordinators and the accountants: the accounting journal of a period (FEC and
CSV files, written while they download) and the yearly tax-credit attestations of the
clients of home services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coop import accounting, tax_credit
from coop.forms_accounting import (
    FIRST_YEAR,
    FORMAT_FEC,
    AccountingExportForm,
    TaxCreditYearForm,
)
from coop.models import Client, CooperativeProfile
from members.views.common import require_perm

CLIENTS_PER_PAGE = 50


def _download(lines, *, content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def accounting_export(request):
    require_perm(request.user, "coop.export_accounting")
    today = timezone.localdate()
    form = AccountingExportForm(request.GET or None, today=today)
    profile = CooperativeProfile.current()
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        entries = accounting.journal_entries(
            start, end, include_salaries=form.cleaned_data["include_salaries"]
        )
        if form.cleaned_data["file_format"] != FORMAT_FEC:
            return _download(
                accounting.csv_lines(entries, accounting.csv_header()),
                content_type="text/csv; charset=utf-8",
                filename=f"ecritures-{start:%Y%m%d}-{end:%Y%m%d}.csv",
            )
        if profile is not None and profile.siren:
            return _download(
                accounting.fec_lines(entries),
                content_type="text/plain; charset=iso-8859-15",
                filename=accounting.fec_file_name(profile.siren, end),
            )
        form.add_error(
            None,
            _(
                "Le FEC porte le SIREN de la coopérative, et sa fiche n'est pas remplie : "
                "un·e administrateur·rice la remplit dans l'administration."
            ),
        )
    return render(
        request,
        "coop/accounting/export.html",
        {
            "form": form,
            "journals": accounting.JOURNALS,
            "scheme": _scheme(),
        },
    )


def _scheme() -> list[tuple[str, list]]:
    """The accounts each journal uses, shown on the page for the accountant."""
    return [
        (
            _("Ventes (VT)"),
            [accounting.CLIENTS, accounting.REVENUE, accounting.VAT_COLLECTED],
        ),
        (
            _("Banque (BQ)"),
            [accounting.BANK, accounting.CLIENTS, accounting.ENTREPRENEURS],
        ),
        (
            _("Opérations diverses (OD)"),
            [
                accounting.REVENUE,
                accounting.CONTRIBUTION,
                accounting.SALARIES,
                accounting.STAFF_PAY,
            ],
        ),
        (
            _("Achats (AC)"),
            [
                accounting.PURCHASES,
                accounting.TRAVEL,
                accounting.MISSIONS,
                accounting.SMALL_EQUIPMENT,
                accounting.SUNDRY,
                accounting.VAT_DEDUCTIBLE,
                accounting.SUPPLIERS,
                accounting.ENTREPRENEURS,
            ],
        ),
    ]


@login_required
@require_GET
def tax_credit_list(request):
    require_perm(request.user, "coop.export_accounting")
    today = timezone.localdate()
    profile = CooperativeProfile.current()
    declared = tax_credit.has_declaration(profile)
    form = TaxCreditYearForm(request.GET or None, today=today)
    valid = not form.is_bound or form.is_valid()
    year = form.chosen_year()
    clients = Client.objects.none()
    total = None
    if declared and valid:
        clients = tax_credit.clients_for_year(year, Client.objects.visible_to(request.user))
        total = clients.aggregate(total=Sum("paid"))["total"]
    page = Paginator(clients, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "coop/accounting/tax_credit_list.html",
        {
            "form": form,
            "declared": declared,
            "filters_valid": valid,
            "year": year,
            "page": page,
            "total": total,
            "no_declaration": _no_declaration_message(),
        },
    )


@login_required
@require_GET
def tax_credit_pdf(request, client_pk: int, year: int):
    require_perm(request.user, "coop.export_accounting")
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise Http404
    profile = CooperativeProfile.current()
    if not tax_credit.has_declaration(profile):
        messages.error(request, _no_declaration_message())
        return redirect("coop:tax_credit_list")
    client = get_object_or_404(
        tax_credit.clients_for_year(year, Client.objects.visible_to(request.user)), pk=client_pk
    )
    attestation = tax_credit.attestation_for(client, year, profile=profile)
    response = HttpResponse(
        tax_credit.render_attestation_pdf(attestation), content_type="application/pdf"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, tax_credit.attestation_file_name(client, year)
    )
    return response


def _no_declaration_message() -> str:
    return _(
        "La coopérative n'a pas de numéro de déclaration de services à la personne : "
        "elle ne peut pas délivrer d'attestation fiscale. Un·e administrateur·rice "
        "l'ajoute dans la fiche de la coopérative, si la coopérative est déclarée."
    )


urlpatterns = [
    path("comptabilite/export/", accounting_export, name="accounting_export"),
    path("comptabilite/credit-impot/", tax_credit_list, name="tax_credit_list"),
    path(
        "comptabilite/credit-impot/<int:year>/<int:client_pk>/attestation.pdf",
        tax_credit_pdf,
        name="tax_credit_pdf",
    ),
]
