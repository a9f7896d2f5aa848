"""The list of follow-ups (a peer mediator's caseload, or every follow-up for the lead)
and opening a new one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from members.perms import is_peer_support_lead
from members.views.common import apply_validation_error, folded_filters, require_perm
from peer_support import services
from peer_support.filters import CaseloadFilter, FollowUpFilter, open_first
from peer_support.forms import FollowUpOpenForm
from peer_support.models import FollowUp
from peer_support.views.common import private

FOLLOWUPS_PER_PAGE = 25


@login_required
@require_GET
@private
def followup_list(request):
    """A peer mediator's caseload (open first, a search in the names), or, for the lead,
    every follow-up, newest first, with filters. The names shown are written to the
    access log."""
    require_perm(request.user, "peer_support.view_followups")
    lead = is_peer_support_lead(request.user)
    filter_class = FollowUpFilter if lead else CaseloadFilter
    filterset = filter_class(request.GET, user=request.user)
    valid = filterset.is_valid()
    # A wrong filter never widens the list: none until it is corrected.
    followups = filterset.qs.for_list() if valid else FollowUp.objects.none()
    if not lead:
        # A caseload (a few dozen people) is sorted open first; the lead's list of every
        # follow-up stays newest first, on its index, and filters by state instead.
        followups = open_first(followups)
    page = Paginator(followups, FOLLOWUPS_PER_PAGE).get_page(request.GET.get("page"))
    services.followup_list_read(actor=request.user, followups=page.object_list)
    return render(
        request,
        "peer_support/followup_list.html",
        {
            "lead": lead,
            "form": filterset.form,
            "filters_valid": valid,
            "searching": any(request.GET.get(name) for name in filterset.filters),
            **(folded_filters(filterset, request.GET, shown={"number"}) if lead else {}),
            "page": page,
            "can_open": request.user.has_perm("peer_support.open_followup"),
            "can_see_log": request.user.has_perm("peer_support.view_access_log"),
            "can_see_counts": request.user.has_perm("peer_support.view_counts"),
            "can_see_workshops": request.user.has_perm("peer_support.view_workshops"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def followup_open(request):
    """A peer mediator opens the follow-up of a person they accompany, with the
    person's consent."""
    require_perm(request.user, "peer_support.open_followup")
    today = timezone.localdate()
    form = FollowUpOpenForm(
        data=request.POST or None, initial={"opened_on": today, "consent_given_on": today}
    )
    if form.is_valid():
        try:
            followup = services.followup_open(actor=request.user, **form.open_fields())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                # Never the name in a message: messages may travel in a cookie.
                _("Le suivi est ouvert. Vous pouvez noter une rencontre ou un objectif."),
            )
            return redirect("peer_support:followup_detail", followup.pk)
    return render(request, "peer_support/followup_open.html", {"form": form})


urlpatterns = [
    path("pair-aidance/", followup_list, name="followup_list"),
    path("pair-aidance/nouveau/", followup_open, name="followup_open"),
]
