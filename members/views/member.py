"""The member page (a member's whole history on one page) and the coordinators' pages
that change it; the entrepreneur's own page, "Mon parcours"; private documents."""

import datetime
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import services
from members.enums import ContractKind, Stage
from members.forms_member import (
    MOVE_LABELS,
    MOVES_BY_STAGE,
    AssociateJoinForm,
    CapeRenewForm,
    CapeStartForm,
    CesaStartForm,
    ConsentForm,
    ConsentWithdrawForm,
    DocumentForm,
    MemberCreateForm,
    MemberExitForm,
    MemberForm,
    SensitiveProfileForm,
    TrainingForm,
)
from members.models import (
    Appointment,
    Consent,
    Contract,
    Document,
    Member,
    MemberSituation,
    PathStep,
    Training,
    WorkshopRegistration,
)
from members.services.people import can_read_sensitive_profile
from members.views.common import apply_validation_error, require_perm

# A training or certificate expiring within this many days is flagged on the member page.
EXPIRY_WARNING_DAYS = 60


def _require_member_perm(user, perm: str) -> None:
    """Refuse a page about a member: an entrepreneur's own record is on "Mon parcours",
    never behind an id, so to them any id is unknown (404); roles that never see members
    are refused (403)."""
    if not user.has_perm(perm):
        if user.has_perm("members.view_own_path"):
            raise Http404
        raise PermissionDenied


def _get_member(request, pk: int, perm: str, members=None) -> Member:
    """A member reached by id, for a page that needs `perm`, through `visible_to`."""
    _require_member_perm(request.user, perm)
    members = Member.objects if members is None else members
    return get_object_or_404(members.visible_to(request.user), pk=pk)


def _with_history(members):
    """Everything the member page shows, in one query per kind of record, so that the
    page costs the same whatever the length of the member's history."""
    return members.select_related("coordinator", "user").prefetch_related(
        "skills",
        Prefetch("path_steps", queryset=PathStep.objects.order_by("-on", "-pk")),
        Prefetch("contracts", queryset=Contract.objects.order_by("start_date", "pk")),
        Prefetch("trainings", queryset=Training.objects.order_by("-obtained_on", "-pk")),
        Prefetch("documents", queryset=Document.objects.order_by("-uploaded_at", "-pk")),
        Prefetch(
            "consents",
            queryset=Consent.objects.select_related("recorded_by").order_by("-given_on", "-pk"),
        ),
        Prefetch(
            "appointments",
            queryset=Appointment.objects.select_related("coordinator", "programme").order_by(
                "starts_at", "pk"
            ),
        ),
        Prefetch(
            "workshop_registrations",
            queryset=WorkshopRegistration.objects.select_related(
                "workshop", "workshop__programme"
            ).order_by("-workshop__date", "-pk"),
        ),
    )


def _contract_rows(contracts: list[Contract]) -> list[dict]:
    """Each contract with its renewal number, counted along the prefetched list (the
    model's own count walks the chain one query per link)."""
    renewal_number: dict[int, int] = {}
    rows = []
    for contract in contracts:
        number = 0
        if contract.renewal_of_id is not None:
            number = renewal_number.get(contract.renewal_of_id, 0) + 1
        renewal_number[contract.pk] = number
        rows.append({"contract": contract, "renewal_number": number})
    return rows


def _training_rows(trainings: list[Training], today: datetime.date) -> list[dict]:
    soon = today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
    rows = []
    for training in trainings:
        status = ""
        if training.expires_on is not None:
            if training.expires_on < today:
                status = "expired"
            elif training.expires_on <= soon:
                status = "expiring"
        rows.append({"training": training, "status": status})
    return rows


def _moves(member: Member, contract_rows: list[dict]) -> list[dict]:
    """The moves offered from the member's stage (a CAPE renewed twice offers no third)."""
    moves = list(MOVES_BY_STAGE[Stage(member.stage)])
    open_rows = [row for row in contract_rows if row["contract"].is_open]
    if "renouvellement" in moves and (
        not open_rows
        or open_rows[0]["contract"].kind != ContractKind.CAPE
        or open_rows[0]["renewal_number"] >= Contract.CAPE_MAX_RENEWALS
    ):
        moves.remove("renouvellement")
    return [{"move": move, "label": MOVE_LABELS[move]} for move in moves]


