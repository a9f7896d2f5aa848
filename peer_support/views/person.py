"""The person's page and what changes the follow-up itself: rectifying the record,
closing it, the situations 28 days and 6 months after, co-mediators and the transfer
to another main mediator."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members.models import Member
from members.views.common import apply_validation_error
from peer_support import perms, services
from peer_support.enums import Checkpoint, ConsentScope
from peer_support.forms import (
    CloseForm,
    ComediatorForm,
    FollowUpForm,
    SituationForm,
    TransferForm,
)
from peer_support.models import FollowUp
from peer_support.views.common import (
    duration_label,
    log_read,
    private,
    require,
    visible_followup,
)

# The later situations, as their URL says them.
CHECKPOINT_SLUGS = {"28-jours": Checkpoint.DAY_28, "6-mois": Checkpoint.MONTH_6}
SLUG_OF = {checkpoint: slug for slug, checkpoint in CHECKPOINT_SLUGS.items()}


def _later_situations(followup: FollowUp) -> list[dict]:
    """The situations 28 days and 6 months after closing: recorded, or from when."""
    if followup.closed_on is None:
        return []
    today = timezone.localdate()
    rows = []
    for checkpoint in (Checkpoint.DAY_28, Checkpoint.MONTH_6):
        opens_on = followup.later_situation_opens_on(checkpoint)
        rows.append(
            {
                "checkpoint": checkpoint,
                "slug": SLUG_OF[checkpoint],
                "situation": followup.situation(checkpoint),
                "opens_on": opens_on,
                "due": opens_on <= today,
            }
        )
    return rows


@login_required
@require_GET
@private
def followup_detail(request, pk: int):
    """Everything about the person, in a constant number of queries; the read is
    written to the access log."""
    followup = visible_followup(request, pk, FollowUp.objects.for_page())
    log_read(request, followup)
    user = request.user
    meetings = list(followup.meetings.all())
    for meeting in meetings:
        meeting.duration_label = duration_label(meeting.duration_minutes)
    goals = list(followup.goals.all())
    return render(
        request,
        "peer_support/followup_detail.html",
        {
            "followup": followup,
            "entry": followup.situation(Checkpoint.ENTRY),
            "later_situations": _later_situations(followup),
            "processing_consent": followup.consent(ConsentScope.PROCESSING),
            "research_consent": followup.consent(ConsentScope.RESEARCH),
            "consents": list(followup.consents.all()),
            "open_goals": [goal for goal in goals if goal.is_open],
            "other_goals": [goal for goal in goals if not goal.is_open],
            "meetings": meetings,
            "referrals": list(followup.referrals.all()),
            "attendances": list(followup.workshop_attendances.all()),
            "comediations": list(followup.comediations.all()),
            "can_work": perms.can_work_on(user, followup),
            "can_rectify": perms.can_rectify(user, followup),
            "can_close": perms.can_close(user, followup),
            "can_manage_comediators": perms.can_manage_comediators(user, followup),
            "can_transfer": perms.can_transfer(user, followup),
            "can_export": perms.can_export(user, followup),
            "is_main_mediator": perms.is_main_mediator(user, followup),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def followup_edit(request, pk: int):
    """Rectify the record (the person's right, or a typing mistake)."""
    followup = visible_followup(request, pk, FollowUp.objects.for_page())
    require(perms.can_rectify(request.user, followup))
    form = FollowUpForm(
        data=request.POST or None,
        initial=FollowUpForm.initial_for(followup),
        programme_id=followup.programme_id,
    )
    if form.is_valid():
        try:
            services.followup_update(actor=request.user, followup=followup, **form.record_fields())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La fiche est corrigée."))
            return redirect("peer_support:followup_detail", followup.pk)
    log_read(request, followup)
    return render(request, "peer_support/followup_edit.html", {"followup": followup, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def followup_close(request, pk: int):
    followup = visible_followup(request, pk)
    if followup.is_erased or not followup.is_open:
        messages.info(request, _("Ce suivi est déjà terminé."))
        return redirect("peer_support:followup_detail", followup.pk)
    require(perms.can_close(request.user, followup))
    form = CloseForm(data=request.POST or None, initial={"closed_on": timezone.localdate()})
    if form.is_valid():
        try:
            services.followup_close(actor=request.user, followup=followup, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Le suivi est terminé. Pensez à prendre des nouvelles dans 28 jours "
                    "et dans 6 mois : la page de la personne vous le rappellera."
                ),
            )
            return redirect("peer_support:followup_detail", followup.pk)
    log_read(request, followup)
    return render(request, "peer_support/followup_close.html", {"followup": followup, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def situation_record(request, pk: int, checkpoint: str):
    """The person's situation 28 days or 6 months after closing (recorded again, it is
    rectified)."""
    if checkpoint not in CHECKPOINT_SLUGS:
        raise Http404
    checkpoint = CHECKPOINT_SLUGS[checkpoint]
    followup = visible_followup(request, pk, FollowUp.objects.prefetch_related("situations"))
    require(perms.can_rectify(request.user, followup))
    if followup.closed_on is None:
        messages.info(request, _("La situation d'après se note une fois le suivi terminé."))
        return redirect("peer_support:followup_detail", followup.pk)
    existing = followup.situation(checkpoint)
    initial = {"recorded_on": timezone.localdate()}
    if existing is not None:
        initial = {
            "recorded_on": existing.recorded_on,
            "housing": existing.housing,
            "resource": existing.resource,
            "care_follow_up": existing.care_follow_up,
        }
    form = SituationForm(data=request.POST or None, initial=initial)
    if form.is_valid():
        try:
            services.followup_record_later_situation(
                actor=request.user, followup=followup, checkpoint=checkpoint, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La situation est notée. Merci !"))
            return redirect("peer_support:followup_detail", followup.pk)
    log_read(request, followup)
    return render(
        request,
        "peer_support/situation_form.html",
        {
            "followup": followup,
            "form": form,
            "checkpoint": checkpoint,
            "existing": existing,
            "opens_on": followup.later_situation_opens_on(checkpoint),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def comediator_add(request, pk: int):
    followup = visible_followup(
        request, pk, FollowUp.objects.select_related("mediator").prefetch_related("comediations")
    )
    require(perms.can_manage_comediators(request.user, followup))
    form = ComediatorForm(data=request.POST or None, followup=followup)
    if form.is_valid():
        try:
            services.comediator_add(
                actor=request.user, followup=followup, member=form.cleaned_data["member"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Cette personne accompagne maintenant le suivi avec vous."))
            return redirect("peer_support:followup_detail", followup.pk)
    log_read(request, followup)
    return render(
        request, "peer_support/comediator_form.html", {"followup": followup, "form": form}
    )


@login_required
@require_POST
def comediator_remove(request, pk: int, member_pk: int):
    followup = visible_followup(request, pk)
    require(perms.can_manage_comediators(request.user, followup))
    member = get_object_or_404(Member, pk=member_pk, peer_comediations__followup=followup)
    try:
        services.comediator_remove(actor=request.user, followup=followup, member=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Cette personne n'accompagne plus ce suivi."))
    return redirect("peer_support:followup_detail", followup.pk)


@login_required
@require_http_methods(["GET", "POST"])
def followup_transfer(request, pk: int):
    """The lead gives the follow-up to another main mediator."""
    followup = visible_followup(request, pk, FollowUp.objects.select_related("mediator"))
    require(perms.can_transfer(request.user, followup))
    form = TransferForm(data=request.POST or None, followup=followup)
    if form.is_valid():
        try:
            services.followup_transfer(
                actor=request.user, followup=followup, mediator=form.cleaned_data["mediator"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("Le suivi est confié à sa nouvelle ou son nouveau médiateur·rice.")
            )
            return redirect("peer_support:followup_detail", followup.pk)
    log_read(request, followup)
    return render(request, "peer_support/transfer_form.html", {"followup": followup, "form": form})


urlpatterns = [
    path("pair-aidance/<int:pk>/", followup_detail, name="followup_detail"),
    path("pair-aidance/<int:pk>/corriger/", followup_edit, name="followup_edit"),
    path("pair-aidance/<int:pk>/terminer/", followup_close, name="followup_close"),
    path(
        "pair-aidance/<int:pk>/situation/<slug:checkpoint>/",
        situation_record,
        name="situation_record",
    ),
    path("pair-aidance/<int:pk>/co-mediation/", comediator_add, name="comediator_add"),
    path(
        "pair-aidance/<int:pk>/co-mediation/<int:member_pk>/retirer/",
        comediator_remove,
        name="comediator_remove",
    ),
    path("pair-aidance/<int:pk>/confier/", followup_transfer, name="followup_transfer"),
]
