"""The collectives' pages: the list and each collective (members, charter, the funder's
figures), a member's page (membership history, signatures, attendance, jobs), joining,
leaving and coming back, the charter's versions and signatures, and "Mes collectifs" for
a person with an account. The Clubhouse daily life has its pages in
coop.views.collectives_daily, which builds on the helpers here.

Coordinators, the peer-support lead and administrators (reading) reach the managers'
pages; a person reaches only their own memberships, through "Mes collectifs"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coop import collectives as services
from coop.forms_collectives import (
    CharterForm,
    CollectiveForm,
    ComeBackForm,
    LeaveForm,
    MemberSearchForm,
    PeriodForm,
    PersonForm,
    PersonJoinForm,
    SignatureRecordForm,
)
from coop.models import (
    Charter,
    CharterAcceptance,
    Collective,
    CollectivePerson,
    DailyAttendance,
    DailyTask,
    Job,
    MembershipEvent,
    ReachOut,
)
from coop.models.clubhouse import clubhouse_figures, hosts_daily_life
from members.views.common import apply_validation_error, require_perm

MEMBERS_PER_PAGE = 50
SIGNATURES_PER_PAGE = 50
# On a member's page: their latest days at the collective, with the tasks they took.
RECENT_DAYS = 20
RECENT_REACH_OUTS = 5

TEMPLATES = "coop/collectives/"


def _fr(day) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def get_collective(request, pk: int, *, manage: bool = False, queryset=None) -> Collective:
    """A collective the user may see (404 otherwise); `manage` also asks that they may
    change it (403 otherwise: administrators read, the peer-support lead does not run the
    cooperative itself)."""
    require_perm(request.user, "coop.view_collectives")
    queryset = Collective.objects if queryset is None else queryset
    collective = get_object_or_404(queryset.visible_to(request.user), pk=pk)
    if manage and not request.user.has_perm("coop.manage_collective", collective):
        raise PermissionDenied
    return collective


def get_person(request, pk: int, *, manage: bool = False, queryset=None) -> CollectivePerson:
    """A membership, for the managers' pages (see get_collective)."""
    require_perm(request.user, "coop.view_collectives")
    queryset = CollectivePerson.objects if queryset is None else queryset
    person = get_object_or_404(
        queryset.visible_to(request.user).select_related("collective"), pk=pk
    )
    if manage and not request.user.has_perm("coop.manage_collective", person.collective):
        raise PermissionDenied
    return person


COOPERATIVE_EXIT = _lazy(
    "On quitte la coopérative en sortant du registre des associé·es (ses parts sociales sont "
    "remboursées) : adressez-vous à l'équipe."
)


def _membership_open_here(collective: Collective) -> bool:
    """Joining and leaving from these pages is for peer-help collectives; the cooperative's
    own membership follows the register of associates."""
    return hosts_daily_life(collective)


def render_form(request, form, *, title, submit, back_url, lead="", template="form.html"):
    return render(
        request,
        TEMPLATES + template,
        {"form": form, "title": title, "submit": submit, "back_url": back_url, "lead": lead},
    )


# --- collectives ------------------------------------------------------------------------


@login_required
@require_GET
def collective_list(request):
    require_perm(request.user, "coop.view_collectives")
    collectives = (
        Collective.objects.visible_to(request.user)
        .select_related("programme")
        .annotate(
            member_count=Count("people", filter=Q(people__left_on__isnull=True)),
            charter_version=Subquery(
                Charter.objects.filter(
                    collective=OuterRef("pk"), effective_on__lte=timezone.localdate()
                )
                .order_by("-version")
                .values("version")[:1]
            ),
        )
        .order_by("kind", "name")
    )
    return render(
        request,
        TEMPLATES + "list.html",
        {
            "collectives": collectives,
            "can_create": request.user.has_perm("coop.manage_collectives"),
        },
    )


def _collective_form_page(request, form, collective: Collective | None):
    if form.is_valid():
        try:
            saved = services.collective_save(actor=request.user, collective=form.instance)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("Le collectif « %(name)s » est enregistré.") % {"name": saved.name}
            )
            return redirect("coop:collective_detail", pk=saved.pk)
    if collective is None:
        title, back = _("Nouveau collectif"), "coop:collective_list"
        back_url = redirect(back).url
    else:
        title = _("Modifier le collectif")
        back_url = redirect("coop:collective_detail", pk=collective.pk).url
    return render_form(request, form, title=title, submit=_("Enregistrer"), back_url=back_url)


