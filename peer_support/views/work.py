"""What is done with the person, from a phone: log a meeting in under a minute (sent
twice, it is saved once), correct or remove one, set a goal and record its progress,
refer the person to a partner and record the answer."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from members.views.common import apply_validation_error
from peer_support import perms, services
from peer_support.enums import ReferralStatus
from peer_support.forms_work import (
    GoalForm,
    MeetingForm,
    MeetingLogForm,
    ProgressForm,
    ReferralAnswerForm,
    ReferralForm,
)
from peer_support.models import FollowUp, Goal, Meeting, Referral
from peer_support.views.common import (
    closed_or_refused,
    log_read,
    require,
    visible_followup,
)


def _goal_choices(followup: FollowUp, meeting: Meeting | None = None):
    """The goals a meeting may have worked on: the open ones, and those it already
    names (a goal reached since stays ticked on the meeting that worked on it)."""
    goals = Goal.objects.filter(followup=followup)
    if meeting is None:
        return goals.open().order_by("set_on", "pk")
    return (goals.open() | goals.filter(meetings=meeting)).distinct().order_by("set_on", "pk")


# --- meetings -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_log(request, pk: int):
    followup = visible_followup(request, pk)
    if not perms.can_work_on(request.user, followup):
        return closed_or_refused(request, followup)
    # The token is chosen when the form opens: the same form sent again (the answer was
    # lost on the way back to the phone) is recognised and saved once.
    form = MeetingLogForm(
        data=request.POST or None,
        initial={"client_token": uuid.uuid4(), "date": timezone.localdate(), "is_group": "0"},
        goals=_goal_choices(followup),
    )
    if form.is_valid():
        try:
            _meeting, created = services.meeting_log(
                actor=request.user,
                followup=followup,
                client_token=form.cleaned_data["client_token"],
                **form.meeting_fields(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except PermissionDenied:
            # The token of a meeting someone else logged: not this form's.
            form.add_error(
                None, _("Ce formulaire a déjà servi. Rechargez la page pour noter la rencontre.")
            )
        else:
            if created:
                messages.success(request, _("C'est noté ! La rencontre est enregistrée."))
            else:
                messages.info(
                    request,
                    _("Cette rencontre était déjà enregistrée : elle n'est pas notée deux fois."),
                )
            return redirect("peer_support:followup_detail", followup.pk)
    log_read(request, followup)
    return render(
        request,
        "peer_support/meeting_form.html",
        {"followup": followup, "form": form, "logging": True},
    )


def _visible_meeting(request, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.visible_to(request.user)
        .select_related("followup")
        .prefetch_related("goals"),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    """Correct a meeting (a wrong date, a note to complete)."""
    meeting = _visible_meeting(request, pk)
    followup = meeting.followup
    require(perms.can_rectify(request.user, followup))
    form = MeetingForm(
        data=request.POST or None,
        initial=MeetingForm.initial_for(meeting),
        goals=_goal_choices(followup, meeting),
    )
    if form.is_valid():
        try:
            services.meeting_update(actor=request.user, meeting=meeting, **form.meeting_fields())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La rencontre est corrigée."))
            return redirect("peer_support:followup_detail", followup.pk)
    log_read(request, followup, meeting)
    return render(
        request,
        "peer_support/meeting_form.html",
        {"followup": followup, "meeting": meeting, "form": form, "logging": False},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_delete(request, pk: int):
    """Remove a meeting noted by mistake (on the wrong person, say), after a
    confirmation; the access log keeps that it existed."""
    meeting = _visible_meeting(request, pk)
    followup = meeting.followup
    require(perms.can_rectify(request.user, followup))
    if request.method == "POST":
        services.meeting_delete(actor=request.user, meeting=meeting)
        messages.success(request, _("La rencontre est supprimée."))
        return redirect("peer_support:followup_detail", followup.pk)
    log_read(request, followup, meeting)
    return render(
        request, "peer_support/meeting_delete.html", {"followup": followup, "meeting": meeting}
    )


# --- goals ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def goal_add(request, pk: int):
    followup = visible_followup(request, pk)
    if not perms.can_work_on(request.user, followup):
        return closed_or_refused(request, followup)
    form = GoalForm(data=request.POST or None, initial={"set_on": timezone.localdate()})
    if form.is_valid():
        try:
            services.goal_set(actor=request.user, followup=followup, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("L'objectif est noté."))
            return redirect("peer_support:followup_detail", followup.pk)
    log_read(request, followup)
    return render(request, "peer_support/goal_form.html", {"followup": followup, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def goal_progress(request, pk: int):
    goal = get_object_or_404(
        Goal.objects.visible_to(request.user).select_related("followup"), pk=pk
    )
    followup = goal.followup
    if not perms.can_work_on(request.user, followup):
        return closed_or_refused(request, followup)
    form = ProgressForm(
        data=request.POST or None, initial={"on": timezone.localdate(), "status": goal.status}
    )
    if form.is_valid():
        try:
            services.goal_progress_record(actor=request.user, goal=goal, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("L'avancée est notée."))
            return redirect("peer_support:followup_detail", followup.pk)
    log_read(request, followup, goal)
    return render(
        request,
        "peer_support/progress_form.html",
        {"followup": followup, "goal": goal, "form": form},
    )


# --- referrals ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def referral_send(request, pk: int):
    followup = visible_followup(request, pk)
    if not perms.can_work_on(request.user, followup):
        return closed_or_refused(request, followup)
    today = timezone.localdate()
    form = ReferralForm(
        data=request.POST or None, initial={"consent_given_on": today, "sent_on": today}
    )
    if form.is_valid():
        try:
            services.referral_send(actor=request.user, followup=followup, **form.referral_fields())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("L'orientation est notée. Sans réponse dans 14 jours, vous recevrez un rappel."),
            )
            return redirect("peer_support:followup_detail", followup.pk)
    log_read(request, followup)
    return render(request, "peer_support/referral_form.html", {"followup": followup, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def referral_answer(request, pk: int):
    referral = get_object_or_404(
        Referral.objects.visible_to(request.user).select_related("followup"), pk=pk
    )
    followup = referral.followup
    require(perms.can_rectify(request.user, followup))
    if referral.status != ReferralStatus.SENT:
        messages.info(request, _("Cette orientation a déjà une réponse."))
        return redirect("peer_support:followup_detail", followup.pk)
    form = ReferralAnswerForm(
        data=request.POST or None, initial={"answered_on": timezone.localdate()}
    )
    if form.is_valid():
        try:
            services.referral_answer(actor=request.user, referral=referral, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La réponse du partenaire est notée."))
            return redirect("peer_support:followup_detail", followup.pk)
    log_read(request, followup, referral)
    return render(
        request,
        "peer_support/referral_answer.html",
        {"followup": followup, "referral": referral, "form": form},
    )


urlpatterns = [
    path("pair-aidance/<int:pk>/rencontre/", meeting_log, name="meeting_log"),
    path("pair-aidance/rencontres/<int:pk>/corriger/", meeting_edit, name="meeting_edit"),
    path("pair-aidance/rencontres/<int:pk>/supprimer/", meeting_delete, name="meeting_delete"),
    path("pair-aidance/<int:pk>/objectif/", goal_add, name="goal_add"),
    path("pair-aidance/objectifs/<int:pk>/avancee/", goal_progress, name="goal_progress"),
    path("pair-aidance/<int:pk>/orientation/", referral_send, name="referral_send"),
    path("pair-aidance/orientations/<int:pk>/reponse/", referral_answer, name="referral_answer"),
]
