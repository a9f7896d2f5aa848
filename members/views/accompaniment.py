"""The coordinators' accompaniment: appointments with a member, collective workshops with
their registrations and attendance, and the printable sign-in sheet."""

import datetime

import weasyprint
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Greatest
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import services
from members.enums import Attendance
from members.forms_accompaniment import (
    AppointmentForm,
    AppointmentLogForm,
    AttendanceForm,
    WorkshopForm,
    WorkshopRegisterMemberForm,
)
from members.models import Appointment, Member, Workshop, WorkshopRegistration, WorkshopSlot
from members.views.common import apply_validation_error, require_perm

WORKSHOPS_PER_PAGE = 20
# Rows left blank on the sign-in sheet for people who come without registering.
WALK_IN_ROWS_MIN = 3
WALK_IN_ROWS_MAX = 10
# Roles that may ever see a member's record (their own or everyone's). Any other role is
# refused an appointment page outright (403) rather than told that the id is unknown.
MEMBER_READERS = ("members.view_members", "members.view_own_path")
# Who sees the names of a workshop's participants: coordinators and administrators,
# the same people as the member list. Entrepreneurs see only their own registration.
PARTICIPANT_READERS = "members.view_members"

TEMPLATES = "members/accompaniment/"


def _long_date(day: datetime.date) -> str:
    return date_format(day, "l j F Y")


# --- appointments ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def appointment_create(request, member_pk: int):
    require_perm(request.user, *MEMBER_READERS)
    member = get_object_or_404(Member.objects.visible_to(request.user), pk=member_pk)
    require_perm(request.user, "members.manage_members")
    form = AppointmentForm(
        data=request.POST or None,
        instance=Appointment(member=member, coordinator=request.user),
    )
    if form.is_valid():
        appointment = form.save()
        messages.success(
            request,
            _("Le rendez-vous avec %(name)s est prévu le %(date)s à %(time)s.")
            % {
                "name": member.full_name,
                "date": _long_date(form.cleaned_data["date"]),
                "time": form.cleaned_data["time"].strftime("%H:%M"),
            },
        )
        return redirect("members:member_detail", pk=appointment.member_id)
    return render(request, TEMPLATES + "appointment_form.html", {"form": form, "member": member})


@login_required
@require_http_methods(["GET", "POST"])
def appointment_edit(request, pk: int):
    require_perm(request.user, *MEMBER_READERS)
    appointment = get_object_or_404(
        Appointment.objects.visible_to(request.user).select_related("member", "coordinator"),
        pk=pk,
    )
    require_perm(request.user, "members.manage_members")
    member = appointment.member
    # Kept before the form binds: a refused change must not show as the planned time.
    planned_at = appointment.starts_at
    form = AppointmentLogForm(data=request.POST or None, instance=appointment)
    if form.is_valid():
        form.save()
        messages.success(
            request,
            _("Le rendez-vous avec %(name)s est enregistré.") % {"name": member.full_name},
        )
        return redirect("members:member_detail", pk=member.pk)
    return render(
        request,
        TEMPLATES + "appointment_edit.html",
        {"form": form, "member": member, "appointment": appointment, "planned_at": planned_at},
    )


# --- workshops ------------------------------------------------------------------------


def _own_member(user) -> Member | None:
    """An entrepreneur's own member record, when the coordinators have made it."""
    if not user.has_perm("members.register_self"):
        return None
    return Member.objects.visible_to(user).filter(user=user).first()


def _workshops_for(user, member: Member | None):
    """Workshops with their places left and, for an entrepreneur, their own attendance
    (None when not registered), in the same query."""
    workshops = (
        Workshop.objects.visible_to(user)
        .with_counts()
        .annotate(
            places_left=Greatest(
                F("capacity") - F("registered_count"), Value(0), output_field=IntegerField()
            )
        )
        .select_related("programme", "coordinator")
        .prefetch_related("slots")
    )
    if member is not None:
        own = WorkshopRegistration.objects.filter(workshop=OuterRef("pk"), member=member)
        workshops = workshops.annotate(my_attendance=Subquery(own.values("attendance")[:1]))
    return workshops