@login_required
@require_http_methods(["GET", "POST"])
def collective_create(request):
    require_perm(request.user, "coop.manage_collectives")
    form = CollectiveForm(data=request.POST or None, user=request.user)
    return _collective_form_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def collective_edit(request, pk: int):
    collective = get_collective(request, pk, manage=True)
    form = CollectiveForm(data=request.POST or None, instance=collective, user=request.user)
    return _collective_form_page(request, form, collective)


@login_required
@require_GET
def collective_detail(request, pk: int):
    collective = get_collective(
        request, pk, queryset=Collective.objects.select_related("programme")
    )
    daily_life = hosts_daily_life(collective)
    search = MemberSearchForm(request.GET)
    people = search.filter(CollectivePerson.objects.filter(collective=collective))
    if daily_life:
        last_seen = DailyAttendance.objects.filter(person=OuterRef("pk")).order_by("-day")
        people = people.annotate(last_seen=Subquery(last_seen.values("day")[:1]))
    page = Paginator(people, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    charter = services.charter_in_force(collective)
    asked = "du" in request.GET or "au" in request.GET
    period_form = PeriodForm(request.GET if asked else None, initial=PeriodForm.default_initial())
    figures = None
    if daily_life and (not asked or period_form.is_valid()):
        period = period_form.period() if asked else PeriodForm.default_period()
        figures = clubhouse_figures(collective, *period)
    return render(
        request,
        TEMPLATES + "detail.html",
        {
            "collective": collective,
            "daily_life": daily_life,
            "search": search,
            "left_view": search.is_valid() and search.cleaned_data["vue"] == "partis",
            "page": page,
            "charter": charter,
            "unsigned_count": (
                services.people_without_signature(charter).count() if charter else 0
            ),
            "period_form": period_form,
            "figures": figures,
            "can_manage": request.user.has_perm("coop.manage_collective", collective),
        },
    )


# --- membership -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def person_join(request, pk: int):
    collective = get_collective(request, pk, manage=True)
    form = PersonJoinForm(data=request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            person = services.person_join(
                actor=request.user,
                collective=collective,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                phone=data["phone"],
                joined_on=data["joined_on"],
                user=data["account_email"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "user" in error.error_dict:
                error.error_dict["account_email"] = error.error_dict.pop("user")
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s est membre du collectif depuis le %(date)s.")
                % {"name": person, "date": _fr(person.joined_on)},
            )
            return redirect("coop:person_detail", pk=person.pk)
    return render_form(
        request,
        form,
        title=_("Nouveau membre de %(name)s") % {"name": collective.name},
        lead=_("Tout le monde peut entrer, sans orientation préalable et sans limite de durée."),
        submit=_("Ajouter au collectif"),
        back_url=redirect("coop:collective_detail", pk=collective.pk).url,
    )


def _history(person: CollectivePerson):
    """The memberships of the person in this collective and their dated steps."""
    lineage = list(services.membership_lineage(person))
    events = (
        MembershipEvent.objects.filter(person__in=lineage)
        .select_related("person", "recorded_by")
        .order_by("on", "created_at", "pk")
    )
    return lineage, events


@login_required
@require_GET
def person_detail(request, pk: int):
    person = get_person(request, pk, queryset=CollectivePerson.objects.select_related("member"))
    lineage, events = _history(person)
    collective = person.collective
    daily_life = hosts_daily_life(collective)
    charter = services.charter_in_force(collective)
    signatures = (
        CharterAcceptance.objects.filter(person__in=lineage)
        .select_related("charter", "recorded_by", "person")
        .order_by("-accepted_on", "-pk")
    )
    context = {
        "person": person,
        "collective": collective,
        "daily_life": daily_life,
        "lineage": lineage,
        "latest": lineage[-1],
        "events": events,
        "charter": charter,
        "signed_in_force": charter is not None
        and CharterAcceptance.objects.filter(charter=charter, person=person).exists(),
        "signatures": signatures,
        "can_manage": request.user.has_perm("coop.manage_collective", collective),
    }
    if daily_life:
        attendances = DailyAttendance.objects.filter(person__in=lineage)
        today = timezone.localdate()
        context.update(
            attendance_counts=attendances.aggregate(
                total=Count("pk"),
                last_30=Count("pk", filter=Q(day__gt=today - timezone.timedelta(days=30))),
                last_365=Count("pk", filter=Q(day__gt=today - timezone.timedelta(days=365))),
            ),
            recent_tasks=_recent_days(attendances),
            jobs=Job.objects.filter(person__in=lineage).order_by("-starts_on", "-pk"),
            reach_outs=ReachOut.objects.filter(person__in=lineage).select_related("recorded_by")[
                :RECENT_REACH_OUTS
            ],
        )
    return render(request, TEMPLATES + "person_detail.html", context)


def _recent_days(attendances) -> list[dict]:
    """The person's latest days at the collective, each with the tasks taken. Two
    queries."""
    days = list(attendances.order_by("-day")[:RECENT_DAYS])
    tasks = DailyTask.objects.filter(attendance__in=days).select_related("work_unit")
    by_attendance: dict[int, list[DailyTask]] = {}
    for task in tasks.order_by("created_at", "pk"):
        by_attendance.setdefault(task.attendance_id, []).append(task)
    return [{"day": day.day, "tasks": by_attendance.get(day.pk, [])} for day in days]


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    person = get_person(request, pk, manage=True)
    form = PersonForm(data=request.POST or None, instance=person)
    if form.is_valid():
        try:
            services.person_save(actor=request.user, person=form.instance)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La fiche de %(name)s est enregistrée.") % {"name": person})
            return redirect("coop:person_detail", pk=person.pk)
    return render_form(
        request,
        form,
        title=_("Modifier la fiche"),
        submit=_("Enregistrer"),
        back_url=redirect("coop:person_detail", pk=person.pk).url,
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_leave(request, pk: int):
    person = get_person(request, pk, manage=True)
    if not _membership_open_here(person.collective):
        messages.error(request, COOPERATIVE_EXIT)
        return redirect("coop:person_detail", pk=person.pk)
    if person.left_on is not None:
        messages.error(
            request,
            _("%(name)s a quitté le collectif le %(date)s.")
            % {"name": person, "date": _fr(person.left_on)},
        )
        return redirect("coop:person_detail", pk=person.pk)
    form = LeaveForm(data=request.POST or None)
    if form.is_valid():
        try:
            services.person_leave(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Le départ de %(name)s est noté. Son retour sera possible à tout moment.")
                % {"name": person},
            )
            return redirect("coop:person_detail", pk=person.pk)
    return render_form(
        request,
        form,
        title=_("Noter le départ de %(name)s") % {"name": person},
        lead=_(
            "Partir est la décision de la personne. Un membre qui ne vient plus reste membre : "
            "notez un départ seulement quand la personne l'a demandé."
        ),
        submit=_("Noter le départ"),
        back_url=redirect("coop:person_detail", pk=person.pk).url,
    )


@login_required
@require_POST
def person_come_back(request, pk: int):
    person = get_person(request, pk, manage=True)
    if not _membership_open_here(person.collective):
        messages.error(request, COOPERATIVE_EXIT)
        return redirect("coop:person_detail", pk=person.pk)
    form = ComeBackForm(data=request.POST)
    if form.is_valid():
        try:
            returned = services.person_come_back(
                actor=request.user, person=person, on=form.cleaned_data["on"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(name)s est de nouveau membre du collectif depuis le %(date)s.")
                % {"name": returned, "date": _fr(returned.joined_on)},
            )
            return redirect("coop:person_detail", pk=returned.pk)
    else:
        messages.error(request, " ".join(form.errors["on"]))
    return redirect("coop:person_detail", pk=person.pk)


# --- charter ----------------------------------------------------------------------------


@login_required
@require_GET
def charter_list(request, pk: int):
    collective = get_collective(request, pk)
    in_force = services.charter_in_force(collective)
    versions = Charter.objects.filter(collective=collective).annotate(
        signature_count=Count("acceptances")
    )
    return render(
        request,
        TEMPLATES + "charter_list.html",
        {
            "collective": collective,
            "daily_life": hosts_daily_life(collective),
            "versions": versions.order_by("-version"),
            "in_force": in_force,
            "can_manage": request.user.has_perm("coop.manage_collective", collective),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def charter_create(request, pk: int):
    collective = get_collective(request, pk, manage=True)
    in_force = services.charter_in_force(collective)
    initial = {"effective_on": timezone.localdate(), "text": in_force.text if in_force else ""}
    form = CharterForm(data=request.POST or None, initial=initial)
    if form.is_valid():
        try:
            charter = services.charter_publish(
                actor=request.user, collective=collective, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "La version %(version)s de la charte est enregistrée ; chaque membre sera "
                    "invité·e à la signer à partir du %(date)s."
                )
                % {"version": charter.version, "date": _fr(charter.effective_on)},
            )
            return redirect("coop:charter_detail", pk=charter.pk)
    return render_form(
        request,
        form,
        title=_("Nouvelle version de la charte de %(name)s") % {"name": collective.name},
        lead=_("Le texte de la version en vigueur est repris : modifiez-le."),
        submit=_("Enregistrer la nouvelle version"),
        back_url=redirect("coop:charter_list", pk=collective.pk).url,
    )


def _charter_context(request, charter: Charter, sign_form=None) -> dict:
    collective = charter.collective
    in_force = services.charter_in_force(collective)
    is_in_force = in_force is not None and in_force.pk == charter.pk
    can_manage = request.user.has_perm("coop.manage_collective", collective)
    unsigned = services.people_without_signature(charter) if is_in_force else None
    if sign_form is None and can_manage and is_in_force:
        sign_form = SignatureRecordForm(unsigned=unsigned)
    signatures = (
        CharterAcceptance.objects.filter(charter=charter)
        .select_related("person", "recorded_by")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    return {
        "charter": charter,
        "collective": collective,
        "is_in_force": is_in_force,
        "page": Paginator(signatures, SIGNATURES_PER_PAGE).get_page(request.GET.get("page")),
        "unsigned": (
            list(unsigned.order_by("last_name", "first_name", "pk")) if unsigned is not None else []
        ),
        "sign_form": sign_form,
        "can_manage": can_manage,
    }


def _get_charter(request, pk: int) -> Charter:
    require_perm(request.user, "coop.view_collectives")
    return get_object_or_404(
        Charter.objects.filter(
            collective__in=Collective.objects.visible_to(request.user)
        ).select_related("collective"),
        pk=pk,
    )


@login_required
@require_GET
def charter_detail(request, pk: int):
    charter = _get_charter(request, pk)
    return render(request, TEMPLATES + "charter_detail.html", _charter_context(request, charter))


@login_required
@require_POST
def charter_sign_record(request, pk: int):
    charter = _get_charter(request, pk)
    if not request.user.has_perm("coop.manage_collective", charter.collective):
        raise PermissionDenied
    in_force = services.charter_in_force(charter.collective)
    if in_force is None or in_force.pk != charter.pk:
        messages.error(request, _("Seule la version en vigueur de la charte se signe."))
        return redirect("coop:charter_detail", pk=charter.pk)
    form = SignatureRecordForm(
        data=request.POST, unsigned=services.people_without_signature(charter)
    )
    if form.is_valid():
        person = form.cleaned_data["person"]
        try:
            services.charter_sign(
                actor=request.user, charter=charter, person=person, on=form.cleaned_data["on"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("La signature de %(name)s est notée.") % {"name": person},
            )
            return redirect("coop:charter_detail", pk=charter.pk)
    return render(
        request,
        TEMPLATES + "charter_detail.html",
        _charter_context(request, charter, sign_form=form),
    )


# --- "Mes collectifs" -------------------------------------------------------------------


def _own_memberships(request):
    """The person's own memberships: their account's only, whatever their role."""
    require_perm(request.user, "coop.view_own_collectives")
    return CollectivePerson.objects.visible_to(request.user).filter(user=request.user)


def _get_own(request, pk: int) -> CollectivePerson:
    return get_object_or_404(_own_memberships(request).select_related("collective"), pk=pk)


@login_required
@require_GET
def my_collectives(request):
    in_force = services.charter_in_force_id("collective_id")
    memberships = (
        _own_memberships(request)
        .select_related("collective")
        .annotate(
            charter_id=in_force,
            signed=Exists(
                CharterAcceptance.objects.filter(
                    person=OuterRef("pk"), charter_id=OuterRef("charter_id")
                )
            ),
            followed=Exists(MembershipEvent.objects.filter(previous=OuterRef("pk"))),
        )
        .order_by("collective__name", "-joined_on", "-pk")
    )
    for membership in memberships:
        membership.can_leave = _membership_open_here(membership.collective)
    current = [membership for membership in memberships if membership.left_on is None]
    # A left membership that no return followed: the person may come back from it.
    past = [m for m in memberships if m.left_on is not None and not m.followed and m.can_leave]
    current_collectives = {membership.collective_id for membership in current}
    return render(
        request,
        TEMPLATES + "my_collectives.html",
        {
            "current": current,
            "past": [m for m in past if m.collective_id not in current_collectives],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_charter(request, pk: int):
    """Read the charter in force, and sign it."""
    person = _get_own(request, pk)
    charter = services.charter_in_force(person.collective)
    signature = (
        CharterAcceptance.objects.filter(charter=charter, person=person).first()
        if charter
        else None
    )
    if request.method == "POST":
        if charter is None or person.left_on is not None:
            messages.error(request, _("Il n'y a pas de charte à signer."))
            return redirect("coop:my_collectives")
        if signature is not None:
            messages.info(request, _("Vous avez déjà signé cette charte."))
            return redirect("coop:my_collectives")
        try:
            services.charter_sign(actor=request.user, charter=charter, person=person)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Merci : vous avez signé la charte."))
            return redirect("coop:my_collectives")
    return render(
        request,
        TEMPLATES + "my_charter.html",
        {"person": person, "charter": charter, "signature": signature},
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_leave(request, pk: int):
    person = _get_own(request, pk)
    if not _membership_open_here(person.collective):
        messages.error(request, COOPERATIVE_EXIT)
        return redirect("coop:my_collectives")
    if person.left_on is not None:
        messages.error(request, _("Vous avez déjà quitté ce collectif."))
        return redirect("coop:my_collectives")
    if request.method == "POST":
        try:
            services.person_leave(actor=request.user, person=person, on=timezone.localdate())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Vous avez quitté « %(name)s ». Vous pouvez revenir quand vous voulez.")
                % {"name": person.collective.name},
            )
            return redirect("coop:my_collectives")
    return render(request, TEMPLATES + "my_leave.html", {"person": person})


@login_required
@require_POST
def my_come_back(request, pk: int):
    person = _get_own(request, pk)
    if not _membership_open_here(person.collective):
        messages.error(request, COOPERATIVE_EXIT)
        return redirect("coop:my_collectives")
    try:
        services.person_come_back(actor=request.user, person=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Bon retour dans « %(name)s » !") % {"name": person.collective.name},
        )
    return redirect("coop:my_collectives")


urlpatterns = [
    path("collectifs/", collective_list, name="collective_list"),
    path("collectifs/nouveau/", collective_create, name="collective_create"),
    path("collectifs/<int:pk>/", collective_detail, name="collective_detail"),
    path("collectifs/<int:pk>/modifier/", collective_edit, name="collective_edit"),
    path("collectifs/<int:pk>/membres/nouveau/", person_join, name="person_join"),
    path("collectifs/<int:pk>/charte/", charter_list, name="charter_list"),
    path("collectifs/<int:pk>/charte/nouvelle/", charter_create, name="charter_create"),
    path("collectifs/chartes/<int:pk>/", charter_detail, name="charter_detail"),
    path("collectifs/chartes/<int:pk>/signature/", charter_sign_record, name="charter_sign_record"),
    path("collectifs/membres/<int:pk>/", person_detail, name="person_detail"),
    path("collectifs/membres/<int:pk>/modifier/", person_edit, name="person_edit"),
    path("collectifs/membres/<int:pk>/depart/", person_leave, name="person_leave"),
    path("collectifs/membres/<int:pk>/retour/", person_come_back, name="person_come_back"),
    path("mes-collectifs/", my_collectives, name="my_collectives"),
    path("mes-collectifs/<int:pk>/charte/", my_charter, name="my_charter"),
    path("mes-collectifs/<int:pk>/quitter/", my_leave, name="my_leave"),
    path("mes-collectifs/<int:pk>/revenir/", my_come_back, name="my_come_back"),
]
