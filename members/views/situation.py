"""The coordinators' page that records an entrepreneur's situation (main resource) at
entry, at the exit, 28 days and 6 months after it. The member page lists them; the
entrepreneur does not see them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from members.enums import SituationCheckpoint
from members.forms_situation import SituationForm
from members.models import MemberSituation
from members.services.situation import situation_opens_on, situation_record
from members.views.common import apply_validation_error
from members.views.member import _get_member


def _initial(situations: dict[str, MemberSituation], moment: str | None) -> dict:
    """The checkpoint asked for by the member page's link (`?moment=`); an answer already
    recorded for it is shown, to be rectified."""
    if moment not in SituationCheckpoint.values:
        return {}
    recorded = situations.get(moment)
    if recorded is None:
        return {"checkpoint": moment}
    return {
        "checkpoint": moment,
        "recorded_on": recorded.recorded_on,
        "resource": recorded.resource,
    }


@login_required
@require_http_methods(["GET", "POST"])
def situation_record_page(request, pk: int):
    member = _get_member(request, pk, "members.manage_members")
    situations = {s.checkpoint: s for s in member.situations.select_related("recorded_by")}
    form = SituationForm(
        data=request.POST or None, initial=_initial(situations, request.GET.get("moment"))
    )
    if form.is_valid():
        try:
            situation = situation_record(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            message = (
                _("La situation « %(checkpoint)s » est rectifiée.")
                if situation.rectified_at
                else _("La situation « %(checkpoint)s » est enregistrée.")
            )
            messages.success(request, message % {"checkpoint": situation.get_checkpoint_display()})
            return redirect("members:member_detail", pk=member.pk)
    checkpoints = [
        {
            "label": checkpoint.label,
            "opens_on": situation_opens_on(member, checkpoint),
            "recorded": situations.get(checkpoint.value),
        }
        for checkpoint in SituationCheckpoint
    ]
    return render(
        request,
        "members/situation_form.html",
        {"member": member, "form": form, "checkpoints": checkpoints},
    )


urlpatterns = [
    path("membres/<int:pk>/situation/", situation_record_page, name="situation_record"),
]
