"""The daily life of a peer-help collective (Clubhouse model), for its managers: the day
page (who came, from a phone, and the tasks each member took), the reach-out list of
members not seen for a while, members' jobs and the work units. The cooperative itself
has no daily life here: its ids answer 404 on these pages."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coop import collectives as services
from coop.forms_collectives import (
    REACH_OUT_DEFAULT_DAYS,
    AttendanceDayForm,
    DayForm,
    JobFilterForm,
    JobForm,
    ReachOutFilterForm,
    ReachOutForm,
    TaskForm,
    WorkUnitForm,
)
from coop.models import (
    Collective,
    CollectivePerson,
    DailyAttendance,
    DailyTask,
    Job,
    WorkUnit,
)
from coop.models.clubhouse import hosts_daily_life, memberships_on
from coop.views.collectives import TEMPLATES, get_collective, get_person, render_form
from members.views.common import apply_validation_error, require_perm

REACH_OUT_PER_PAGE = 50
JOBS_PER_PAGE = 50
ONE_DAY = datetime.timedelta(days=1)


def _daily_collective(request, pk: int, *, manage: bool = False) -> Collective:
    collective = get_collective(request, pk, manage=manage)
    if not hosts_daily_life(collective):
        raise Http404
    return collective


def _daily_person(request, pk: int, *, manage: bool = False) -> CollectivePerson:
    person = get_person(request, pk, manage=manage)
    if not hosts_daily_life(person.collective):
        raise Http404
    return person


def _day_url(collective: Collective, day: datetime.date) -> str:
    return reverse("coop:collective_day", args=[collective.pk]) + "?" + urlencode({"jour": day})


# --- the day page -----------------------------------------------------------------------


def _day_context(request, collective, day, *, day_form, attendance_form=None, task_form=None):
    can_manage = request.user.has_perm("coop.manage_collective", collective)
    members = memberships_on(collective, day).order_by("last_name", "first_name", "pk")
    present = CollectivePerson.objects.filter(collective=collective, attendances__day=day).order_by(
        "last_name", "first_name", "pk"
    )
    if attendance_form is None:
        attendance_form = AttendanceDayForm(
            members=members, initial={"present": [person.pk for person in present]}
        )
    work_units = WorkUnit.objects.filter(collective=collective).active().order_by("name")
    if task_form is None:
        task_form = TaskForm(present=present, work_units=work_units)
    tasks = (
        DailyTask.objects.filter(attendance__person__collective=collective, attendance__day=day)
        .select_related("attendance__person", "work_unit")
        .order_by("work_unit__name", "attendance__person__last_name", "pk")
    )
    return {
        "collective": collective,
        "day": day,
        "long_day": date_format(day, "l j F Y"),
        "previous_day": day - ONE_DAY,
        "next_day": day + ONE_DAY if day < timezone.localdate() else None,
        "day_form": day_form,
        "attendance_form": attendance_form,
        "present_count": len(present),
        "task_form": task_form,
        "tasks": tasks,
        "has_work_units": work_units.exists(),
        "can_manage": can_manage,
    }


@login_required
@require_http_methods(["GET", "POST"])
def collective_day(request, pk: int):
    """Who came on a day: a checklist of the members that day, quick to tick on a phone."""
    collective = _daily_collective(request, pk)
    # Unbound without a day asked for: the picker shows today.
    day_form = DayForm(
        request.GET if "jour" in request.GET else None, initial={"jour": timezone.localdate()}
    )
    day = day_form.day()
    if request.method == "POST":
        if not request.user.has_perm("coop.manage_collective", collective):
            raise PermissionDenied
        if day_form.is_bound and not day_form.is_valid():
            messages.error(request, " ".join(day_form.errors["jour"]))
            return redirect("coop:collective_day", pk=collective.pk)
        members = memberships_on(collective, day).order_by("last_name", "first_name", "pk")
        form = AttendanceDayForm(data=request.POST, members=members)
        if form.is_valid():
            try:
                added, removed = services.attendance_record(
                    actor=request.user,
                    collective=collective,
                    day=day,
                    present=[person.pk for person in form.cleaned_data["present"]],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    _("Présences du %(date)s enregistrées : %(added)s, %(removed)s.")
                    % {
                        "date": date_format(day, "SHORT_DATE_FORMAT"),
                        "added": ngettext("%(n)d ajoutée", "%(n)d ajoutées", added) % {"n": added},
                        "removed": ngettext("%(n)d retirée", "%(n)d retirées", removed)
                        % {"n": removed},
                    },
                )
                return redirect(_day_url(collective, day))
        context = _day_context(request, collective, day, day_form=day_form, attendance_form=form)
        return render(request, TEMPLATES + "day.html", context)
    return render(
        request, TEMPLATES + "day.html", _day_context(request, collective, day, day_form=day_form)
    )


@login_required
@require_POST
def task_add(request, pk: int):
    collective = _daily_collective(request, pk, manage=True)
    day_form = DayForm(request.POST)
    if not day_form.is_valid() or not day_form.cleaned_data["jour"]:
        messages.error(request, _("Le jour de la tâche manque : recommencez depuis la journée."))
        return redirect("coop:collective_day", pk=collective.pk)
    day = day_form.cleaned_data["jour"]
    present = CollectivePerson.objects.filter(collective=collective, attendances__day=day)
    work_units = WorkUnit.objects.filter(collective=collective).active()
    form = TaskForm(data=request.POST, present=present, work_units=work_units)
    if form.is_valid():
        attendance = DailyAttendance.objects.get(person=form.cleaned_data["person"], day=day)
        try:
            services.task_add(
                actor=request.user,
                attendance=attendance,
                work_unit=form.cleaned_data["work_unit"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Tâche notée pour %(name)s.") % {"name": form.cleaned_data["person"]},
            )
            return redirect(_day_url(collective, day))
    context = _day_context(request, collective, day, day_form=day_form, task_form=form)
    return render(request, TEMPLATES + "day.html", context)


@login_required
@require_POST
def task_remove(request, pk: int):
    require_perm(request.user, "coop.view_collectives")
    task = get_object_or_404(
        DailyTask.objects.visible_to(request.user).select_related("attendance__person__collective"),
        pk=pk,
    )
    collective = task.attendance.person.collective
    if not request.user.has_perm("coop.manage_collective", collective):
        raise PermissionDenied
    services.task_remove(actor=request.user, task=task)
    messages.success(request, _("La tâche est retirée."))
    return redirect(_day_url(collective, task.attendance.day))


# --- reaching out -----------------------------------------------------------------------


@login_required
@require_GET
def reach_out_list(request, pk: int):
    """Members not seen for a chosen number of days: inactive, not gone."""
    collective = _daily_collective(request, pk)
    filter_form = ReachOutFilterForm(
        request.GET if "jours" in request.GET else None,
        initial={"jours": REACH_OUT_DEFAULT_DAYS},
    )
    days = filter_form.days()
    people = services.reach_out_list(collective, days=days)
    page = Paginator(people, REACH_OUT_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        TEMPLATES + "reach_out.html",
        {
            "collective": collective,
            "filter_form": filter_form,
            "days": days,
            "page": page,
            "can_manage": request.user.has_perm("coop.manage_collective", collective),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reach_out_add(request, pk: int):
    person = _daily_person(request, pk, manage=True)
    form = ReachOutForm(data=request.POST or None)
    if form.is_valid():
        try:
            services.reach_out_record(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("C'est noté : des nouvelles de %(name)s.") % {"name": person}
            )
            return redirect("coop:reach_out_list", pk=person.collective_id)
    return render_form(
        request,
        form,
        title=_("Nouvelles de %(name)s") % {"name": person},
        lead=_("Notez quand le collectif a pris des nouvelles, pour ne pas appeler deux fois."),
        submit=_("Noter"),
        back_url=reverse("coop:reach_out_list", args=[person.collective_id]),
    )


# --- jobs -------------------------------------------------------------------------------


@login_required
@require_GET
def job_list(request, pk: int):
    collective = _daily_collective(request, pk)
    filter_form = JobFilterForm(request.GET)
    jobs = Job.objects.for_collective(collective).select_related("person")
    current = Job.objects.for_collective(collective).current()
    if filter_form.is_valid():
        if filter_form.cleaned_data["vue"] != "tous":
            jobs = jobs.current()
        if filter_form.cleaned_data["kind"]:
            jobs = jobs.filter(kind=filter_form.cleaned_data["kind"])
    else:
        jobs = jobs.none()
    page = Paginator(
        jobs.order_by("-starts_on", "person__last_name", "pk"), JOBS_PER_PAGE
    ).get_page(request.GET.get("page"))
    by_kind = current.jobs_by_kind()
    return render(
        request,
        TEMPLATES + "jobs.html",
        {
            "collective": collective,
            "filter_form": filter_form,
            "page": page,
            "current_by_kind": [
                (label, by_kind[value]) for value, label in Job._meta.get_field("kind").choices
            ],
        },
    )


def _job_form_page(request, form, person: CollectivePerson, *, title):
    if form.is_valid():
        try:
            job = services.job_save(actor=request.user, job=form.instance)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("L'emploi de %(name)s chez %(employer)s est enregistré.")
                % {"name": person, "employer": job.employer},
            )
            return redirect("coop:person_detail", pk=person.pk)
    return render_form(
        request,
        form,
        title=title,
        submit=_("Enregistrer l'emploi"),
        back_url=reverse("coop:person_detail", args=[person.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def job_create(request, pk: int):
    person = _daily_person(request, pk, manage=True)
    form = JobForm(data=request.POST or None, instance=Job(person=person))
    return _job_form_page(request, form, person, title=_("Emploi de %(name)s") % {"name": person})


@login_required
@require_http_methods(["GET", "POST"])
def job_edit(request, pk: int):
    require_perm(request.user, "coop.view_collectives")
    job = get_object_or_404(
        Job.objects.visible_to(request.user).select_related("person__collective"), pk=pk
    )
    if not request.user.has_perm("coop.manage_collective", job.person.collective):
        raise PermissionDenied
    form = JobForm(data=request.POST or None, instance=job)
    return _job_form_page(
        request, form, job.person, title=_("Modifier l'emploi de %(name)s") % {"name": job.person}
    )


# --- work units -------------------------------------------------------------------------


@login_required
@require_GET
def work_unit_list(request, pk: int):
    collective = _daily_collective(request, pk)
    units = (
        WorkUnit.objects.filter(collective=collective)
        .annotate(task_count=Count("tasks"))
        .order_by("-is_active", "name")
    )
    return render(
        request,
        TEMPLATES + "work_units.html",
        {
            "collective": collective,
            "units": units,
            "can_manage": request.user.has_perm("coop.manage_collective", collective),
        },
    )


def _work_unit_form_page(request, form, collective, *, title):
    if form.is_valid():
        try:
            unit = services.work_unit_save(actor=request.user, work_unit=form.instance)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("L'unité « %(name)s » est enregistrée.") % {"name": unit})
            return redirect("coop:work_unit_list", pk=collective.pk)
    return render_form(
        request,
        form,
        title=title,
        submit=_("Enregistrer"),
        back_url=reverse("coop:work_unit_list", args=[collective.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def work_unit_create(request, pk: int):
    collective = _daily_collective(request, pk, manage=True)
    form = WorkUnitForm(
        data=request.POST if request.method == "POST" else None,
        instance=WorkUnit(collective=collective),
    )
    return _work_unit_form_page(request, form, collective, title=_("Nouvelle unité de travail"))


@login_required
@require_http_methods(["GET", "POST"])
def work_unit_edit(request, pk: int):
    require_perm(request.user, "coop.view_collectives")
    unit = get_object_or_404(
        WorkUnit.objects.visible_to(request.user).select_related("collective"), pk=pk
    )
    if not request.user.has_perm("coop.manage_collective", unit.collective):
        raise PermissionDenied
    form = WorkUnitForm(data=request.POST if request.method == "POST" else None, instance=unit)
    return _work_unit_form_page(
        request, form, unit.collective, title=_("Modifier l'unité « %(name)s »") % {"name": unit}
    )


urlpatterns = [
    path("collectifs/<int:pk>/journee/", collective_day, name="collective_day"),
    path("collectifs/<int:pk>/journee/tache/", task_add, name="task_add"),
    path("collectifs/taches/<int:pk>/retirer/", task_remove, name="task_remove"),
    path("collectifs/<int:pk>/a-contacter/", reach_out_list, name="reach_out_list"),
    path("collectifs/membres/<int:pk>/nouvelles/", reach_out_add, name="reach_out_add"),
    path("collectifs/<int:pk>/emplois/", job_list, name="job_list"),
    path("collectifs/membres/<int:pk>/emplois/nouveau/", job_create, name="job_create"),
    path("collectifs/emplois/<int:pk>/modifier/", job_edit, name="job_edit"),
    path("collectifs/<int:pk>/unites/", work_unit_list, name="work_unit_list"),
    path("collectifs/<int:pk>/unites/nouvelle/", work_unit_create, name="work_unit_create"),
    path("collectifs/unites/<int:pk>/modifier/", work_unit_edit, name="work_unit_edit"),
]
