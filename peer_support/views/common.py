"""What every peer-support view shares: reaching a follow-up the user may see, writing
the access log of a page that shows one, and refusing plainly."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from peer_support import perms, services
from peer_support.enums import AccessAction
from peer_support.models import FollowUp


def private(view):
    """Health data: the page is kept by no cache, the browser's included (a phone
    lent, a shared computer). Only on pages that show it, not on the forms that
    collect it: a form sent on a dropped network must come back with what was typed."""
    return cache_control(private=True, no_store=True)(view)


def visible_followup(request, pk: int, queryset=None) -> FollowUp:
    """The follow-up, if this user may see it; to anyone else the id is unknown (404)."""
    queryset = FollowUp.objects if queryset is None else queryset
    return get_object_or_404(queryset.visible_to(request.user), pk=pk)


def log_read(request, followup: FollowUp, record=None) -> None:
    """The page shows the person (their name, a note): written to the access log."""
    if record is None:
        services.followup_read(actor=request.user, followup=followup)
    else:
        services.access_log_write(
            actor=request.user, action=AccessAction.VIEW, followup=followup, record=record
        )


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def closed_or_refused(request, followup: FollowUp):
    """For the pages of work with the person (meeting, goal, referral): a redirection
    with a plain message when the follow-up is over; a refusal for anyone else."""
    if perms.follows(request.user, followup) and not followup.is_open:
        messages.info(
            request,
            _("Ce suivi est terminé : on n'y note plus de rencontre, d'objectif ni d'orientation."),
        )
        return redirect("peer_support:followup_detail", followup.pk)
    raise PermissionDenied


def duration_label(minutes: int) -> str:
    """45 → "45 min", 60 → "1 h", 90 → "1 h 30"."""
    hours, rest = divmod(minutes or 0, 60)
    if not hours:
        return _("%(minutes)s min") % {"minutes": rest}
    if not rest:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(hours)s h %(minutes)02d") % {"hours": hours, "minutes": rest}
