"""The coordinators' review of delivered sessions: the filtered list with its totals, a
session's page where it is validated or sent back with its expenses, and the week's
calendar of sessions."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities import services
from activities.enums import ExpenseStatus, SessionStatus
from activities.filters_sessions import SessionFilter, department_label, session_totals
from activities.forms_review import ExpenseReviewForm, SessionReturnForm, WeekForm
from activities.models import Expense, Session, SessionAudience, SessionTheme
from members.views.common import apply_validation_error, folded_filters, require_perm

SESSIONS_PER_PAGE = 50


def duration_label(minutes: int) -> str:
    """90 → "1 h 30", 120 → "2 h", 45 → "45 min", 75,000 → "1 250 h"."""
    hours, rest = divmod(minutes or 0, 60)
    if not hours:
        return _("%(minutes)s min") % {"minutes": rest}
    hours_text = number_format(hours, force_grouping=True)
    if not rest:
        return _("%(hours)s h") % {"hours": hours_text}
    return _("%(hours)s h %(minutes)02d") % {"hours": hours_text, "minutes": rest}


def _with_details(sessions):
    """What a session's row or page shows, in one query per kind of record."""
    return sessions.select_related(
        "entrepreneur", "mission__client", "reviewed_by"
    ).prefetch_related(
        Prefetch("audiences", queryset=SessionAudience.objects.order_by("kind")),
        Prefetch("themes", queryset=SessionTheme.objects.order_by("theme")),
    )


def _describe(session: Session) -> Session:
    """Labels computed from the prefetched records (never a query)."""
    session.duration_label = duration_label(session.duration_minutes)
    session.people_reached = sum(audience.count for audience in session.audiences.all())
    session.department_label = department_label(session.department)
    return session


# --- the list -------------------------------------------------------------------------


def _filter_data(request):
    """The filters as typed. A coordinator first sees the sessions waiting for them;
    "Toutes" (status empty) shows every state."""
    data = request.GET.copy()
    if "status" not in data and request.user.has_perm("activities.review_sessions"):
        data["status"] = SessionStatus.LOGGED
    return data


