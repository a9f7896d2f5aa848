"""The funders' portal: the reports and anonymous tables of their programmes, nothing
else. A report appears once it is sent (a re-run is previewed by coordinators first);
of several sent versions of a period, the latest."""

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_GET

from coop.models import Programme
from members.views.common import require_perm
from research.enums import SnapshotStatus
from research.models import Funder, Snapshot
from research.services import snapshots
from research.views.reports import csv_response, pdf_response


def released(user):
    """The reports a funder may read: sent, of their programmes, latest version of each
    period."""
    sent = Snapshot.objects.visible_to(user).filter(status=SnapshotStatus.SENT)
    newer = Snapshot.objects.filter(
        programme=OuterRef("programme"),
        period_start=OuterRef("period_start"),
        period_end=OuterRef("period_end"),
        status=SnapshotStatus.SENT,
        version__gt=OuterRef("version"),
    )
    return sent.exclude(Exists(newer))


def _released_snapshot(request, pk: int) -> Snapshot:
    require_perm(request.user, "research.use_portal")
    return get_object_or_404(released(request.user).select_related("programme"), pk=pk)


@login_required
@require_GET
def portal(request):
    require_perm(request.user, "research.use_portal")
    reports = released(request.user).order_by("-period_end", "-period_start")
    programmes = list(
        Programme.objects.visible_to(request.user)
        .order_by("name")
        .prefetch_related(
            Prefetch("funders", queryset=Funder.objects.order_by("name")),
            Prefetch("snapshots", queryset=reports, to_attr="released_reports"),
        )
    )
    for programme in programmes:
        latest = programme.released_reports[0] if programme.released_reports else None
        programme.latest_figures = snapshots.key_figures(latest) if latest else []
        programme.latest_report = latest
    return render(request, "research/portal/portal.html", {"programmes": programmes})


@login_required
@require_GET
def portal_programme(request, pk: int):
    """One programme's charts: its key figures month by month, as published in the
    reports released to the funder (hidden months stay gaps)."""
    from research import reports
    from research.publication import snapshot_tables

    require_perm(request.user, "research.use_portal")
    programme = get_object_or_404(Programme.objects.visible_to(request.user), pk=pk)
    latest = (
        released(request.user)
        .filter(programme=programme)
        .select_related("programme")
        .order_by("-period_end", "-period_start")
        .first()
    )
    charts, months = [], []
    if latest is not None:
        tables = snapshot_tables(latest)
        charts, months, _days = reports.evolution_charts(
            latest, latest.data.get("indicators", []), tables, latest.data.get("threshold", 11)
        )
    return render(
        request,
        "research/portal/programme.html",
        {
            "programme": programme,
            "latest": latest,
            "figures": snapshots.key_figures(latest) if latest else [],
            "charts": charts,
            "months": months,
        },
    )


@login_required
@require_GET
def portal_pdf(request, pk: int):
    return pdf_response(_released_snapshot(request, pk), inline=False)


@login_required
@require_GET
def portal_csv(request, pk: int):
    return csv_response(_released_snapshot(request, pk))


urlpatterns = [
    path("espace-financeur/", portal, name="portal"),
    path("espace-financeur/programmes/<int:pk>/", portal_programme, name="portal_programme"),
    path("espace-financeur/rapports/<int:pk>/rapport.pdf", portal_pdf, name="portal_pdf"),
    path("espace-financeur/rapports/<int:pk>/tableaux.csv", portal_csv, name="portal_csv"),
]
