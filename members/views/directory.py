"""Finding people and following them: the member list, its CSV export and the
coordinators' dashboard."""

import csv
from collections.abc import Iterable, Iterator

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from members import dashboard
from members.enums import Activity, Stage
from members.filters import MemberFilter, contract_abbreviation
from members.models import Member
from members.views.common import folded_filters, require_perm

MEMBERS_PER_PAGE = 50
# Rows fetched from the database at a time by the export.
EXPORT_CHUNK_SIZE = 2000
# A cell starting with one of these is a formula for a spreadsheet: it is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _filtered_members(request) -> tuple[MemberFilter, QuerySet[Member]]:
    """The filters as typed, and the members they select (none while a filter is wrong,
    so that a typo never widens the list or the export)."""
    filterset = MemberFilter(request.GET, user=request.user)
    members = filterset.qs if filterset.is_valid() else Member.objects.none()
    return filterset, members


@login_required
@require_GET
def member_list(request):
    require_perm(request.user, "members.view_members")
    filterset, members = _filtered_members(request)
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    for member in page:
        member.open_contract_label = contract_abbreviation(member.open_contract_kind)
    return render(
        request,
        "members/directory/member_list.html",
        {
            "form": filterset.form,
            "filters_valid": filterset.is_valid(),
            # The extra filters stay folded (the list comes first) unless one is wrong.
            **folded_filters(filterset, request.GET, shown={"q"}),
            "page": page,
            "can_register": request.user.has_perm("members.manage_members"),
        },
    )


class _Echo:
    """A file-like object that hands back what is written, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _french_date(day) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _csv_lines(header: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    # The byte order mark tells Excel (in French) that the file is UTF-8.
    yield "\ufeff" + writer.writerow([_cell(title) for title in header])
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])


@login_required
@require_GET
def member_export(request):
    """The member list as a CSV file, with the list's filters, all pages. Never any
    health data: the columns are the list's."""
    require_perm(request.user, "members.view_members")
    filterset, members = _filtered_members(request)
    if not filterset.is_valid():
        # The list shows what is wrong with the filters.
        return redirect(reverse("members:member_list") + "?" + request.GET.urlencode())
    # Labels are translated now, while the request's language is active.
    stages = {value: str(label) for value, label in Stage.choices}
    activities = {value: str(label) for value, label in Activity.choices}
    header = [
        _("Nom"),
        _("Prénom"),
        _("Étape"),
        _("À cette étape depuis le"),
        _("Métier"),
        _("Chargé·e d'accompagnement"),
        _("Contrat en cours"),
        _("Fin prévue du contrat"),
    ]
    rows = (
        [
            member.last_name,
            member.first_name,
            stages.get(member.stage, member.stage),
            _french_date(member.stage_since),
            activities.get(member.activity, member.activity),
            member.coordinator.get_full_name() or member.coordinator.email,
            contract_abbreviation(member.open_contract_kind),
            _french_date(member.open_contract_end),
        ]
        for member in members.iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    response = StreamingHttpResponse(
        _csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    filename = f"membres-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def member_dashboard(request):
    require_perm(request.user, "members.view_dashboard")
    mine = request.GET.get("mine") == "1"
    today = timezone.localdate()
    return render(
        request,
        "members/directory/dashboard.html",
        {
            "mine": mine,
            "today": today,
            "stage_counts": dashboard.members_by_stage(request.user),
            "deadlines": dashboard.upcoming_deadlines(request.user, today=today, mine=mine),
            "appointments": dashboard.appointments_this_week(request.user, today=today, mine=mine),
            "week": dashboard.week_of(today),
            "cape_warning_days": dashboard.CAPE_WARNING_DAYS,
            "cesa_warning_days": dashboard.CESA_WARNING_DAYS,
        },
    )


urlpatterns = [
    path("membres/", member_list, name="member_list"),
    path("membres/export.csv", member_export, name="member_export"),
    path("tableau-de-bord/", member_dashboard, name="dashboard"),
]
