"""The programmes: coordinators set them up (period, territory, thresholds, indicator
set, funders and their contacts, reader accounts, members covered); administrators read
everything; a funder's or researcher's account sees "Mes programmes", the programmes it is
attached to, on pages that name nobody (period, territory, funders, indicators)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities.models import Mission
from coop.models import Programme
from members.models import Appointment, Member, Workshop
from members.views.common import apply_validation_error, require_perm
from peer_support.models import FollowUp
from research.forms_programmes import (
    MEMBER_CHOICES_SHOWN,
    ContactForm,
    CoveredSearchForm,
    FunderAttachForm,
    MemberAddForm,
    MemberEndForm,
    NameSearchForm,
    ProgrammeForm,
    ReaderForm,
    filter_by_name,
)
from research.indicators import REGISTRY, SECTIONS, Unit
from research.models import Funder, FunderContact, ProgrammeMember
from research.services import programmes as services

TEMPLATES = "research/programmes/"
MEMBERS_PER_PAGE = 50
# Whoever reads a programme's outputs reaches its page: coordinators and administrators
# (all programmes), funders (their portal) and researchers (their indicators), the last
# two through `Programme.objects.visible_to`, which holds only the programmes they read.
READ_PERMS = ("research.view_programmes", "research.view_own_programmes")


def _fr(day) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _managed_programme(request, pk: int) -> Programme:
    require_perm(request.user, "research.manage_programmes")
    return get_object_or_404(Programme.objects.visible_to(request.user), pk=pk)


def _render_form(request, form, *, title, submit, back_url, lead="", template="form.html"):
    return render(
        request,
        TEMPLATES + template,
        {"form": form, "title": title, "submit": submit, "back_url": back_url, "lead": lead},
    )


def _count(queryset):
    """The number of rows of `queryset` (filtered on OuterRef("pk")) as a subquery."""
    counted = queryset.order_by().values("programme").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _current(today) -> Q:
    """Memberships running today, as a filter on programmes."""
    return Q(memberships__joined_on__lte=today) & (
        Q(memberships__left_on__isnull=True) | Q(memberships__left_on__gte=today)
    )


def indicator_sections(programme: Programme) -> list[tuple[str, list]]:
    """The indicators the programme reports on (all registered ones when it names none),
    grouped by section in the sections' order."""
    codes = set(programme.indicators) if programme.indicators else None
    grouped: dict[str, list] = {}
    for indicator in REGISTRY.values():
        if codes is None or indicator.code in codes:
            grouped.setdefault(indicator.section, []).append(
                {
                    "code": indicator.code,
                    "label": indicator.label,
                    "definition": indicator.definition,
                    "unit": Unit(indicator.unit).label if indicator.unit in Unit.values else "",
                }
            )
    return [
        (str(SECTIONS[section]), grouped[section]) for section in SECTIONS if section in grouped
    ]


# --- list and page ------------------------------------------------------------------------


@login_required
@require_GET
def programme_list(request):
    """Coordinators and administrators: every programme, running then ended. Funders and
    researchers: "Mes programmes"."""
    require_perm(request.user, *READ_PERMS)
    today = timezone.localdate()
    sees_all = request.user.has_perm("research.view_programmes")
    programmes = (
        Programme.objects.visible_to(request.user)
        .prefetch_related(Prefetch("funders", queryset=Funder.objects.order_by("name")))
        .order_by("-starts_on", "name")
    )
    if sees_all:
        programmes = programmes.annotate(covered_now=Count("memberships", filter=_current(today)))
    programmes = list(programmes)
    ended = [p for p in programmes if p.ends_on and p.ends_on < today]
    running = [p for p in programmes if not (p.ends_on and p.ends_on < today)]
    return render(
        request,
        TEMPLATES + ("list.html" if sees_all else "mine.html"),
        {
            "running": running,
            "ended": ended,
            "today": today,
            "can_manage": request.user.has_perm("research.manage_programmes"),
        },
    )


