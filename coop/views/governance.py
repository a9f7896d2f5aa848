"""The bodies of the collectives, their seats and elections, for the people who run them
(desktop); and "Mes instances" for a person who belongs to bodies (phone): their bodies,
meetings and decisions, and their own shares. Meetings are in coop.views.meetings, the
register of associates in coop.views.associates; their URLs are gathered here."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coop import governance
from coop.enums import BodyKind, CollectiveKind, SeatKind
from coop.forms_governance import (
    BodyCreateForm,
    BodyEditForm,
    BodyFilterForm,
    CandidateForm,
    CountForm,
    ElectionForm,
    SeatEndForm,
    SeatForm,
)
from coop.models import (
    Associate,
    Body,
    Collective,
    CollectivePerson,
    Decision,
    Election,
    Meeting,
    Seat,
)
from coop.views import associates, meetings
from members.views.common import apply_validation_error, require_perm

BODIES_PER_PAGE = 50
MEETINGS_PER_PAGE = 20
PAST_SEATS_SHOWN = 20
ELECTIONS_SHOWN = 10
# "Mes instances": the latest meetings of each body, upcoming ones included.
MY_MEETINGS_PER_BODY = 4
TEMPLATES = "coop/governance/"


def _get_body(request, pk: int, perm: str) -> Body:
    require_perm(request.user, perm)
    body = get_object_or_404(
        Body.objects.visible_to(request.user).select_related("collective"), pk=pk
    )
    if perm == "coop.manage_bodies" and not governance.can_manage_body(request.user, body):
        raise PermissionDenied
    return body


def _render_form(request, form, *, title, submit, back_url, lead=""):
    return render(
        request,
        TEMPLATES + "form.html",
        {"form": form, "title": title, "submit": submit, "back_url": back_url, "lead": lead},
    )


# --- bodies ---------------------------------------------------------------------------------


@login_required
@require_GET
def body_list(request):
    require_perm(request.user, "coop.view_bodies")
    today, now = timezone.localdate(), timezone.now()
    visible = Body.objects.visible_to(request.user)
    form = BodyFilterForm(
        request.GET,
        collectives=Collective.objects.filter(bodies__in=visible).distinct().order_by("name"),
    )
    in_force = Q(seats__starts_on__lte=today) & (
        Q(seats__ends_on__isnull=True) | Q(seats__ends_on__gte=today)
    )
    bodies = (
        visible.select_related("collective")
        .annotate(
            seats_in_force=Count("seats", filter=in_force),
            elected_in_force=Count("seats", filter=in_force & Q(seats__kind=SeatKind.ELECTED)),
            next_meeting=Subquery(
                Meeting.objects.filter(body=OuterRef("pk"), starts_at__gte=now)
                .order_by("starts_at")
                .values("starts_at")[:1]
            ),
        )
        .order_by("collective__kind", "collective__name", "kind", "name")
    )
    bodies = form.filter(bodies) if form.is_valid() else bodies.none()
    page = Paginator(bodies, BODIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        TEMPLATES + "body_list.html",
        {
            "form": form,
            "page": page,
            "can_manage": request.user.has_perm("coop.manage_bodies"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def body_create(request):
    require_perm(request.user, "coop.manage_bodies")
    form = BodyCreateForm(data=request.POST or None, user=request.user)
    if form.is_valid():
        try:
            body = governance.body_create(
                actor=request.user,
                collective=form.cleaned_data["collective"],
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                **form.rules(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("L'instance %(name)s est créée.") % {"name": body.name})
            return redirect("coop:body_detail", pk=body.pk)
    return _render_form(
        request,
        form,
        title=_("Nouvelle instance"),
        lead=_("Assemblée générale, conseil d'administration ou conseil du collectif."),
        submit=_("Créer l'instance"),
        back_url=reverse("coop:body_list"),
    )


def _composition_warnings(body: Body, seats: list[Seat], today) -> list[str]:
    """What the body's page must say about its composition: broken today, or broken when
    the next terms run out."""
    warnings = []
    requires = body.collective.requires_elected_majority
    composition = governance.composition_on(body, today, seats)
    if requires and not composition.elected_majority:
        warnings.append(
            _(
                "Les membres élus ne tiennent que %(elected)s sièges sur %(total)s : le collectif "
                "exige qu'ils en tiennent au moins la moitié. Organisez une élection."
            )
            % {"elected": composition.elected, "total": composition.total}
        )
    ends = sorted({seat.ends_on for seat in seats if seat.ends_on and seat.ends_on >= today})
    if requires and composition.elected_majority and ends:
        after = ends[0] + datetime.timedelta(days=1)
        later = governance.composition_on(body, after, seats)
        if not later.elected_majority:
            warnings.append(
                _(
                    "Des mandats prennent fin le %(date)s : les élus ne tiendraient plus que "
                    "%(elected)s sièges sur %(total)s. Prévoyez une élection avant."
                )
                % {
                    "date": date_format(ends[0], "SHORT_DATE_FORMAT"),
                    "elected": later.elected,
                    "total": later.total,
                }
            )
    return warnings


def _members_count(body: Body, today) -> int:
    """How many people a general assembly gathers today."""
    if body.collective.kind == CollectiveKind.COOPERATIVE:
        return Associate.objects.current(today).filter(collective=body.collective).count()
    return CollectivePerson.objects.current().filter(collective=body.collective).count()


@login_required
@require_GET
def body_detail(request, pk: int):
    body = _get_body(request, pk, "coop.view_bodies")
    today, now = timezone.localdate(), timezone.now()
    seats = list(
        Seat.objects.filter(body=body)
        .select_related("person", "associate")
        .order_by("-starts_on", "pk")
    )
    in_force = sorted(
        (seat for seat in seats if seat.in_force_on(today)),
        key=lambda seat: (seat.kind != SeatKind.ELECTED, seat.holder_name.lower()),
    )
    planned = [seat for seat in seats if seat.starts_on > today]
    ended = sorted(
        (seat for seat in seats if seat.ends_on and seat.ends_on < today),
        key=lambda seat: seat.ends_on,
        reverse=True,
    )[:PAST_SEATS_SHOWN]
    elections = list(
        Election.objects.filter(body=body)
        .annotate(candidate_count=Count("candidates"))
        .order_by("-held_on", "-pk")[:ELECTIONS_SHOWN]
    )
    upcoming = list(Meeting.objects.filter(body=body, starts_at__gte=now).order_by("starts_at"))
    past = Meeting.objects.filter(body=body, starts_at__lt=now).order_by("-starts_at", "-pk")
    page = Paginator(past, MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        TEMPLATES + "body_detail.html",
        {
            "body": body,
            "composition": governance.composition_on(body, today, seats),
            "warnings": _composition_warnings(body, seats, today) if body.has_seats else [],
            "in_force": in_force,
            "planned": planned,
            "ended": ended,
            "elections": elections,
            "upcoming": upcoming,
            "page": page,
            "members_count": None if body.has_seats else _members_count(body, today),
            "can_manage": governance.can_manage_body(request.user, body),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def body_edit(request, pk: int):
    body = _get_body(request, pk, "coop.manage_bodies")
    form = BodyEditForm(
        data=request.POST or None, body=body, initial=BodyEditForm.initial_for(body)
    )
    if form.is_valid():
        try:
            governance.body_update(
                actor=request.user, body=body, name=form.cleaned_data["name"], **form.rules()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Les règles de l'instance sont enregistrées."))
            return redirect("coop:body_detail", pk=body.pk)
    return _render_form(
        request,
        form,
        title=_("Modifier l'instance %(name)s") % {"name": body.name},
        lead=body.collective.name,
        submit=_("Enregistrer"),
        back_url=reverse("coop:body_detail", args=[body.pk]),
    )


# --- seats ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def seat_add(request, pk: int):
    body = _get_body(request, pk, "coop.manage_bodies")
    form = SeatForm(data=request.POST or None, body=body)
    if form.is_valid():
        data = form.cleaned_data
        try:
            seat = governance.seat_add(
                actor=request.user,
                body=body,
                kind=data["kind"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                **data["holder"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("%(name)s siège à l'instance.") % {"name": seat.holder_name}
            )
            return redirect("coop:body_detail", pk=body.pk)
    return _render_form(
        request,
        form,
        title=_("Ajouter un siège"),
        lead=body.name,
        submit=_("Ajouter le siège"),
        back_url=reverse("coop:body_detail", args=[body.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def seat_end(request, pk: int):
    require_perm(request.user, "coop.manage_bodies")
    seat = get_object_or_404(
        Seat.objects.visible_to(request.user).select_related(
            "body__collective", "person", "associate"
        ),
        pk=pk,
    )
    if not governance.can_manage_body(request.user, seat.body):
        raise PermissionDenied
    form = SeatEndForm(data=request.POST or None)
    if form.is_valid():
        try:
            governance.seat_end(actor=request.user, seat=seat, on=form.cleaned_data["on"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("Le mandat de %(name)s prend fin.") % {"name": seat.holder_name}
            )
            return redirect("coop:body_detail", pk=seat.body_id)
    return _render_form(
        request,
        form,
        title=_("Mettre fin au mandat de %(name)s") % {"name": seat.holder_name},
        lead=seat.body.name,
        submit=_("Mettre fin au mandat"),
        back_url=reverse("coop:body_detail", args=[seat.body_id]),
    )


# --- elections --------------------------------------------------------------------------------


def _get_election(request, pk: int, perm: str) -> Election:
    require_perm(request.user, perm)
    election = get_object_or_404(
        Election.objects.visible_to(request.user).select_related("body__collective", "meeting"),
        pk=pk,
    )
    if perm == "coop.manage_bodies" and not governance.can_manage_body(request.user, election.body):
        raise PermissionDenied
    return election


@login_required
@require_http_methods(["GET", "POST"])
def election_create(request, pk: int):
    body = _get_body(request, pk, "coop.manage_bodies")
    form = ElectionForm(data=request.POST or None, body=body)
    if form.is_valid():
        try:
            election = governance.election_create(
                actor=request.user, body=body, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("L'élection est prévue : ajoutez les candidatures."))
            return redirect("coop:election_detail", pk=election.pk)
    return _render_form(
        request,
        form,
        title=_("Nouvelle élection"),
        lead=body.name,
        submit=_("Prévoir l'élection"),
        back_url=reverse("coop:body_detail", args=[body.pk]),
    )


@login_required
@require_GET
def election_detail(request, pk: int):
    election = _get_election(request, pk, "coop.view_bodies")
    candidates = list(election.candidates.select_related("person", "associate").order_by("pk"))
    if election.is_counted:
        candidates.sort(key=lambda candidate: -(candidate.votes or 0))
    return render(
        request,
        TEMPLATES + "election_detail.html",
        {
            "election": election,
            "candidates": candidates,
            "can_manage": governance.can_manage_body(request.user, election.body),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def candidate_add(request, pk: int):
    election = _get_election(request, pk, "coop.manage_bodies")
    form = CandidateForm(data=request.POST or None, election=election)
    if form.is_valid():
        try:
            candidate = governance.candidate_add(
                actor=request.user, election=election, **form.cleaned_data["holder"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("La candidature de %(name)s est notée.") % {"name": candidate.holder_name},
            )
            return redirect("coop:election_detail", pk=election.pk)
    return _render_form(
        request,
        form,
        title=_("Ajouter une candidature"),
        lead=str(election),
        submit=_("Ajouter"),
        back_url=reverse("coop:election_detail", args=[election.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def election_count(request, pk: int):
    election = _get_election(request, pk, "coop.manage_bodies")
    candidates = list(election.candidates.select_related("person", "associate").order_by("pk"))
    initial = {}
    if election.meeting is not None:
        quorum = governance.quorum_of(election.meeting)
        if quorum.recorded:
            initial["voters"] = quorum.voters
    form = CountForm(data=request.POST or None, candidates=candidates, initial=initial)
    if form.is_valid():
        try:
            governance.election_count(
                actor=request.user,
                election=election,
                voters=form.cleaned_data["voters"],
                votes=form.votes(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("Les résultats sont enregistrés ; les élu·es prennent leur siège.")
            )
            return redirect("coop:election_detail", pk=election.pk)
    return _render_form(
        request,
        form,
        title=_("Dépouillement"),
        lead=_(
            "%(election)s : %(seats)s sièges à pourvoir. Les candidat·es qui ont le plus de voix "
            "sont élu·es."
        )
        % {"election": election, "seats": election.seats_to_fill},
        submit=_("Enregistrer les résultats"),
        back_url=reverse("coop:election_detail", args=[election.pk]),
    )


# --- "Mes instances" ---------------------------------------------------------------------------


@login_required
@require_GET
def my_bodies(request):
    """The bodies I belong to, their latest meetings with the number of decisions, and my
    shares if I am an associate."""
    require_perm(request.user, "coop.view_own_bodies")
    today = timezone.localdate()
    bodies = list(
        Body.objects.of_user(request.user, today)
        .select_related("collective")
        .order_by("collective__kind", "collective__name", "kind", "name")
    )
    my_seats = {
        seat.body_id: seat
        for seat in Seat.objects.in_force(today).filter(person__user=request.user, body__in=bodies)
    }
    latest = (
        Meeting.objects.visible_to(request.user)
        .filter(body__in=bodies)
        .annotate(
            rank=Window(RowNumber(), partition_by=F("body"), order_by=F("starts_at").desc()),
            decision_count=Subquery(
                Decision.objects.filter(meeting=OuterRef("pk"))
                .values("meeting")
                .annotate(count=Count("pk"))
                .values("count")[:1]
            ),
        )
        .filter(rank__lte=MY_MEETINGS_PER_BODY)
        .order_by("-starts_at")
    )
    by_body: dict[int, list[Meeting]] = {}
    for meeting in latest:
        by_body.setdefault(meeting.body_id, []).append(meeting)
    for body in bodies:
        body.my_seat = my_seats.get(body.pk)
        body.latest_meetings = by_body.get(body.pk, [])
    associate = Associate.objects.visible_to(request.user).filter(left_on__isnull=True).first()
    return render(
        request,
        TEMPLATES + "my_bodies.html",
        {"bodies": bodies, "associate": associate, "now": timezone.now(), "BodyKind": BodyKind},
    )


urlpatterns = (
    [
        path("instances/", body_list, name="body_list"),
        path("instances/nouvelle/", body_create, name="body_create"),
        path("instances/<int:pk>/", body_detail, name="body_detail"),
        path("instances/<int:pk>/modifier/", body_edit, name="body_edit"),
        path("instances/<int:pk>/sieges/ajouter/", seat_add, name="seat_add"),
        path("instances/sieges/<int:pk>/fin/", seat_end, name="seat_end"),
        path("instances/<int:pk>/elections/nouvelle/", election_create, name="election_create"),
        path("instances/elections/<int:pk>/", election_detail, name="election_detail"),
        path("instances/elections/<int:pk>/candidature/", candidate_add, name="candidate_add"),
        path("instances/elections/<int:pk>/depouillement/", election_count, name="election_count"),
        path("mes-instances/", my_bodies, name="my_bodies"),
    ]
    + meetings.urlpatterns
    + associates.urlpatterns
)
