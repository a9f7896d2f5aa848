"""The entrepreneur's phone pages: log a delivered session (kept on the phone and sent
later when the network drops, see static/js/session-form.js), their sessions and
expenses, correcting a session, adding an expense, and the receipt file."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from activities import services
from activities.forms_delivery import ExpenseForm, SessionForm, SessionLogForm
from activities.models import Expense, Mission, Session
from members.views.common import apply_validation_error, require_perm

SESSIONS_PER_PAGE = 20
# The name a downloaded receipt ends with, after the type the service checked.
RECEIPT_SUFFIXES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def _duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)s min") % {"minutes": rest}
    if not rest:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(hours)s h %(minutes)02d") % {"hours": hours, "minutes": rest}


def _own_session(request, pk: int, sessions=None) -> Session:
    require_perm(request.user, "activities.log_session")
    sessions = Session.objects if sessions is None else sessions
    return get_object_or_404(sessions.visible_to(request.user), pk=pk)


# --- logging a session ----------------------------------------------------------------


@login_required
@require_GET
def session_log_start(request):
    """One open mission: straight to its form. Several: pick one. None: say so."""
    require_perm(request.user, "activities.log_session")
    missions = list(
        Mission.objects.loggable_by(request.user)
        .select_related("client")
        .order_by("starts_on", "pk")
    )
    if len(missions) == 1:
        return redirect("activities:session_log", mission_pk=missions[0].pk)
    return render(request, "activities/delivery/start.html", {"missions": missions})


def _log(request, mission, form, expense_form):
    """The session and its expense are saved together, or not at all. Returns
    (session, created), or None with the refusal on the form it concerns."""
    target = form
    try:
        with transaction.atomic():
            session, created = services.session_log(
                actor=request.user,
                mission=mission,
                client_token=form.cleaned_data["client_token"],
                **form.session_fields(),
            )
            # Sent again, the session is already there with its expense.
            if created and expense_form.has_input():
                target = expense_form
                services.expense_add(
                    actor=request.user, session=session, **expense_form.cleaned_data
                )
    except ValidationError as error:
        apply_validation_error(target, error)
        return None
    except PermissionDenied:
        form.add_error(
            None,
            _(
                "Vous ne pouvez pas noter de séance sur cette mission. "
                "Parlez-en à votre chargé·e d'accompagnement."
            ),
        )
        return None
    return session, created


@login_required
@require_http_methods(["GET", "POST"])
def session_log(request, mission_pk: int):
    require_perm(request.user, "activities.log_session")
    mission = get_object_or_404(
        Mission.objects.visible_to(request.user).select_related("client"), pk=mission_pk
    )
    # The token is chosen once, when the form opens: the same form sent again (the
    # answer was lost on the way back) is recognised and saved once.
    initial = {"client_token": uuid.uuid4(), "date": timezone.localdate()}
    if request.method == "GET":
        initial["themes"] = list(mission.themes.values_list("theme", flat=True))
    form = SessionLogForm(data=request.POST or None, initial=initial)
    expense_form = ExpenseForm(
        data=request.POST or None, files=request.FILES or None, prefix="frais", optional=True
    )
    if request.method == "POST" and all([form.is_valid(), expense_form.is_valid()]):
        logged = _log(request, mission, form, expense_form)
        if logged is not None:
            session, created = logged
            url = reverse("activities:session_logged", args=[session.pk])
            return redirect(url if created else url + "?deja=1")
    return render(
        request,
        "activities/delivery/session_form.html",
        {"mission": mission, "form": form, "expense_form": expense_form, "logging": True},
    )


@login_required
@require_GET
def session_logged(request, pk: int):
    """The confirmation, in plain words. Its page carries the session's client_token: the
    phone's script knows by it that the session it sent is saved."""
    session = _own_session(request, pk, Session.objects.select_related("mission"))
    return render(
        request,
        "activities/delivery/logged.html",
        {"session": session, "already": request.GET.get("deja") == "1"},
    )


# --- the entrepreneur's sessions ------------------------------------------------------


@login_required
@require_GET
def my_sessions(request):
    require_perm(request.user, "activities.log_session")
    sessions = (
        Session.objects.visible_to(request.user)
        .select_related("mission__client")
        .with_people_reached()
        .prefetch_related(Prefetch("expenses", queryset=Expense.objects.order_by("pk")))
        .order_by("-date", "-start_time", "-pk")
    )
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    for session in page:
        session.duration_label = _duration_label(session.duration_minutes)
    return render(request, "activities/delivery/my_sessions.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, pk: int):
    """Correct a session not yet validated; it goes back to the coordinator."""
    session = _own_session(
        request,
        pk,
        Session.objects.select_related("mission__client").prefetch_related("audiences", "themes"),
    )
    if session.is_locked:
        messages.error(request, _("Cette séance est validée : elle ne se modifie plus."))
        return redirect("activities:my_sessions")
    form = SessionForm(data=request.POST or None, initial=SessionForm.initial_for(session))
    if form.is_valid():
        try:
            services.session_correct(actor=request.user, session=session, **form.session_fields())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("La séance est corrigée. Votre chargé·e d'accompagnement va la valider."),
            )
            return redirect("activities:my_sessions")
    return render(
        request,
        "activities/delivery/session_form.html",
        {"mission": session.mission, "session": session, "form": form, "logging": False},
    )


@login_required
@require_http_methods(["GET", "POST"])
def expense_add(request, pk: int):
    session = _own_session(request, pk, Session.objects.select_related("mission"))
    if session.is_locked:
        messages.error(request, _("Cette séance est validée : on n'y ajoute plus de frais."))
        return redirect("activities:my_sessions")
    form = ExpenseForm(data=request.POST or None, files=request.FILES or None)
    if form.is_valid():
        try:
            services.expense_add(actor=request.user, session=session, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Le frais est noté. Votre chargé·e d'accompagnement va le valider."),
            )
            return redirect("activities:my_sessions")
    return render(
        request, "activities/delivery/expense_form.html", {"session": session, "form": form}
    )


@login_required
@require_GET
def receipt_download(request, pk: int):
    """The receipt, to those who may see the expense; to anyone else the id is unknown."""
    expense = get_object_or_404(Expense.objects.visible_to(request.user).exclude(receipt=""), pk=pk)
    try:
        handle = expense.receipt.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404 from missing
    content_type = expense.receipt_content_type or "application/octet-stream"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"justificatif-{expense.pk}{RECEIPT_SUFFIXES.get(content_type, '')}",
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("seance/", session_log_start, name="session_log_start"),
    path("missions/<int:mission_pk>/seance/", session_log, name="session_log"),
    path("mes-seances/", my_sessions, name="my_sessions"),
    path("mes-seances/<int:pk>/notee/", session_logged, name="session_logged"),
    path("mes-seances/<int:pk>/corriger/", session_edit, name="session_edit"),
    path("mes-seances/<int:pk>/frais/", expense_add, name="expense_add"),
    path("frais/<int:pk>/justificatif/", receipt_download, name="receipt_download"),
]
