"""Peer-to-peer workshops (and awareness sessions for care teams) run by peer
mediators: the list, planning or recording one, and the attendance of the people they
accompany."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from members.views.common import apply_validation_error, require_perm
from peer_support import perms, services
from peer_support.enums import WorkshopKind
from peer_support.forms_work import AttendanceForm, WorkshopForm
from peer_support.models import FollowUp, PeerWorkshop, WorkshopAttendance, WorkshopFacilitator
from peer_support.views.common import duration_label, private, require

WORKSHOPS_PER_PAGE = 25


def _with_facilitators(workshops):
    return workshops.prefetch_related(
        Prefetch(
            "facilitations",
            queryset=WorkshopFacilitator.objects.select_related("member").order_by("pk"),
        )
    )


def _visible_workshop(request, pk: int, workshops=None) -> PeerWorkshop:
    workshops = PeerWorkshop.objects if workshops is None else workshops
    return get_object_or_404(_with_facilitators(workshops.visible_to(request.user)), pk=pk)


@login_required
@require_GET
def workshop_list(request):
    require_perm(request.user, "peer_support.view_workshops")
    workshops = _with_facilitators(
        PeerWorkshop.objects.visible_to(request.user).with_attendance().order_by("-date", "-pk")
    )
    page = Paginator(workshops, WORKSHOPS_PER_PAGE).get_page(request.GET.get("page"))
    for workshop in page:
        workshop.duration_label = duration_label(workshop.duration_minutes)
    return render(
        request,
        "peer_support/workshop_list.html",
        {
            "page": page,
            "today": timezone.localdate(),
            "can_create": request.user.has_perm("peer_support.manage_workshops"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def workshop_create(request):
    require_perm(request.user, "peer_support.manage_workshops")
    member = perms.peer_mediator_member(request.user)
    form = WorkshopForm(
        data=request.POST or None,
        initial={"date": timezone.localdate(), "kind": WorkshopKind.PEER_TO_PEER},
        actor=request.user,
        member=member,
    )
    if form.is_valid():
        try:
            workshop = services.workshop_create(actor=request.user, **form.workshop_fields())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("L'atelier est enregistré."))
            return redirect("peer_support:workshop_detail", workshop.pk)
    return render(request, "peer_support/workshop_form.html", {"form": form, "workshop": None})


@login_required
@require_GET
@private
def workshop_detail(request, pk: int):
    """The workshop, with the people present whom the reader accompanies (each name
    shown written to the access log); the others are only counted."""
    workshop = _visible_workshop(request, pk, PeerWorkshop.objects.with_attendance())
    attendances = services.workshop_read(actor=request.user, workshop=workshop)
    can_change = perms.can_change_workshop(request.user, workshop)
    return render(
        request,
        "peer_support/workshop_detail.html",
        {
            "workshop": workshop,
            "duration": duration_label(workshop.duration_minutes),
            "attendances": attendances,
            "others_present": workshop.attendees_count - len(attendances),
            "can_change": can_change,
            "can_record_attendance": can_change
            and workshop.kind == WorkshopKind.PEER_TO_PEER
            and workshop.date <= timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def workshop_edit(request, pk: int):
    workshop = _visible_workshop(request, pk)
    require(perms.can_change_workshop(request.user, workshop))
    member = perms.peer_mediator_member(request.user)
    form = WorkshopForm(
        data=request.POST or None,
        initial=WorkshopForm.initial_for(workshop, member=member),
        actor=request.user,
        member=member,
        editing=True,
    )
    if form.is_valid():
        try:
            services.workshop_update(
                actor=request.user, workshop=workshop, **form.workshop_fields()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("L'atelier est modifié."))
            return redirect("peer_support:workshop_detail", workshop.pk)
    return render(request, "peer_support/workshop_form.html", {"form": form, "workshop": workshop})


@login_required
@require_http_methods(["GET", "POST"])
def workshop_attendance(request, pk: int):
    """Who among the people the facilitator accompanies came (once it took place)."""
    workshop = _visible_workshop(request, pk)
    require(perms.can_change_workshop(request.user, workshop))
    if workshop.kind != WorkshopKind.PEER_TO_PEER or workshop.date > timezone.localdate():
        messages.info(
            request,
            _("Les présences se notent aux ateliers pair-à-pair, une fois l'atelier passé."),
        )
        return redirect("peer_support:workshop_detail", workshop.pk)
    # The people the facilitator accompanied on the day: their names are listed.
    candidates = list(
        FollowUp.objects.visible_to(request.user)
        .not_erased()
        .accompanied_between(workshop.date, workshop.date)
        .order_by("-opened_on", "-pk")
    )
    present = list(
        WorkshopAttendance.objects.filter(
            workshop=workshop, followup__in=[followup.pk for followup in candidates]
        ).values_list("followup", flat=True)
    )
    form = AttendanceForm(
        # Nobody ticked is an answer too ("nobody came"): bound on any POST.
        data=request.POST if request.method == "POST" else None,
        initial={"followups": present},
        followups=FollowUp.objects.filter(pk__in=[f.pk for f in candidates]).order_by(
            "-opened_on", "-pk"
        ),
    )
    if form.is_valid():
        try:
            services.workshop_attendance_set(
                actor=request.user, workshop=workshop, followups=form.cleaned_data["followups"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Les présences sont notées."))
            return redirect("peer_support:workshop_detail", workshop.pk)
    services.followup_list_read(actor=request.user, followups=candidates)
    return render(
        request,
        "peer_support/workshop_attendance.html",
        {"workshop": workshop, "form": form, "has_candidates": bool(candidates)},
    )


urlpatterns = [
    path("pair-aidance/ateliers/", workshop_list, name="workshop_list"),
    path("pair-aidance/ateliers/nouveau/", workshop_create, name="workshop_create"),
    path("pair-aidance/ateliers/<int:pk>/", workshop_detail, name="workshop_detail"),
    path("pair-aidance/ateliers/<int:pk>/modifier/", workshop_edit, name="workshop_edit"),
    path(
        "pair-aidance/ateliers/<int:pk>/presences/",
        workshop_attendance,
        name="workshop_attendance",
    ),
]
