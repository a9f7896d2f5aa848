"""The coordinators' side of the monthly cycle: every report of every programme, with
its versions; run one for a month, a year or a chosen period (in the worker, with its
progress shown), re-run it (a new version, the old one kept), preview it, send it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coop.models import Programme
from members.views.common import require_perm
from research.enums import SnapshotStatus
from research.exports import snapshot_csv
from research.forms_reports import ReportRequestForm
from research.models import Snapshot
from research.services import snapshots
from research.tasks_reports import enqueue, snapshot_make

REPORTS_PER_PAGE = 30


def _snapshot(request, pk: int) -> Snapshot:
    require_perm(request.user, "research.view_reports")
    return get_object_or_404(
        Snapshot.objects.visible_to(request.user).select_related("programme", "requested_by"),
        pk=pk,
    )


def _start_build(request, snapshot: Snapshot) -> None:
    if enqueue(snapshot_make, snapshot.pk):
        messages.success(request, _("Le calcul est lancé : suivez son avancement ici."))
    else:
        messages.warning(
            request,
            _(
                "Le service de calcul est indisponible pour le moment : le rapport sera "
                "calculé dès son retour (vérification chaque matin), ou relancez-le ici."
            ),
        )


@login_required
@require_GET
def report_list(request):
    require_perm(request.user, "research.view_reports")
    visible = Snapshot.objects.visible_to(request.user)
    programme_id = request.GET.get("programme")
    programmes = Programme.objects.visible_to(request.user).order_by("name")
    reports = (
        visible.current()
        .select_related("programme")
        .order_by("-period_end", "programme__name", "-period_start")
    )
    if programme_id and programme_id.isdigit():
        reports = reports.filter(programme_id=programme_id)
    reports = reports.annotate(
        has_old_versions=Exists(
            visible.filter(
                programme=OuterRef("programme"),
                period_start=OuterRef("period_start"),
                period_end=OuterRef("period_end"),
                is_current=False,
            )
        )
    )
    page = Paginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    can_run = request.user.has_perm("research.run_reports")
    return render(
        request,
        "research/reports/report_list.html",
        {
            "page": page,
            "programmes": programmes,
            "programme_id": programme_id or "",
            "form": ReportRequestForm(user=request.user) if can_run else None,
            "can_run": can_run,
        },
    )


@login_required
@require_POST
def report_request(request):
    require_perm(request.user, "research.run_reports")
    form = ReportRequestForm(data=request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            snapshot = snapshots.snapshot_request(
                programme=data["programme"],
                start=data["start"],
                end=data["end"],
                actor=request.user,
            )
        except snapshots.SnapshotError as error:
            form.add_error(None, str(error))
        else:
            if snapshot.status == SnapshotStatus.BUILDING and snapshot.claimed_at is None:
                _start_build(request, snapshot)
            else:
                messages.info(
                    request,
                    _(
                        "Cette période a déjà son rapport : le voici. Pour recalculer les "
                        "chiffres, lancez une nouvelle version."
                    ),
                )
            return redirect("research:report_detail", snapshot.pk)
    return render(
        request,
        "research/reports/report_request.html",
        {"form": form},
        status=400,
    )


@login_required
@require_GET
def report_detail(request, pk: int):
    snapshot = _snapshot(request, pk)
    versions = (
        Snapshot.objects.visible_to(request.user)
        .for_period(snapshot.programme, snapshot.period_start, snapshot.period_end)
        .select_related("requested_by")
        .order_by("-version")
    )
    published = snapshot.status in (SnapshotStatus.READY, SnapshotStatus.SENT)
    return render(
        request,
        "research/reports/report_detail.html",
        {
            "snapshot": snapshot,
            "versions": versions,
            "figures": snapshots.key_figures(snapshot) if published else [],
            "period": snapshots.period_label(snapshot),
            "can_run": request.user.has_perm("research.run_reports"),
            "building": snapshot.status == SnapshotStatus.BUILDING,
            "published": published,
        },
    )


@login_required
@require_POST
def report_rerun(request, pk: int):
    snapshot = _snapshot(request, pk)
    require_perm(request.user, "research.run_reports")
    try:
        new = snapshots.snapshot_rerun(snapshot=snapshot, actor=request.user)
    except snapshots.SnapshotError as error:
        messages.error(request, str(error))
        return redirect("research:report_detail", snapshot.pk)
    _start_build(request, new)
    return redirect("research:report_detail", new.pk)


@login_required
@require_POST
def report_retry(request, pk: int):
    """Start again a build that waits (the broker was down when it was asked for)."""
    snapshot = _snapshot(request, pk)
    require_perm(request.user, "research.run_reports")
    if snapshot.status != SnapshotStatus.BUILDING:
        messages.info(request, _("Ce rapport n'attend pas de calcul."))
    else:
        _start_build(request, snapshot)
    return redirect("research:report_detail", snapshot.pk)


@login_required
@require_POST
def report_send(request, pk: int):
    snapshot = _snapshot(request, pk)
    require_perm(request.user, "research.run_reports")
    if snapshots.snapshot_send(snapshot_id=snapshot.pk):
        messages.success(
            request, _("Le rapport est envoyé aux financeurs et visible sur leur espace.")
        )
    else:
        messages.info(request, _("Ce rapport n'est pas prêt à l'envoi, ou il est déjà envoyé."))
    return redirect("research:report_detail", snapshot.pk)


def pdf_response(snapshot: Snapshot, *, inline: bool) -> HttpResponse:
    if snapshot.status not in (SnapshotStatus.READY, SnapshotStatus.SENT) or not snapshot.pdf:
        raise Http404
    with snapshot.pdf.open("rb") as pdf:
        response = HttpResponse(pdf.read(), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        not inline, snapshots.report_filename(snapshot)
    )
    return response


def csv_response(snapshot: Snapshot) -> HttpResponse:
    if snapshot.status not in (SnapshotStatus.READY, SnapshotStatus.SENT):
        raise Http404
    response = HttpResponse(snapshot_csv(snapshot), content_type="text/csv; charset=utf-8")
    filename = snapshots.report_filename(snapshot).removesuffix(".pdf") + ".csv"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def report_pdf(request, pk: int):
    """The PDF, shown in the browser (the preview before sending) or downloaded."""
    return pdf_response(_snapshot(request, pk), inline=request.GET.get("apercu") == "1")


@login_required
@require_GET
def report_csv(request, pk: int):
    return csv_response(_snapshot(request, pk))


urlpatterns = [
    path("rapports/", report_list, name="report_list"),
    path("rapports/demander/", report_request, name="report_request"),
    path("rapports/<int:pk>/", report_detail, name="report_detail"),
    path("rapports/<int:pk>/nouvelle-version/", report_rerun, name="report_rerun"),
    path("rapports/<int:pk>/relancer/", report_retry, name="report_retry"),
    path("rapports/<int:pk>/envoyer/", report_send, name="report_send"),
    path("rapports/<int:pk>/rapport.pdf", report_pdf, name="report_pdf"),
    path("rapports/<int:pk>/tableaux.csv", report_csv, name="report_csv"),
]