@login_required
@require_GET
def session_list(request):
    require_perm(request.user, "activities.view_sessions")
    data = _filter_data(request)
    filterset = SessionFilter(data, user=request.user)
    valid = filterset.is_valid()
    sessions = filterset.qs if valid else Session.objects.none()
    rows = _with_details(sessions).prefetch_related(
        Prefetch(
            "expenses",
            queryset=Expense.objects.filter(status=ExpenseStatus.PENDING).order_by("pk"),
            to_attr="pending_expenses",
        )
    )
    page = Paginator(rows, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    for session in page:
        _describe(session)
        session.pending_amount = sum(expense.amount for expense in session.pending_expenses)
    totals = session_totals(sessions) if valid else None
    return render(
        request,
        "activities/review/session_list.html",
        {
            "form": filterset.form,
            "filters_valid": valid,
            "status": data.get("status", ""),
            **folded_filters(filterset, data, shown={"status"}),
            "page": page,
            "totals": totals,
            "total_duration": duration_label(totals.minutes) if totals else "",
            "can_review": request.user.has_perm("activities.review_sessions"),
            "can_see_missions": request.user.has_perm("activities.view_missions"),
        },
    )


# --- one session ----------------------------------------------------------------------


def _get_session(request, pk: int, sessions=None) -> Session:
    sessions = Session.objects if sessions is None else sessions
    return get_object_or_404(sessions.visible_to(request.user), pk=pk)


def _render_detail(request, session: Session, expense_forms: dict | None = None, status=200):
    """The session's page. `expense_forms`: a posted expense form to show with its errors."""
    user = request.user
    can_review = user.has_perm("activities.review_sessions")
    expense_forms = expense_forms or {}
    expenses = list(session.expenses.all())
    for expense in expenses:
        expense.review_form = expense_forms.get(expense.pk) or (
            ExpenseReviewForm(prefix=f"frais-{expense.pk}")
            if can_review and expense.status == ExpenseStatus.PENDING
            else None
        )
    is_own = session.entrepreneur.user_id == user.pk
    return render(
        request,
        "activities/review/session_detail.html",
        {
            "session": _describe(session),
            "reviewer": (
                (session.reviewed_by.get_full_name() or session.reviewed_by.email)
                if session.reviewed_by
                else ""
            ),
            "expenses": expenses,
            "can_review": can_review,
            "is_own": is_own,
            "can_see_missions": user.has_perm("activities.view_missions"),
            "can_see_members": user.has_perm("members.view_members"),
            "can_see_list": user.has_perm("activities.view_sessions"),
        },
        status=status,
    )


@login_required
@require_GET
def session_detail(request, pk: int):
    # Readers see every session; the entrepreneur who logged it sees it too (read only).
    require_perm(request.user, "activities.view_sessions", "activities.log_session")
    session = _get_session(
        request,
        pk,
        _with_details(Session.objects).prefetch_related(
            Prefetch("expenses", queryset=Expense.objects.order_by("pk"))
        ),
    )
    return _render_detail(request, session)


@login_required
@require_POST
def session_validate(request, pk: int):
    require_perm(request.user, "activities.review_sessions")
    session = _get_session(request, pk)
    try:
        services.session_validate(actor=request.user, session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("La séance est validée : elle est verrouillée et pourra être facturée."),
        )
    return redirect("activities:session_detail", pk=session.pk)


@login_required
@require_http_methods(["GET", "POST"])
def session_return(request, pk: int):
    require_perm(request.user, "activities.review_sessions")
    session = _get_session(request, pk, Session.objects.select_related("entrepreneur", "mission"))
    form = SessionReturnForm(data=request.POST or None)
    if form.is_valid():
        try:
            services.session_return(
                actor=request.user, session=session, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("La séance est renvoyée à %(name)s pour correction.")
                % {"name": session.entrepreneur.full_name},
            )
            return redirect("activities:session_detail", pk=session.pk)
    return render(
        request,
        "activities/review/session_return.html",
        {"session": session, "form": form, "duration": duration_label(session.duration_minutes)},
    )


@login_required
@require_POST
def expense_review(request, pk: int):
    require_perm(request.user, "activities.review_sessions")
    expense = get_object_or_404(Expense.objects.visible_to(request.user), pk=pk)
    form = ExpenseReviewForm(data=request.POST, prefix=f"frais-{expense.pk}")
    if form.is_valid():
        status = ExpenseStatus(form.cleaned_data["decision"])
        try:
            services.expense_review(
                actor=request.user,
                expense=expense,
                status=status,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if status == ExpenseStatus.VALIDATED:
                messages.success(request, _("Le frais est validé."))
            else:
                messages.success(request, _("Le frais est renvoyé avec votre motif."))
            return redirect("activities:session_detail", pk=expense.session_id)
    # The session's page again, with this expense's form showing what was typed.
    session = get_object_or_404(
        _with_details(Session.objects.visible_to(request.user)).prefetch_related(
            Prefetch("expenses", queryset=Expense.objects.order_by("pk"))
        ),
        pk=expense.session_id,
    )
    return _render_detail(request, session, {expense.pk: form})


# --- the week -------------------------------------------------------------------------


@login_required
@require_GET
def week(request):
    """The sessions delivered in one week, Monday to Sunday, day by day."""
    require_perm(request.user, "activities.review_sessions", "activities.view_missions")
    today = timezone.localdate()
    form = WeekForm(data=request.GET or None)
    monday = form.monday(today)
    sunday = monday + datetime.timedelta(days=6)
    mine = request.GET.get("mine") == "1" and request.user.has_perm("activities.review_sessions")
    sessions = (
        Session.objects.visible_to(request.user)
        .filter(date__range=(monday, sunday))
        .select_related("entrepreneur", "mission__client")
        .order_by("date", "start_time", "pk")
    )
    if mine:
        # The people this coordinator follows.
        sessions = sessions.filter(entrepreneur__coordinator=request.user)
    by_day: dict[datetime.date, list[Session]] = {
        monday + datetime.timedelta(days=offset): [] for offset in range(7)
    }
    for session in sessions:
        session.duration_label = duration_label(session.duration_minutes)
        by_day[session.date].append(session)
    return render(
        request,
        "activities/calendar/week.html",
        {
            "form": form,
            "monday": monday,
            "sunday": sunday,
            "days": [{"date": day, "sessions": items} for day, items in by_day.items()],
            "today": today,
            "is_this_week": monday <= today <= sunday,
            "previous_monday": monday - datetime.timedelta(days=7),
            "next_monday": monday + datetime.timedelta(days=7),
            "mine": mine,
            "can_filter_mine": request.user.has_perm("activities.review_sessions"),
            "session_count": sum(len(items) for items in by_day.values()),
        },
    )


urlpatterns = [
    path("seances/", session_list, name="session_list"),
    path("seances/<int:pk>/", session_detail, name="session_detail"),
    path("seances/<int:pk>/valider/", session_validate, name="session_validate"),
    path("seances/<int:pk>/renvoyer/", session_return, name="session_return"),
    path("frais/<int:pk>/traiter/", expense_review, name="expense_review"),
    path("semaine/", week, name="week"),
]