def _label_attendance(workshops) -> None:
    for workshop in workshops:
        value = getattr(workshop, "my_attendance", None)
        workshop.my_attendance_label = Attendance(value).label if value else ""


@login_required
@require_GET
def workshop_list(request):
    require_perm(request.user, "members.view_workshops")
    member = _own_member(request.user)
    today = timezone.localdate()
    past = request.GET.get("vue") == "passes"
    workshops = _workshops_for(request.user, member)
    if past:
        workshops = workshops.filter(date__lt=today).order_by("-date", "subject", "pk")
    else:
        workshops = workshops.filter(date__gte=today).order_by("date", "subject", "pk")
    page = Paginator(workshops, WORKSHOPS_PER_PAGE).get_page(request.GET.get("page"))
    _label_attendance(page.object_list)
    return render(
        request,
        TEMPLATES + "workshop_list.html",
        {
            "page": page,
            "past": past,
            "view_param": "passes" if past else "a-venir",
            "member": member,
            "is_entrepreneur": request.user.has_perm("members.register_self"),
            "can_manage": request.user.has_perm("members.manage_workshops"),
            "upcoming": not past,
        },
    )


def _detail_context(request, workshop: Workshop, member: Member | None, register_form=None):
    user = request.user
    can_manage = user.has_perm("members.manage_workshops")
    upcoming = workshop.date >= timezone.localdate()
    registrations = []
    if user.has_perm(PARTICIPANT_READERS):
        registrations = (
            WorkshopRegistration.objects.visible_to(user)
            .filter(workshop=workshop)
            .select_related("member")
        )
    if register_form is None and can_manage and upcoming:
        register_form = WorkshopRegisterMemberForm(user=user, workshop=workshop)
    _label_attendance([workshop])
    return {
        "workshop": workshop,
        "long_date": _long_date(workshop.date),
        "member": member,
        "registrations": registrations,
        "sees_participants": user.has_perm(PARTICIPANT_READERS),
        "is_entrepreneur": user.has_perm("members.register_self"),
        "can_manage": can_manage,
        "upcoming": upcoming,
        "register_form": register_form,
    }


@login_required
@require_GET
def workshop_detail(request, pk: int):
    require_perm(request.user, "members.view_workshops")
    member = _own_member(request.user)
    workshop = get_object_or_404(_workshops_for(request.user, member), pk=pk)
    return render(
        request,
        TEMPLATES + "workshop_detail.html",
        _detail_context(request, workshop, member),
    )


def _registration_done(request, workshop: Workshop, member: Member, *, self_service: bool):
    if self_service:
        message = _("C'est noté : vous êtes inscrit·e à l'atelier « %(subject)s » du %(date)s.")
    else:
        message = _("%(name)s est inscrit·e à l'atelier « %(subject)s » du %(date)s.")
    messages.success(
        request,
        message
        % {
            "name": member.full_name,
            "subject": workshop.subject,
            "date": _long_date(workshop.date),
        },
    )


