"""Pseudonymised extracts. A researcher's pages: "Mes demandes d'extraction", the
request form, a request's page with its single download. A coordinator's pages: the
requests to decide and the decision. No page shows anybody the extract holds: only
what was asked, the k-anonymity check in figures, and the columns of the file."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coop.models import Programme
from members.views.common import apply_validation_error, require_perm
from research import extracts
from research.enums import ExtractStatus
from research.forms_extracts import ExtractDecisionForm, ExtractFilterForm, ExtractRequestForm
from research.models import ExtractRequest
from research.services import extracts as services

PER_PAGE = 25
NO_LONGER_ANONYMOUS = gettext_lazy(
    "L'extraction n'est plus anonyme avec les données d'aujourd'hui : elle est refusée."
)
TEMPLATES = "research/extracts/"


def _visible(request, pk: int) -> ExtractRequest:
    return get_object_or_404(
        ExtractRequest.objects.visible_to(request.user).select_related(
            "programme", "requested_by", "decided_by"
        ),
        pk=pk,
    )


def _columns(extract: ExtractRequest) -> list[tuple[str, str]]:
    """The file's columns and what each holds (the codebook)."""
    return extracts.headers(extracts.dataset(extract.dataset), extracts.Generalisation.of(extract))


def _again_initial(request) -> dict:
    """The form filled from an earlier request of the researcher's (`?depuis=<id>`),
    one step coarser where the check advised it."""
    pk = request.GET.get("depuis", "")
    if not pk.isdigit():
        return {}
    earlier = ExtractRequest.objects.visible_to(request.user).filter(pk=pk).first()
    if earlier is None:
        return {}
    initial = {
        "programme": earlier.programme_id,
        "dataset": earlier.dataset,
        "period_start": earlier.period_start,
        "period_end": earlier.period_end,
        "purpose": earlier.purpose,
        "territory": earlier.territory,
        "dates": earlier.dates,
        "ages": earlier.ages,
        "include_gender": earlier.include_gender,
    }
    result = extracts.AnonymityCheck.from_dict(earlier.anonymity_check)
    best = result.best if result and not result.ok else None
    if best is not None:
        if best.qi == extracts.GENDER:
            initial["include_gender"] = False
        else:
            initial[best.qi] = best.value
    return initial


# --- the researcher's pages ----------------------------------------------------------------


@login_required
@require_GET
def extract_list(request):
    require_perm(request.user, "research.request_extracts")
    requests = ExtractRequest.objects.visible_to(request.user).select_related("programme")
    page = Paginator(requests, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, TEMPLATES + "list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def extract_create(request):
    require_perm(request.user, "research.request_extracts")
    programmes = Programme.objects.visible_to(request.user).order_by("name")
    form = ExtractRequestForm(
        data=request.POST or None,
        initial=_again_initial(request) if request.method == "GET" else None,
        programmes=programmes,
    )
    if form.is_valid():
        try:
            extract = services.extract_request(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if extract.status == ExtractStatus.REFUSED:
                messages.warning(
                    request,
                    _(
                        "L'extraction ne serait pas anonyme : elle est refusée. Voyez ci-dessous "
                        "ce qu'il faut élargir."
                    ),
                )
            else:
                messages.success(
                    request,
                    _("Votre demande est enregistrée : un·e chargé·e d'accompagnement va la lire."),
                )
            return redirect("research:extract_detail", pk=extract.pk)
    return render(
        request,
        TEMPLATES + "form.html",
        {"form": form, "has_programmes": programmes.exists()},
    )


@login_required
@require_GET
def extract_detail(request, pk: int):
    require_perm(request.user, "research.request_extracts", "research.approve_extracts")
    extract = _visible(request, pk)
    return render(
        request,
        TEMPLATES + "detail.html",
        {
            "extract": extract,
            "check": extracts.AnonymityCheck.from_dict(extract.anonymity_check),
            "columns": _columns(extract),
            "is_requester": extract.requested_by_id == request.user.pk,
            "can_decide": request.user.has_perm("research.approve_extracts")
            and extract.status == ExtractStatus.REQUESTED,
        },
    )


@login_required
@require_POST
def extract_download(request, pk: int):
    """The file, once; afterwards a page that says it was downloaded (no file)."""
    require_perm(request.user, "research.request_extracts")
    extract = _visible(request, pk)
    try:
        content = services.extract_download(actor=request.user, extract=extract)
    except services.ExtractUnavailable:
        extract.refresh_from_db()
        return render(request, TEMPLATES + "gone.html", {"extract": extract}, status=410)
    if content is None:
        extract.refresh_from_db()
        messages.error(
            request,
            NO_LONGER_ANONYMOUS,
        )
        return redirect("research:extract_detail", pk=extract.pk)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{services.extract_filename(extract)}"'
    response["Cache-Control"] = "no-store"
    return response


# --- the coordinator's pages ---------------------------------------------------------------


@login_required
@require_GET
def extract_review_list(request):
    require_perm(request.user, "research.approve_extracts")
    form = ExtractFilterForm(request.GET or {"status": ExtractStatus.REQUESTED})
    requests = ExtractRequest.objects.visible_to(request.user).select_related(
        "programme", "requested_by"
    )
    requests = form.filter(requests) if form.is_valid() else requests.none()
    page = Paginator(requests, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, TEMPLATES + "review_list.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def extract_decide(request, pk: int):
    require_perm(request.user, "research.approve_extracts")
    extract = _visible(request, pk)
    if extract.status != ExtractStatus.REQUESTED:
        messages.info(request, _("Cette demande a déjà été tranchée."))
        return redirect("research:extract_detail", pk=extract.pk)
    form = ExtractDecisionForm(data=request.POST or None)
    if form.is_valid():
        try:
            extract = services.extract_decide(
                actor=request.user,
                extract=extract,
                approve=form.approves,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if extract.status == ExtractStatus.APPROVED:
                messages.success(
                    request, _("L'extraction est approuvée : elle peut être téléchargée une fois.")
                )
            elif extract.refused_automatically:
                messages.warning(
                    request,
                    NO_LONGER_ANONYMOUS,
                )
            else:
                messages.success(request, _("La demande est refusée."))
            return redirect("research:extract_review_list")
    # The check as of now, so that the decision is taken on today's data.
    check = extracts.check(extract)
    return render(
        request,
        TEMPLATES + "decide.html",
        {"extract": extract, "form": form, "check": check, "columns": _columns(extract)},
    )


urlpatterns = [
    path("recherche/extractions/", extract_list, name="extract_list"),
    path("recherche/extractions/nouvelle/", extract_create, name="extract_create"),
    path("recherche/extractions/<int:pk>/", extract_detail, name="extract_detail"),
    path("recherche/extractions/<int:pk>/telecharger/", extract_download, name="extract_download"),
    path("recherche/extractions/a-decider/", extract_review_list, name="extract_review_list"),
    path("recherche/extractions/<int:pk>/decision/", extract_decide, name="extract_decide"),
]
