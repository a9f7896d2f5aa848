"""Missions: the coordinators' list, page and forms (create, change, validate or refuse a
proposal, move along proposed → planned → in progress → delivered), and the
entrepreneur's side on a phone: "Mes missions" and proposing a mission for a client
they found."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities import services
from activities.enums import MissionStatus, SessionStatus
from activities.filters import MissionFilter
from activities.forms_missions import (
    MissionForm,
    MissionMoveForm,
    MissionProposeForm,
    MissionRefuseForm,
    moves_from,
)
from activities.models import Mission, MissionTheme, Session, SessionAudience
from coop.forms import NewClientForm
from members.models import Member
from members.views.common import apply_validation_error, folded_filters, require_perm

MISSIONS_PER_PAGE = 50
SESSIONS_PER_PAGE = 50
# "Mes missions" shows the missions of this week and the next.
MY_WEEKS = 2
MY_PROPOSED_SHOWN = 20
MY_REFUSED_SHOWN = 10
MY_LATER_SHOWN = 5
UNEDITABLE = (MissionStatus.INVOICED, MissionStatus.REFUSED)
LOGGABLE = (MissionStatus.PLANNED, MissionStatus.IN_PROGRESS)


# --- reads shared by the pages --------------------------------------------------------


def _get_mission(request, pk: int, *perms: str, missions=None) -> Mission:
    """A mission reached by id: 403 for a role that never uses the page, 404 for a
    mission this person may not see."""
    require_perm(request.user, *perms)
    missions = Mission.objects if missions is None else missions
    return get_object_or_404(missions.visible_to(request.user), pk=pk)


def _with_people() -> tuple[Prefetch, Prefetch]:
    return (
        Prefetch("entrepreneurs", queryset=Member.objects.order_by("last_name", "first_name")),
        Prefetch("themes", queryset=MissionTheme.objects.order_by("theme")),
    )


def _count_of(sessions) -> Subquery:
    """How many of these sessions (filtered on OuterRef("pk") as the mission) there are,
    as a column of the mission: 0 when none."""
    counted = sessions.order_by().values("mission").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def session_totals(sessions) -> dict:
    """Sessions, hours and people reached of these sessions, added up in the database:
    one query for the sessions, one for their audiences (joined together they would
    count each session once per audience)."""
    totals = sessions.order_by().aggregate(
        sessions=Count("pk"), minutes=Coalesce(Sum("duration_minutes"), 0)
    )
    people = SessionAudience.objects.filter(session__in=sessions.order_by().values("pk"))
    totals["people"] = people.aggregate(n=Coalesce(Sum("count"), 0))["n"]
    totals["hours"] = totals["minutes"] / 60
    return totals


# --- the coordinators' list and forms -------------------------------------------------


@login_required
@require_GET
def mission_list(request):
    require_perm(request.user, "activities.view_missions")
    filterset = MissionFilter(request.GET, user=request.user)
    missions = filterset.qs if filterset.is_valid() else Mission.objects.none()
    rows = missions.annotate(
        session_count=_count_of(Session.objects.filter(mission=OuterRef("pk")))
    ).prefetch_related(_with_people()[0])
    page = Paginator(rows, MISSIONS_PER_PAGE).get_page(request.GET.get("page"))
    totals = session_totals(Session.objects.filter(mission__in=missions.values("pk")))
    return render(
        request,
        "activities/missions/list.html",
        {
            "form": filterset.form,
            "filters_valid": filterset.is_valid(),
            **folded_filters(filterset, request.GET, shown={"client"}),
            "page": page,
            "totals": totals,
            "can_manage": request.user.has_perm("activities.manage_missions"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mission_create(request):
    require_perm(request.user, "activities.manage_missions")
    initial = {"starts_on": timezone.localdate(), "planned_sessions": 1}
    if request.GET.get("client", "").isdigit():
        initial["client"] = int(request.GET["client"])
    form = MissionForm(data=request.POST or None, user=request.user, initial=initial)
    if form.is_valid():
        try:
            mission = services.mission_create(actor=request.user, **form.service_arguments())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La mission est créée : elle est planifiée."))
            return redirect("activities:mission_detail", pk=mission.pk)
    return render(
        request,
        "activities/missions/form.html",
        {"form": form, "mission": None, "title": _("Nouvelle mission")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def mission_edit(request, pk: int):
    mission = _get_mission(
        request,
        pk,
        "activities.manage_missions",
        missions=Mission.objects.select_related("client").prefetch_related(*_with_people()),
    )
    form = MissionForm(data=request.POST or None, user=request.user, mission=mission)
    if form.is_valid():
        try:
            services.mission_update(actor=request.user, mission=mission, **form.service_arguments())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La mission est enregistrée."))
            return redirect("activities:mission_detail", pk=mission.pk)
    return render(
        request,
        "activities/missions/form.html",
        {
            "form": form,
            "mission": mission,
            "title": _("Modifier la mission"),
            "locked": mission.status in UNEDITABLE,
        },
    )


# --- one mission ----------------------------------------------------------------------


@login_required
@require_GET
def mission_detail(request, pk: int):
    """Everything about a mission. Entrepreneurs on it read it too, with their own
    sessions only."""
    mission = _get_mission(
        request,
        pk,
        "activities.view_missions",
        "activities.view_own_missions",
        missions=Mission.objects.select_related(
            "client", "programme", "proposed_by"
        ).prefetch_related(*_with_people()),
    )
    sessions = Session.objects.visible_to(request.user).filter(mission=mission)
    page = Paginator(
        sessions.select_related("entrepreneur")
        .with_people_reached()
        .order_by("-date", "-start_time", "-pk"),
        SESSIONS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    can_manage = request.user.has_perm("activities.manage_missions")
    is_on_it = any(member.user_id == request.user.pk for member in mission.entrepreneurs.all())
    return render(
        request,
        "activities/missions/detail.html",
        {
            "mission": mission,
            "page": page,
            "totals": session_totals(sessions),
            "can_manage": can_manage,
            "can_edit": can_manage and mission.status not in UNEDITABLE,
            "can_decide": can_manage and mission.status == MissionStatus.PROPOSED,
            "moves": moves_from(mission.status) if can_manage else [],
            "can_log": is_on_it and mission.status in LOGGABLE,
            "own_only": not request.user.has_perm("activities.view_missions"),
        },
    )


@login_required
@require_POST
def mission_accept(request, pk: int):
    mission = _get_mission(request, pk, "activities.manage_missions")
    try:
        services.mission_accept(actor=request.user, mission=mission)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("La mission est validée : elle est planifiée."))
    return redirect("activities:mission_detail", pk=mission.pk)


@login_required
@require_http_methods(["GET", "POST"])
def mission_refuse(request, pk: int):
    mission = _get_mission(
        request, pk, "activities.manage_missions", missions=Mission.objects.select_related("client")
    )
    form = MissionRefuseForm(data=request.POST or None)
    if form.is_valid():
        try:
            services.mission_refuse(actor=request.user, mission=mission, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("La mission est refusée ; l'entrepreneur·e verra le motif.")
            )
            return redirect("activities:mission_detail", pk=mission.pk)
    return render(request, "activities/missions/refuse.html", {"form": form, "mission": mission})


@login_required
@require_POST
def mission_move(request, pk: int):
    mission = _get_mission(request, pk, "activities.manage_missions")
    form = MissionMoveForm(data=request.POST)
    if not form.is_valid():
        messages.error(request, _("Cet état n'existe pas : choisissez un des boutons."))
        return redirect("activities:mission_detail", pk=mission.pk)
    try:
        mission = services.mission_move(
            actor=request.user, mission=mission, status=MissionStatus(form.cleaned_data["status"])
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("La mission est maintenant « %(status)s ».")
            % {"status": mission.get_status_display()},
        )
    return redirect("activities:mission_detail", pk=mission.pk)


# --- the entrepreneur's side, on a phone ----------------------------------------------


def _next_step(mission: Mission, today: datetime.date) -> str:
    """What to do next on a mission, in plain words."""
    if mission.to_correct:
        return ngettext(
            "Une séance est à corriger.",
            "%(count)d séances sont à corriger.",
            mission.to_correct,
        ) % {"count": mission.to_correct}
    if mission.starts_on > today:
        return _("Elle commence le %(date)s.") % {
            "date": date_format(mission.starts_on, "SHORT_DATE_FORMAT")
        }
    remaining = mission.planned_sessions - mission.session_count
    if mission.session_count == 0:
        return _("Après la première séance, notez-la ici.")
    if remaining > 0:
        return ngettext(
            "Encore une séance prévue.", "Encore %(count)d séances prévues.", remaining
        ) % {"count": remaining}
    return _("Toutes les séances prévues sont notées. Dites-le à votre chargé·e.")


@login_required
@require_GET
def my_missions(request):
    """The entrepreneur's missions of this week and the next, with the next step and a
    big button to note a session; their proposals waiting, and the refused ones."""
    require_perm(request.user, "activities.view_own_missions")
    today = timezone.localdate()
    first_day = today - datetime.timedelta(days=today.weekday())
    last_day = first_day + datetime.timedelta(weeks=MY_WEEKS, days=-1)
    mine = Mission.objects.visible_to(request.user).select_related("client")
    on_it = mine.filter(entrepreneurs__user=request.user, status__in=LOGGABLE)
    sessions = Session.objects.filter(mission=OuterRef("pk"))
    current = list(
        on_it.filter(starts_on__lte=last_day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first_day))
        .annotate(
            session_count=_count_of(sessions),
            to_correct=_count_of(
                sessions.filter(entrepreneur__user=request.user, status=SessionStatus.RETURNED)
            ),
        )
        .order_by("starts_on", "pk")
    )
    for mission in current:
        mission.next_step = _next_step(mission, today)
    return render(
        request,
        "activities/missions/my_missions.html",
        {
            "first_day": first_day,
            "last_day": last_day,
            "current": current,
            "later": list(on_it.filter(starts_on__gt=last_day).order_by("starts_on", "pk"))[
                :MY_LATER_SHOWN
            ],
            "proposed": list(
                mine.filter(status=MissionStatus.PROPOSED).order_by("-created_at", "-pk")[
                    :MY_PROPOSED_SHOWN
                ]
            ),
            "refused": list(
                mine.filter(status=MissionStatus.REFUSED).order_by("-created_at", "-pk")[
                    :MY_REFUSED_SHOWN
                ]
            ),
        },
    )


def _propose(actor, form: MissionProposeForm, new_client: NewClientForm) -> Mission | None:
    """The proposed mission (and its new client); None when refused, the refusal shown
    on the form it concerns."""
    client = form.cleaned_data["client"]
    try:
        return services.mission_propose(
            actor=actor,
            client=client,
            new_client=new_client.client_fields() if client is None else None,
            contact=new_client.contact_fields() if client is None else None,
            **form.mission_fields(),
        )
    except services.NewClientRefused as error:
        apply_validation_error(new_client, error)
    except ValidationError as error:
        apply_validation_error(form, error)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def mission_propose(request):
    require_perm(request.user, "activities.propose_mission")
    data = request.POST or None
    form = MissionProposeForm(
        data=data, user=request.user, initial={"starts_on": timezone.localdate()}
    )
    new_client = NewClientForm(
        data=data, prefix="nouveau", needed=not (data and data.get("client"))
    )
    if data is not None and all([form.is_valid(), new_client.is_valid()]):
        mission = _propose(request.user, form, new_client)
        if mission is not None:
            messages.success(
                request,
                _(
                    "Merci ! Votre mission est envoyée. Un·e chargé·e d'accompagnement va la "
                    "lire et la valider."
                ),
            )
            return redirect("activities:my_missions")
    return render(
        request,
        "activities/missions/propose.html",
        {"form": form, "new_client": new_client},
    )


urlpatterns = [
    path("missions/", mission_list, name="mission_list"),
    path("missions/nouvelle/", mission_create, name="mission_create"),
    path("missions/<int:pk>/", mission_detail, name="mission_detail"),
    path("missions/<int:pk>/modifier/", mission_edit, name="mission_edit"),
    path("missions/<int:pk>/valider/", mission_accept, name="mission_accept"),
    path("missions/<int:pk>/refuser/", mission_refuse, name="mission_refuse"),
    path("missions/<int:pk>/etat/", mission_move, name="mission_move"),
    path("mes-missions/", my_missions, name="my_missions"),
    path("mes-missions/proposer/", mission_propose, name="mission_propose"),
]