@login_required
@require_POST
def workshop_register(request, pk: int):
    """A coordinator registers the member chosen in the form; an entrepreneur registers
    themself."""
    user = request.user
    require_perm(user, "members.manage_workshops", "members.register_self")
    workshop = get_object_or_404(Workshop.objects.visible_to(user), pk=pk)

    if user.has_perm("members.manage_workshops"):
        form = WorkshopRegisterMemberForm(data=request.POST, user=user, workshop=workshop)
        if form.is_valid():
            member = form.cleaned_data["member"]
            try:
                services.workshop_register(actor=user, workshop=workshop, member=member)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                _registration_done(request, workshop, member, self_service=False)
                return redirect("members:workshop_detail", pk=workshop.pk)
        workshop = get_object_or_404(_workshops_for(user, None), pk=pk)
        return render(
            request,
            TEMPLATES + "workshop_detail.html",
            _detail_context(request, workshop, None, register_form=form),
        )

    member = _own_member(user)
    if member is None:
        messages.error(
            request,
            _(
                "Vous ne pouvez pas encore vous inscrire : votre fiche de membre n'est pas "
                "encore créée. Demandez à votre chargé·e d'accompagnement de la créer."
            ),
        )
        return redirect("members:workshop_detail", pk=workshop.pk)
    try:
        services.workshop_register(actor=user, workshop=workshop, member=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _registration_done(request, workshop, member, self_service=True)
    return redirect("members:workshop_detail", pk=workshop.pk)


@login_required
@require_POST
def workshop_unregister(request, pk: int):
    """An entrepreneur removes their own registration; a coordinator the one chosen."""
    user = request.user
    require_perm(user, "members.manage_workshops", "members.register_self")
    workshop = get_object_or_404(Workshop.objects.visible_to(user), pk=pk)
    registrations = (
        WorkshopRegistration.objects.visible_to(user)
        .filter(workshop=workshop)
        .select_related("member", "workshop")
    )
    manager = user.has_perm("members.manage_workshops")
    if manager:
        try:
            registration_pk = int(request.POST.get("registration", ""))
        except ValueError:
            raise Http404 from None
        registration = get_object_or_404(registrations, pk=registration_pk)
    else:
        registration = registrations.first()
        if registration is None:
            messages.error(request, _("Vous n'êtes pas inscrit·e à cet atelier."))
            return redirect("members:workshop_detail", pk=workshop.pk)
    try:
        services.workshop_unregister(actor=user, registration=registration)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if manager:
            message = _("%(name)s n'est plus inscrit·e à cet atelier.") % {
                "name": registration.member.full_name
            }
        else:
            message = _("Vous n'êtes plus inscrit·e à cet atelier. Votre place est libérée.")
        messages.success(request, message)
    return redirect("members:workshop_detail", pk=workshop.pk)


def _workshop_form_page(request, form: WorkshopForm, workshop: Workshop | None):
    # Kept before validation binds the typed values to the instance.
    subject = workshop.subject if workshop else ""
    if form.is_valid():
        try:
            saved = services.workshop_save(
                actor=request.user, workshop=form.instance, slots=form.cleaned_data["slots"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if workshop is None:
                message = _("L'atelier « %(subject)s » est créé.")
            else:
                message = _("L'atelier « %(subject)s » est modifié.")
            messages.success(request, message % {"subject": saved.subject})
            return redirect("members:workshop_detail", pk=saved.pk)
    return render(
        request,
        TEMPLATES + "workshop_form.html",
        {"form": form, "workshop": workshop, "subject": subject},
    )


@login_required
@require_http_methods(["GET", "POST"])
def workshop_create(request):
    require_perm(request.user, "members.manage_workshops")
    form = WorkshopForm(data=request.POST or None, initial={"coordinator": request.user})
    return _workshop_form_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def workshop_edit(request, pk: int):
    require_perm(request.user, "members.manage_workshops")
    workshop = get_object_or_404(Workshop.objects.visible_to(request.user), pk=pk)
    form = WorkshopForm(data=request.POST or None, instance=workshop)
    return _workshop_form_page(request, form, workshop)


@login_required
@require_http_methods(["GET", "POST"])
def workshop_attendance(request, pk: int):
    require_perm(request.user, "members.manage_workshops")
    workshop = get_object_or_404(
        Workshop.objects.visible_to(request.user).prefetch_related("slots"), pk=pk
    )
    registrations = (
        WorkshopRegistration.objects.visible_to(request.user)
        .filter(workshop=workshop)
        .select_related("member")
    )
    form = AttendanceForm(data=request.POST or None, registrations=registrations)
    if form.is_valid():
        changed = services.attendance_record(
            actor=request.user, workshop=workshop, attendance=form.attendance()
        )
        messages.success(
            request,
            ngettext(
                "Les présences sont enregistrées (%(count)d changement).",
                "Les présences sont enregistrées (%(count)d changements).",
                changed,
            )
            % {"count": changed},
        )
        return redirect("members:workshop_detail", pk=workshop.pk)
    return render(
        request,
        TEMPLATES + "workshop_attendance.html",
        {"form": form, "workshop": workshop, "long_date": _long_date(workshop.date)},
    )


# --- the sign-in sheet ----------------------------------------------------------------


def _clock(time: datetime.time) -> str:
    return _("%(hour)d h %(minute)02d") % {"hour": time.hour, "minute": time.minute}


def _slot_headings(slots: list[WorkshopSlot]) -> list[dict[str, str]]:
    """ "Matin", "Après-midi" or "Soir" above the hours; "Créneau 2" when two slots fall
    in the same part of the day."""

    def period(slot: WorkshopSlot) -> str:
        if slot.starts_at < datetime.time(12):
            return _("Matin")
        if slot.starts_at < datetime.time(18):
            return _("Après-midi")
        return _("Soir")

    periods = [period(slot) for slot in slots]
    distinct = len(set(periods)) == len(periods)
    return [
        {
            "name": name if distinct else _("Créneau %(number)d") % {"number": number},
            "hours": f"{_clock(slot.starts_at)} – {_clock(slot.ends_at)}",
        }
        for number, (name, slot) in enumerate(zip(periods, slots, strict=True), start=1)
    ]


@login_required
@require_GET
def workshop_sign_in_sheet(request, pk: int):
    """The printable A4 sign-in sheet (feuille d'émargement) that funders ask for: one
    row per participant expected, one signature column per time slot."""
    require_perm(request.user, PARTICIPANT_READERS)
    workshop = get_object_or_404(
        Workshop.objects.visible_to(request.user)
        .select_related("programme", "coordinator")
        .prefetch_related("slots"),
        pk=pk,
    )
    participants = list(
        WorkshopRegistration.objects.visible_to(request.user)
        .filter(workshop=workshop)
        .exclude(attendance=Attendance.EXCUSED)
        .select_related("member")
    )
    slots = list(workshop.slots.all())
    walk_ins = max(WALK_IN_ROWS_MIN, min(workshop.capacity - len(participants), WALK_IN_ROWS_MAX))
    html = render_to_string(
        TEMPLATES + "workshop_sign_in_sheet.html",
        {
            "workshop": workshop,
            "long_date": _long_date(workshop.date),
            "participants": participants,
            "slot_headings": _slot_headings(slots),
            "walk_in_rows": range(walk_ins),
            "printed_on": timezone.localdate(),
        },
    )
    # No base URL: the template carries its own styles and fetches nothing.
    pdf = weasyprint.HTML(string=html).write_pdf()
    filename = f"emargement-{workshop.date:%Y-%m-%d}-{slugify(workshop.subject)[:60]}.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


urlpatterns = [
    path(
        "membres/<int:member_pk>/rendez-vous/nouveau/",
        appointment_create,
        name="appointment_create",
    ),
    path("rendez-vous/<int:pk>/", appointment_edit, name="appointment_edit"),
    path("ateliers/", workshop_list, name="workshop_list"),
    path("ateliers/nouveau/", workshop_create, name="workshop_create"),
    path("ateliers/<int:pk>/", workshop_detail, name="workshop_detail"),
    path("ateliers/<int:pk>/modifier/", workshop_edit, name="workshop_edit"),
    path("ateliers/<int:pk>/inscription/", workshop_register, name="workshop_register"),
    path("ateliers/<int:pk>/desinscription/", workshop_unregister, name="workshop_unregister"),
    path("ateliers/<int:pk>/presences/", workshop_attendance, name="workshop_attendance"),
    path("ateliers/<int:pk>/emargement.pdf", workshop_sign_in_sheet, name="workshop_sign_in_sheet"),
]