def _history_context(member: Member) -> dict:
    """What the member page and "Mon parcours" share, from the prefetched history."""
    now = timezone.now()
    today = timezone.localdate()
    contract_rows = _contract_rows(list(member.contracts.all()))
    appointments = list(member.appointments.all())
    registrations = list(member.workshop_registrations.all())
    return {
        "member": member,
        "path_steps": list(member.path_steps.all()),
        "contract_rows": contract_rows,
        "training_rows": _training_rows(list(member.trainings.all()), today),
        "documents": list(member.documents.all()),
        "consents": list(member.consents.all()),
        "upcoming_appointments": [a for a in appointments if a.starts_at >= now],
        "past_appointments": [a for a in reversed(appointments) if a.starts_at < now],
        "upcoming_registrations": [r for r in reversed(registrations) if r.workshop.date >= today],
        "past_registrations": [r for r in registrations if r.workshop.date < today],
        "moves": _moves(member, contract_rows),
    }


def _render_form(request, member, form, *, title, submit, lead="", multipart=False):
    return render(
        request,
        "members/member/form_page.html",
        {
            "member": member,
            "form": form,
            "title": title,
            "lead": lead,
            "submit": submit,
            "multipart": multipart,
        },
    )


# --- the member's record --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request):
    require_perm(request.user, "members.manage_members")
    form = MemberCreateForm(data=request.POST or None, initial={"coordinator": request.user.pk})
    if form.is_valid():
        try:
            member = services.member_register(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("La fiche de %(name)s est créée.") % {"name": member.full_name}
            )
            return redirect("members:member_detail", pk=member.pk)
    return render(request, "members/member/member_form.html", {"form": form, "member": None})