@login_required
@require_GET
def programme_detail(request, pk: int):
    require_perm(request.user, *READ_PERMS)
    visible = Programme.objects.visible_to(request.user)
    if not request.user.has_perm("research.view_programmes"):
        # A reader's page: nothing that names or counts people.
        programme = get_object_or_404(visible, pk=pk)
        return render(
            request,
            TEMPLATES + "public.html",
            {
                "programme": programme,
                "funder_names": list(
                    programme.funders.order_by("name").values_list("name", flat=True)
                ),
                "sections": indicator_sections(programme),
            },
        )
    today = timezone.localdate()
    programme = get_object_or_404(
        visible.annotate(
            covered_now=Count("memberships", filter=_current(today)),
            covered_ever=Count("memberships"),
            mission_count=_count(Mission.objects.filter(programme=OuterRef("pk"))),
            appointment_count=_count(Appointment.objects.filter(programme=OuterRef("pk"))),
            workshop_count=_count(Workshop.objects.filter(programme=OuterRef("pk"))),
            followup_count=_count(FollowUp.objects.filter(programme=OuterRef("pk"))),
        ),
        pk=pk,
    )
    funders = list(
        Funder.objects.filter(programmes=programme)
        .prefetch_related(
            Prefetch("contacts", queryset=FunderContact.objects.order_by(Lower("full_name"), "pk"))
        )
        .order_by("name")
    )
    readers = list(programme.readers.order_by("role", Lower("last_name"), "pk"))
    return render(
        request,
        TEMPLATES + "detail.html",
        {
            "programme": programme,
            "funders": funders,
            "readers": readers,
            "sections": indicator_sections(programme),
            "all_indicators": not programme.indicators,
            "can_manage": request.user.has_perm("research.manage_programmes"),
        },
    )


