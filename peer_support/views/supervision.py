"""Supervision: the access log (the peer-support lead alone reads it) and the anonymous
counts (coordinators and the lead: no name, no note, only numbers)."""

import datetime

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from members.views.common import folded_filters, require_perm
from peer_support.enums import GoalKind, GoalStatus, MeetingMode, Outcome
from peer_support.filters import DATE_WIDGET, AccessLogFilter, PeriodForm
from peer_support.models import AccessLog, FollowUp, Goal, Meeting, PeerWorkshop
from peer_support.views.common import private

LOG_ROWS_PER_PAGE = 50


def _record_label(record_type: str) -> str:
    """ "peer_support.meeting" → "rencontre"."""
    try:
        return str(apps.get_model(record_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return record_type


@login_required
@require_GET
@private
def access_log(request):
    """Who read or changed which follow-up, and when. Read only: nobody edits it. It
    names follow-ups by their number, never by the person's name."""
    require_perm(request.user, "peer_support.view_access_log")
    filterset = AccessLogFilter(request.GET, user=request.user)
    valid = filterset.is_valid()
    entries = filterset.qs if valid else AccessLog.objects.none()
    page = Paginator(entries, LOG_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    labels: dict[str, str] = {}
    for entry in page:
        if entry.record_type not in labels:
            labels[entry.record_type] = _record_label(entry.record_type)
        entry.record_label = labels[entry.record_type]
    return render(
        request,
        "peer_support/access_log.html",
        {
            "form": filterset.form,
            "filters_valid": valid,
            **folded_filters(filterset, request.GET, shown={"followup"}),
            "page": page,
        },
    )


class CountsForm(PeriodForm):
    start = forms.DateField(label=_("Du"), widget=DATE_WIDGET)
    end = forms.DateField(label=_("au"), widget=DATE_WIDGET)


def _rows(choices, figures: dict, empty) -> list[dict]:
    """One row per value of an enum, in its order, with zeros where nothing was counted."""
    return [{"label": label, **(figures.get(value) or empty)} for value, label in choices]


@login_required
@require_GET
def counts(request):
    """People accompanied, follow-ups opened and closed, meetings by mode, goals reached
    by kind, over a period: anonymous counts, grouped in the database."""
    require_perm(request.user, "peer_support.view_counts")
    today = timezone.localdate()
    default = {"start": datetime.date(today.year, 1, 1), "end": today}
    form = CountsForm(request.GET or default)
    context = {"form": form}
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        # Every follow-up counts, erased ones included (erasure keeps anonymous counts).
        followups = FollowUp.objects.all()
        reached = Goal.objects.filter(
            status=GoalStatus.REACHED, status_on__gte=start, status_on__lte=end
        ).reached_by_kind()
        outcomes = followups.closed_between(start, end).count_by("outcome")
        context |= {
            "start": start,
            "end": end,
            "people": followups.counts(start=start, end=end),
            "modes": _rows(
                MeetingMode.choices,
                Meeting.objects.between(start, end).count_by_mode(),
                {"meetings": 0, "people": 0},
            ),
            "goals": _rows(GoalKind.choices, reached, {"goals": 0, "people": 0}),
            "outcomes": [
                {"label": label, "people": outcomes.get(value, 0)}
                for value, label in Outcome.choices
            ],
            "workshops": PeerWorkshop.objects.between(start, end).count(),
        }
    return render(request, "peer_support/counts.html", context)


urlpatterns = [
    path("pair-aidance/journal/", access_log, name="access_log"),
    path("pair-aidance/chiffres/", counts, name="counts"),
]
