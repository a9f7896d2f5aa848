"""Meetings of the bodies: preparing the agenda, sending the convocation within the notice
period, noting attendance and proxies, recording decisions with their votes, closing,
and the minutes as a PDF. For those who run the bodies (desktop); a member reads a
meeting of their bodies on "Mes instances" (`my_meeting`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coop import governance
from coop.enums import MeetingAttendance
from coop.forms_governance import (
    AgendaItemForm,
    AttendanceForm,
    CloseForm,
    DecisionForm,
    MeetingForm,
)
from coop.governance.documents import pdf_response
from coop.models import AgendaItem, Body, Meeting
from members.views.common import apply_validation_error, require_perm

TEMPLATES = "coop/governance/"


def _get_meeting(request, pk: int, perm: str) -> Meeting:
    require_perm(request.user, perm)
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("body__collective"), pk=pk
    )
    if perm == "coop.manage_bodies" and not governance.can_manage_body(request.user, meeting.body):
        raise PermissionDenied
    return meeting


def _render_form(request, form, *, meeting, title, submit, lead="", template="form.html"):
    return render(
        request,
        TEMPLATES + template,
        {
            "form": form,
            "meeting": meeting,
            "title": title,
            "submit": submit,
            "lead": lead or f"{meeting.title} — {meeting.body.name}",
            "back_url": reverse("coop:meeting_detail", args=[meeting.pk]),
        },
    )


def _not_in_session(request, meeting: Meeting):
    """Back to the meeting's page, saying why, when its attendance, decisions or closing
    cannot be noted now (not convened, not yet held, or closed)."""
    try:
        governance.check_in_session(meeting)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("coop:meeting_detail", pk=meeting.pk)
    return None


def _long(moment) -> str:
    local = timezone.localtime(moment)
    return _("%(day)s à %(time)s") % {
        "day": date_format(local, "l j F Y"),
        "time": date_format(local, "H:i"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request, pk: int):
    require_perm(request.user, "coop.manage_bodies")
    body = get_object_or_404(
        Body.objects.visible_to(request.user).select_related("collective"), pk=pk
    )
    if not governance.can_manage_body(request.user, body):
        raise PermissionDenied
    form = MeetingForm(data=request.POST or None)
    if form.is_valid():
        try:
            meeting = governance.meeting_create(
                actor=request.user,
                body=body,
                title=form.cleaned_data["title"],
                starts_at=form.starts_at(),
                place=form.cleaned_data["place"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("La réunion est prévue : préparez l'ordre du jour, puis convoquez.")
            )
            return redirect("coop:meeting_detail", pk=meeting.pk)
    return render(
        request,
        TEMPLATES + "form.html",
        {
            "form": form,
            "title": _("Nouvelle réunion"),
            "lead": _("%(body)s : la convocation part au moins %(days)s jours avant.")
            % {"body": body.name, "days": body.notice_days},
            "submit": _("Prévoir la réunion"),
            "back_url": reverse("coop:body_detail", args=[body.pk]),
        },
    )


@login_required
@require_GET
def meeting_detail(request, pk: int):
    meeting = _get_meeting(request, pk, "coop.view_bodies")
    participants = list(meeting.participants.select_related("proxy_holder").order_by("name", "pk"))
    quorum = governance.quorum_of(meeting, participants)
    deadline = governance.convocation_deadline(meeting)
    today = timezone.localdate()
    started = timezone.localtime(meeting.starts_at).date() <= today
    return render(
        request,
        TEMPLATES + "meeting_detail.html",
        {
            "meeting": meeting,
            "long_date": _long(meeting.starts_at),
            "agenda": list(meeting.agenda_items.order_by("position")),
            "participants": participants,
            "without_email": [p for p in participants if not p.email],
            "quorum": quorum,
            "decisions": list(meeting.decisions.select_related("agenda_item").order_by("position")),
            "elections": list(meeting.elections.select_related("body").order_by("pk")),
            "deadline": deadline,
            "too_late": not meeting.is_convened and today > deadline,
            "started": started,
            "can_manage": governance.can_manage_body(request.user, meeting.body),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    meeting = _get_meeting(request, pk, "coop.manage_bodies")
    form = MeetingForm(data=request.POST or None, initial=MeetingForm.initial_for(meeting))
    if form.is_valid():
        try:
            governance.meeting_update(
                actor=request.user,
                meeting=meeting,
                title=form.cleaned_data["title"],
                starts_at=form.starts_at(),
                place=form.cleaned_data["place"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La réunion est modifiée."))
            return redirect("coop:meeting_detail", pk=meeting.pk)
    return _render_form(
        request, form, meeting=meeting, title=_("Modifier la réunion"), submit=_("Enregistrer")
    )


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item_add(request, pk: int):
    meeting = _get_meeting(request, pk, "coop.manage_bodies")
    form = AgendaItemForm(data=request.POST or None)
    if form.is_valid():
        try:
            governance.agenda_item_add(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Le point est ajouté à l'ordre du jour."))
            return redirect("coop:meeting_detail", pk=meeting.pk)
    return _render_form(
        request,
        form,
        meeting=meeting,
        title=_("Ajouter un point à l'ordre du jour"),
        submit=_("Ajouter le point"),
    )


@login_required
@require_POST
def agenda_item_remove(request, pk: int):
    require_perm(request.user, "coop.manage_bodies")
    item = get_object_or_404(
        AgendaItem.objects.visible_to(request.user).select_related("meeting__body__collective"),
        pk=pk,
    )
    if not governance.can_manage_body(request.user, item.meeting.body):
        raise PermissionDenied
    try:
        governance.agenda_item_remove(actor=request.user, item=item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Le point « %(title)s » est retiré.") % {"title": item.title})
    return redirect("coop:meeting_detail", pk=item.meeting_id)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_convene(request, pk: int):
    """A confirmation page listing who will be convened, then the sending."""
    meeting = _get_meeting(request, pk, "coop.manage_bodies")
    error = None
    if request.method == "POST":
        try:
            report = governance.meeting_convene(actor=request.user, meeting=meeting)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            text = ngettext(
                "La convocation est envoyée par e-mail à %(count)s personne.",
                "La convocation est envoyée par e-mail à %(count)s personnes.",
                report.mailed,
            ) % {"count": report.mailed}
            messages.success(request, text)
            if report.without_email:
                messages.warning(
                    request,
                    _("Sans adresse e-mail, à convoquer par courrier : %(names)s.")
                    % {"names": ", ".join(report.without_email)},
                )
            return redirect("coop:meeting_detail", pk=meeting.pk)
    roster = (
        []
        if meeting.is_convened
        else governance.body_roster(meeting.body, timezone.localtime(meeting.starts_at).date())
    )
    deadline = governance.convocation_deadline(meeting)
    return render(
        request,
        TEMPLATES + "meeting_convene.html",
        {
            "meeting": meeting,
            "long_date": _long(meeting.starts_at),
            "agenda": list(meeting.agenda_items.order_by("position")),
            "roster": roster,
            "without_email": [entry.name for entry in roster if not entry.email],
            "deadline": deadline,
            "too_late": timezone.localdate() > deadline,
            "error": error,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_attendance(request, pk: int):
    meeting = _get_meeting(request, pk, "coop.manage_bodies")
    if (refusal := _not_in_session(request, meeting)) is not None:
        return refusal
    participants = list(meeting.participants.order_by("name", "pk"))
    form = AttendanceForm(data=request.POST or None, participants=participants)
    if form.is_valid():
        try:
            quorum = governance.attendance_record(
                actor=request.user, meeting=meeting, entries=form.entries()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if quorum.reached:
                messages.success(
                    request,
                    _(
                        "Présences notées : %(voters)s membres présents ou représentés, le quorum "
                        "(%(needed)s) est atteint."
                    )
                    % {"voters": quorum.voters, "needed": quorum.needed},
                )
            else:
                messages.warning(
                    request,
                    _(
                        "Présences notées : %(voters)s membres présents ou représentés, le quorum "
                        "(%(needed)s) n'est pas atteint : l'instance ne peut pas décider."
                    )
                    % {"voters": quorum.voters, "needed": quorum.needed},
                )
            return redirect("coop:meeting_detail", pk=meeting.pk)
    return render(
        request,
        TEMPLATES + "meeting_attendance.html",
        {
            "form": form,
            "meeting": meeting,
            "MeetingAttendance": MeetingAttendance,
            "max_proxies": meeting.body.max_proxies,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def decision_add(request, pk: int):
    meeting = _get_meeting(request, pk, "coop.manage_bodies")
    if (refusal := _not_in_session(request, meeting)) is not None:
        return refusal
    form = DecisionForm(data=request.POST or None, meeting=meeting)
    if form.is_valid():
        try:
            decision = governance.decision_record(
                actor=request.user, meeting=meeting, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Décision n° %(position)s : %(result)s.")
                % {"position": decision.position, "result": decision.get_result_display().lower()},
            )
            return redirect("coop:meeting_detail", pk=meeting.pk)
    quorum = governance.quorum_of(meeting)
    return _render_form(
        request,
        form,
        meeting=meeting,
        title=_("Noter une décision"),
        lead=_(
            "%(voters)s membres présents ou représentés : une personne, une voix. Majorité : "
            "%(ordinary)s (décisions ordinaires), %(extraordinary)s (extraordinaires)."
        )
        % {
            "voters": quorum.voters,
            "ordinary": meeting.body.get_ordinary_majority_display().lower(),
            "extraordinary": meeting.body.get_extraordinary_majority_display().lower(),
        },
        submit=_("Enregistrer la décision"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_close(request, pk: int):
    meeting = _get_meeting(request, pk, "coop.manage_bodies")
    if (refusal := _not_in_session(request, meeting)) is not None:
        return refusal
    form = CloseForm(
        data=request.POST or None,
        initial={"chair": meeting.chair, "secretary": meeting.secretary, "notes": meeting.notes},
    )
    if form.is_valid():
        try:
            governance.meeting_close(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("La réunion est clôturée : son procès-verbal est définitif.")
            )
            return redirect("coop:meeting_detail", pk=meeting.pk)
    return _render_form(
        request,
        form,
        meeting=meeting,
        title=_("Clôturer la réunion"),
        lead=_("Après la clôture, les présences et les décisions ne changent plus."),
        submit=_("Clôturer et arrêter le procès-verbal"),
    )


def _minutes_context(meeting: Meeting) -> dict:
    participants = list(meeting.participants.select_related("proxy_holder").order_by("name", "pk"))
    decisions = list(meeting.decisions.order_by("position"))
    agenda = list(meeting.agenda_items.order_by("position"))
    for item in agenda:
        item.taken = [decision for decision in decisions if decision.agenda_item_id == item.pk]
    return {
        "meeting": meeting,
        "body": meeting.body,
        "long_date": _long(meeting.starts_at),
        "participants": participants,
        "present": [p for p in participants if p.attendance == MeetingAttendance.PRESENT],
        "represented": [p for p in participants if p.attendance == MeetingAttendance.REPRESENTED],
        "excused": [p for p in participants if p.attendance == MeetingAttendance.EXCUSED],
        "absent": [p for p in participants if p.attendance == MeetingAttendance.ABSENT],
        "quorum": governance.quorum_of(meeting, participants),
        "agenda": agenda,
        "elections": [
            (
                election,
                sorted(
                    election.candidates.select_related("person", "associate"),
                    key=lambda candidate: -(candidate.votes or 0),
                ),
            )
            for election in meeting.elections.select_related("body").order_by("pk")
            if election.is_counted
        ],
        "printed_on": timezone.localdate(),
    }


@login_required
@require_GET
def meeting_minutes_pdf(request, pk: int):
    """The minutes (procès-verbal). A draft until the meeting is closed, printed for those
    who run the body; members read the final one."""
    require_perm(request.user, "coop.view_bodies", "coop.view_own_bodies")
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("body__collective"), pk=pk
    )
    if not meeting.is_convened:
        raise Http404
    if not meeting.is_closed and not request.user.has_perm("coop.view_bodies"):
        raise Http404
    day = timezone.localtime(meeting.starts_at).date()
    return pdf_response(
        TEMPLATES + "minutes_pdf.html",
        _minutes_context(meeting),
        filename=f"proces-verbal-{day:%Y-%m-%d}-{meeting.pk}.pdf",
    )


@login_required
@require_GET
def my_meeting(request, pk: int):
    """A meeting of one of my bodies, on the phone: when and where, the agenda, whether I
    came, and the decisions taken."""
    require_perm(request.user, "coop.view_own_bodies")
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("body__collective"), pk=pk
    )
    decisions = list(meeting.decisions.order_by("position"))
    return render(
        request,
        TEMPLATES + "my_meeting.html",
        {
            "meeting": meeting,
            "long_date": _long(meeting.starts_at),
            "upcoming": meeting.starts_at >= timezone.now(),
            "agenda": list(meeting.agenda_items.order_by("position")),
            "decisions": decisions,
            "me": meeting.participants.filter(person__user=request.user)
            .select_related("proxy_holder")
            .first(),
            "elected": [
                (election, [c for c in election.candidates.all() if c.elected])
                for election in meeting.elections.filter(counted_at__isnull=False)
                .select_related("body")
                .prefetch_related("candidates__person", "candidates__associate")
            ],
        },
    )


urlpatterns = [
    path("instances/<int:pk>/reunions/nouvelle/", meeting_create, name="meeting_create"),
    path("reunions/<int:pk>/", meeting_detail, name="meeting_detail"),
    path("reunions/<int:pk>/modifier/", meeting_edit, name="meeting_edit"),
    path("reunions/<int:pk>/ordre-du-jour/", agenda_item_add, name="agenda_item_add"),
    path("reunions/ordre-du-jour/<int:pk>/retirer/", agenda_item_remove, name="agenda_item_remove"),
    path("reunions/<int:pk>/convocation/", meeting_convene, name="meeting_convene"),
    path("reunions/<int:pk>/presences/", meeting_attendance, name="meeting_attendance"),
    path("reunions/<int:pk>/decisions/", decision_add, name="decision_add"),
    path("reunions/<int:pk>/cloture/", meeting_close, name="meeting_close"),
    path("reunions/<int:pk>/proces-verbal.pdf", meeting_minutes_pdf, name="meeting_minutes_pdf"),
    path("mes-instances/reunions/<int:pk>/", my_meeting, name="my_meeting"),
]