# --- create and edit --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request):
    require_perm(request.user, "research.manage_programmes")
    form = ProgrammeForm(data=request.POST or None)
    if form.is_valid():
        try:
            programme = services.programme_create(actor=request.user, **form.values())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Le programme « %(name)s » est créé : ajoutez ses financeurs.")
                % {"name": programme.name},
            )
            return redirect("research:programme_detail", pk=programme.pk)
    return _render_form(
        request,
        form,
        title=_("Nouveau programme"),
        submit=_("Créer le programme"),
        back_url=reverse("research:programme_list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, pk: int):
    programme = _managed_programme(request, pk)
    name = programme.name  # the form's checks change the instance in memory
    form = ProgrammeForm(data=request.POST or None, instance=programme)
    if form.is_valid():
        try:
            services.programme_update(actor=request.user, programme=programme, **form.values())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Le programme est enregistré."))
            return redirect("research:programme_detail", pk=programme.pk)
    return _render_form(
        request,
        form,
        title=_("Modifier le programme"),
        lead=name,
        submit=_("Enregistrer"),
        back_url=reverse("research:programme_detail", args=[programme.pk]),
    )


# --- funders and their contacts ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def funder_attach(request, pk: int):
    programme = _managed_programme(request, pk)
    form = FunderAttachForm(data=request.POST or None, programme=programme)
    if form.is_valid():
        try:
            funder = services.funder_attach(
                actor=request.user, programme=programme, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(funder)s finance le programme : ajoutez ses contacts.") % {"funder": funder},
            )
            return redirect(reverse("research:programme_detail", args=[pk]) + "#financeurs")
    return _render_form(
        request,
        form,
        title=_("Ajouter un financeur"),
        lead=programme.name,
        submit=_("Ajouter le financeur"),
        back_url=reverse("research:programme_detail", args=[pk]),
    )


@login_required
@require_POST
def funder_detach(request, pk: int, funder_pk: int):
    programme = _managed_programme(request, pk)
    funder = get_object_or_404(Funder.objects.filter(programmes=programme), pk=funder_pk)
    services.funder_detach(actor=request.user, programme=programme, funder=funder)
    messages.success(
        request,
        _("%(funder)s ne figure plus parmi les financeurs du programme.") % {"funder": funder},
    )
    return redirect(reverse("research:programme_detail", args=[pk]) + "#financeurs")


@login_required
@require_http_methods(["GET", "POST"])
def contact_add(request, pk: int, funder_pk: int):
    programme = _managed_programme(request, pk)
    funder = get_object_or_404(Funder.objects.filter(programmes=programme), pk=funder_pk)
    form = ContactForm(data=request.POST or None)
    if form.is_valid():
        try:
            contact = services.contact_add(actor=request.user, funder=funder, **form.values())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s est un contact de %(funder)s.")
                % {
                    "name": contact.full_name,
                    "funder": funder,
                },
            )
            return redirect(reverse("research:programme_detail", args=[pk]) + "#financeurs")
    return _render_form(
        request,
        form,
        title=_("Nouveau contact chez %(funder)s") % {"funder": funder},
        lead=programme.name,
        submit=_("Ajouter le contact"),
        back_url=reverse("research:programme_detail", args=[pk]),
    )


def _programme_contact(programme: Programme, contact_pk: int) -> FunderContact:
    return get_object_or_404(
        FunderContact.objects.filter(funder__programmes=programme).select_related("funder"),
        pk=contact_pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk: int, contact_pk: int):
    programme = _managed_programme(request, pk)
    contact = _programme_contact(programme, contact_pk)
    form = ContactForm(data=request.POST or None, instance=contact)
    if form.is_valid():
        try:
            services.contact_update(actor=request.user, contact=contact, **form.values())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Le contact est enregistré."))
            return redirect(reverse("research:programme_detail", args=[pk]) + "#financeurs")
    return _render_form(
        request,
        form,
        title=_("Modifier un contact de %(funder)s") % {"funder": contact.funder},
        lead=_("Ce contact vaut pour tous les programmes que ce financeur finance."),
        submit=_("Enregistrer"),
        back_url=reverse("research:programme_detail", args=[pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_remove(request, pk: int, contact_pk: int):
    programme = _managed_programme(request, pk)
    contact = _programme_contact(programme, contact_pk)
    if request.method == "POST":
        services.contact_remove(actor=request.user, contact=contact)
        messages.success(
            request,
            _("%(name)s ne fait plus partie des contacts de %(funder)s.")
            % {"name": contact.full_name, "funder": contact.funder},
        )
        return redirect(reverse("research:programme_detail", args=[pk]) + "#financeurs")
    return render(
        request,
        TEMPLATES + "confirm.html",
        {
            "title": _("Retirer %(name)s des contacts de %(funder)s ?")
            % {"name": contact.full_name, "funder": contact.funder},
            "lead": _(
                "La personne ne recevra plus les rapports, pour aucun des programmes de ce "
                "financeur. Les rapports déjà envoyés le restent."
            ),
            "submit": _("Retirer le contact"),
            "back_url": reverse("research:programme_detail", args=[pk]),
        },
    )


# --- readers ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def reader_attach(request, pk: int):
    programme = _managed_programme(request, pk)
    form = ReaderForm(data=request.POST or None, programme=programme)
    if form.is_valid():
        user = form.cleaned_data["user"]
        try:
            services.reader_attach(actor=request.user, programme=programme, user=user)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s lit désormais le programme (pages anonymes, rapports).")
                % {"name": user.get_full_name() or user.email},
            )
            return redirect(reverse("research:programme_detail", args=[pk]) + "#lecteurs")
    return _render_form(
        request,
        form,
        title=_("Ajouter un compte lecteur"),
        lead=programme.name,
        submit=_("Ajouter"),
        back_url=reverse("research:programme_detail", args=[pk]),
    )


@login_required
@require_POST
def reader_detach(request, pk: int, user_pk: int):
    programme = _managed_programme(request, pk)
    user = get_object_or_404(programme.readers.all(), pk=user_pk)
    services.reader_detach(actor=request.user, programme=programme, user=user)
    messages.success(
        request,
        _("%(name)s ne lit plus le programme.") % {"name": user.get_full_name() or user.email},
    )
    return redirect(reverse("research:programme_detail", args=[pk]) + "#lecteurs")


# --- members covered -------------------------------------------------------------------------


@login_required
@require_GET
def programme_members(request, pk: int):
    require_perm(request.user, "research.view_programmes")
    programme = get_object_or_404(Programme.objects.visible_to(request.user), pk=pk)
    today = timezone.localdate()
    search = CoveredSearchForm(request.GET)
    memberships = search.filter(
        ProgrammeMember.objects.filter(programme=programme)
        .select_related("member")
        .order_by(Lower("member__last_name"), Lower("member__first_name"), "pk"),
        today,
    )
    page = Paginator(memberships, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        TEMPLATES + "members.html",
        {
            "programme": programme,
            "search": search,
            "left_view": search.is_valid() and search.cleaned_data["vue"] == search.LEFT,
            "page": page,
            "today": today,
            "can_manage": request.user.has_perm("research.manage_programmes"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request, pk: int):
    programme = _managed_programme(request, pk)
    search = NameSearchForm(request.POST if request.method == "POST" else request.GET)
    words = search.words
    candidates = Member.objects.none()
    if words:
        candidates = filter_by_name(
            Member.objects.visible_to(request.user).exclude(
                programme_memberships__programme=programme
            ),
            words,
        ).order_by(Lower("last_name"), Lower("first_name"), "pk")
    today = timezone.localdate()
    default_day = max(programme.starts_on, min(today, programme.ends_on or today))
    form = MemberAddForm(
        data=request.POST or None,
        candidates=candidates,
        initial={"q": words, "joined_on": default_day},
    )
    if form.is_valid():
        member = form.cleaned_data["member"]
        try:
            membership = services.programme_member_add(
                actor=request.user,
                programme=programme,
                member=member,
                joined_on=form.cleaned_data["joined_on"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s est dans le programme depuis le %(date)s.")
                % {"name": member, "date": _fr(membership.joined_on)},
            )
            return redirect("research:programme_members", pk=programme.pk)
    return render(
        request,
        TEMPLATES + "member_add.html",
        {
            "programme": programme,
            "search": search,
            "words": words,
            "form": form,
            "shown": MEMBER_CHOICES_SHOWN,
            "back_url": reverse("research:programme_members", args=[programme.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_end(request, pk: int, membership_pk: int):
    programme = _managed_programme(request, pk)
    membership = get_object_or_404(
        ProgrammeMember.objects.filter(programme=programme).select_related("member"),
        pk=membership_pk,
    )
    today = timezone.localdate()
    form = MemberEndForm(
        data=request.POST or None,
        initial={"left_on": min(today, programme.ends_on or today)},
    )
    if form.is_valid():
        try:
            services.programme_member_end(
                actor=request.user, membership=membership, left_on=form.cleaned_data["left_on"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s a quitté le programme le %(date)s.")
                % {"name": membership.member, "date": _fr(form.cleaned_data["left_on"])},
            )
            return redirect("research:programme_members", pk=programme.pk)
    return _render_form(
        request,
        form,
        title=_("Sortie du programme de %(name)s") % {"name": membership.member},
        lead=_("Dans le programme « %(programme)s » depuis le %(date)s.")
        % {"programme": programme.name, "date": _fr(membership.joined_on)},
        submit=_("Noter la sortie"),
        back_url=reverse("research:programme_members", args=[programme.pk]),
    )


_PROGRAMME = "recherche/programmes/<int:pk>/"

urlpatterns = [
    path("recherche/programmes/", programme_list, name="programme_list"),
    path("recherche/programmes/nouveau/", programme_create, name="programme_create"),
    path(_PROGRAMME, programme_detail, name="programme_detail"),
    path(_PROGRAMME + "modifier/", programme_edit, name="programme_edit"),
    path(_PROGRAMME + "financeurs/ajouter/", funder_attach, name="programme_funder_attach"),
    path(
        _PROGRAMME + "financeurs/<int:funder_pk>/retirer/",
        funder_detach,
        name="programme_funder_detach",
    ),
    path(
        _PROGRAMME + "financeurs/<int:funder_pk>/contacts/ajouter/",
        contact_add,
        name="programme_contact_add",
    ),
    path(
        _PROGRAMME + "contacts/<int:contact_pk>/modifier/",
        contact_edit,
        name="programme_contact_edit",
    ),
    path(
        _PROGRAMME + "contacts/<int:contact_pk>/retirer/",
        contact_remove,
        name="programme_contact_remove",
    ),
    path(_PROGRAMME + "lecteurs/ajouter/", reader_attach, name="programme_reader_attach"),
    path(
        _PROGRAMME + "lecteurs/<int:user_pk>/retirer/",
        reader_detach,
        name="programme_reader_detach",
    ),
    path(_PROGRAMME + "membres/", programme_members, name="programme_members"),
    path(_PROGRAMME + "membres/ajouter/", member_add, name="programme_member_add"),
    path(
        _PROGRAMME + "membres/<int:membership_pk>/sortie/",
        member_end,
        name="programme_member_end",
    ),
]