@login_required
@require_GET
def member_detail(request, pk: int):
    # The situations (members/_situations.html) are on this page only, not on "Mon parcours".
    members = _with_history(Member.objects).prefetch_related(
        Prefetch("situations", queryset=MemberSituation.objects.select_related("recorded_by"))
    )
    member = _get_member(request, pk, "members.view_members", members)
    # Health data: read only by those allowed, and through the service that logs the read.
    can_read_sensitive = can_read_sensitive_profile(request.user, member)
    sensitive_profile = (
        services.sensitive_profile_read(actor=request.user, member=member)
        if can_read_sensitive
        else None
    )
    context = _history_context(member) | {
        "can_manage": request.user.has_perm("members.manage_members"),
        "can_read_sensitive": can_read_sensitive,
        "sensitive_profile": sensitive_profile,
        "today": timezone.localdate(),
    }
    return render(request, "members/member/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk: int):
    member = _get_member(request, pk, "members.manage_members")
    form = MemberForm(data=request.POST or None, instance=member)
    if form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(
            request, _("La fiche de %(name)s est enregistrée.") % {"name": member.full_name}
        )
        return redirect("members:member_detail", pk=member.pk)
    return render(request, "members/member/member_form.html", {"form": form, "member": member})


# --- the path -------------------------------------------------------------------------

MOVES = {
    "cape": (CapeStartForm, services.cape_start, gettext_lazy("Le CAPE est enregistré.")),
    "renouvellement": (
        CapeRenewForm,
        services.cape_renew,
        gettext_lazy("Le renouvellement du CAPE est enregistré."),
    ),
    "cesa": (CesaStartForm, services.cesa_start, gettext_lazy("Le CESA est enregistré.")),
    "associe": (
        AssociateJoinForm,
        services.associate_join,
        gettext_lazy("L'entrée au sociétariat est enregistrée."),
    ),
    "sortie": (MemberExitForm, services.member_exit, gettext_lazy("La sortie est enregistrée.")),
}


@login_required
@require_http_methods(["GET", "POST"])
def member_path(request, pk: int, move: str):
    if move not in MOVES:
        raise Http404
    member = _get_member(request, pk, "members.manage_members")
    form_class, service, success = MOVES[move]
    form = form_class(data=request.POST or None)
    if form.is_valid():
        try:
            service(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, success)
            return redirect("members:member_detail", pk=member.pk)
    return _render_form(
        request,
        member,
        form,
        title=MOVE_LABELS[move],
        lead=_("Étape actuelle : %(stage)s depuis le %(date)s.")
        % {
            "stage": member.get_stage_display(),
            "date": date_format(member.stage_since, "SHORT_DATE_FORMAT"),
        },
        submit=_("Enregistrer"),
    )


# --- consents and the sensitive profile -----------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def consent_record(request, pk: int):
    member = _get_member(request, pk, "members.manage_members")
    form = ConsentForm(data=request.POST or None)
    if form.is_valid():
        try:
            services.consent_record(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Le consentement est enregistré."))
            return redirect("members:member_detail", pk=member.pk)
    return _render_form(
        request,
        member,
        form,
        title=_("Enregistrer un consentement"),
        lead=_("Notez la date et ce qui a été expliqué : c'est la trace de l'accord donné."),
        submit=_("Enregistrer le consentement"),
    )


@login_required
@require_POST
def consent_withdraw(request, pk: int):
    _require_member_perm(request.user, "members.manage_members")
    consent = get_object_or_404(
        Consent.objects.visible_to(request.user).select_related("member"), pk=pk
    )
    form = ConsentWithdrawForm(data=request.POST)
    if form.is_valid():
        try:
            services.consent_withdraw(
                actor=request.user, consent=consent, on=form.cleaned_data["on"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Le retrait du consentement est enregistré."))
    else:
        messages.error(
            request,
            _("Le retrait n'est pas enregistré : %(errors)s")
            % {"errors": " ".join(e for errors in form.errors.values() for e in errors)},
        )
    return redirect("members:member_detail", pk=consent.member_id)


@login_required
@require_http_methods(["GET", "POST"])
def sensitive_profile_edit(request, pk: int):
    member = _get_member(request, pk, "members.manage_members")
    if not can_read_sensitive_profile(request.user, member):
        raise PermissionDenied
    if request.method == "POST":
        # Not `request.POST or None`: an unticked box alone sends nothing, and still means "no".
        form = SensitiveProfileForm(data=request.POST)
    else:
        profile = services.sensitive_profile_read(actor=request.user, member=member)
        form = SensitiveProfileForm(
            initial={"is_former_service_user": bool(profile and profile.is_former_service_user)}
        )
    if form.is_bound and form.is_valid():
        try:
            services.sensitive_profile_set(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Le profil est enregistré."))
            return redirect("members:member_detail", pk=member.pk)
    return _render_form(
        request,
        member,
        form,
        title=_("Profil de santé"),
        lead=_(
            "Donnée de santé : chaque lecture et chaque modification est inscrite au "
            "journal des accès."
        ),
        submit=_("Enregistrer"),
    )


# --- trainings and documents ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def training_add(request, pk: int):
    member = _get_member(request, pk, "members.manage_members")
    form = TrainingForm(data=request.POST or None, instance=Training(member=member))
    if form.is_valid():
        training = form.save()
        messages.success(
            request, _("La formation « %(title)s » est enregistrée.") % {"title": training.title}
        )
        return redirect("members:member_detail", pk=member.pk)
    return _render_form(
        request,
        member,
        form,
        title=_("Ajouter une formation ou un certificat"),
        submit=_("Enregistrer la formation"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_upload(request, pk: int):
    member = _get_member(request, pk, "members.manage_members")
    form = DocumentForm(data=request.POST or None, files=request.FILES or None)
    if form.is_valid():
        try:
            document = services.document_add(
                actor=request.user,
                member=member,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                uploaded_file=form.cleaned_data["file"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                apply_validation_error(form, error)
            else:
                form.add_error("file", error)
        else:
            messages.success(
                request, _("Le document « %(title)s » est enregistré.") % {"title": document.title}
            )
            return redirect("members:member_detail", pk=member.pk)
    return _render_form(
        request,
        member,
        form,
        title=_("Ajouter un document"),
        lead=_("Le document est gardé à l'abri : seules les personnes autorisées le voient."),
        submit=_("Envoyer le document"),
        multipart=True,
    )


@login_required
@require_GET
def document_download(request, pk: int):
    document = get_object_or_404(Document.objects.visible_to(request.user), pk=pk)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404 from missing
    # The name the person sees ends with the type we checked, whatever it was uploaded as.
    stem = PurePosixPath(document.original_name).stem or "document"
    suffix = Document.ALLOWED_TYPES.get(document.content_type, "")
    response = FileResponse(
        handle, as_attachment=True, filename=stem + suffix, content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- the entrepreneur's own page ------------------------------------------------------


@login_required
@require_GET
def my_profile(request):
    require_perm(request.user, "members.view_own_path")
    member = _with_history(Member.objects.visible_to(request.user)).first()
    if member is None:
        return render(request, "members/member/my_profile_empty.html")
    context = _history_context(member) | {
        "sensitive_profile": services.sensitive_profile_read(actor=request.user, member=member),
    }
    return render(request, "members/member/my_profile.html", context)


urlpatterns = [
    path("membres/nouveau/", member_create, name="member_create"),
    path("membres/<int:pk>/", member_detail, name="member_detail"),
    path("membres/<int:pk>/modifier/", member_edit, name="member_edit"),
    path("membres/<int:pk>/parcours/<str:move>/", member_path, name="member_path"),
    path("membres/<int:pk>/consentements/ajouter/", consent_record, name="consent_record"),
    path("consentements/<int:pk>/retirer/", consent_withdraw, name="consent_withdraw"),
    path(
        "membres/<int:pk>/profil-sensible/",
        sensitive_profile_edit,
        name="sensitive_profile_edit",
    ),
    path("membres/<int:pk>/formations/ajouter/", training_add, name="training_add"),
    path("membres/<int:pk>/documents/ajouter/", document_upload, name="document_upload"),
    path("documents/<int:pk>/", document_download, name="document_download"),
    path("mon-parcours/", my_profile, name="my_profile"),
]
