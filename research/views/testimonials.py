"""The testimonials chosen for a programme's reports: printed only with the person's
recorded consent and under a changed first name. Coordinators choose those of members
(or a partner's words); the peer-support lead records those of accompanied people. These
pages never show who the person is, not even to coordinators: only that a member or an
accompanied person is linked, so that a withdrawal can be traced."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coop.models import Programme
from members.views.common import apply_validation_error, require_perm
from peer_support.models.followups import sees_every_followup
from research.forms_testimonials import TestimonialForm, WithdrawForm
from research.models import Testimonial
from research.services import testimonials as services

TEMPLATES = "research/testimonials/"
PER_PAGE = 25
PERM = "research.manage_testimonials"


def _programmes(user):
    """The programmes whose testimonials the user manages. Coordinators reach them
    through `Programme.objects.visible_to`. The peer-support lead is not a reader of any
    programme (and sees no programme page), yet records the testimonials of accompanied
    people for every programme's reports: on these pages only, which name nobody, the
    lead reaches every programme."""
    require_perm(user, PERM)
    if sees_every_followup(user):
        return Programme.objects.all()
    return Programme.objects.visible_to(user)


def _programme(request, pk: int) -> Programme:
    return get_object_or_404(_programmes(request.user), pk=pk)


def _may_withdraw(user, testimonial: Testimonial) -> bool:
    """Who chose it withdraws it: the lead an accompanied person's, a coordinator the
    others (the service checks it again)."""
    if testimonial.followup_id is not None:
        return sees_every_followup(user)
    return user.has_perm("research.run_reports")


def _fr(day) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


@login_required
@require_GET
def testimonial_index(request):
    """The programmes, each with its number of testimonials in force."""
    in_force = (
        Testimonial.objects.in_force()
        .filter(programme=OuterRef("pk"))
        .order_by()
        .values("programme")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    programmes = _programmes(request.user).annotate(
        in_force=Coalesce(Subquery(in_force, output_field=IntegerField()), 0)
    )
    return render(
        request,
        TEMPLATES + "index.html",
        {"programmes": programmes.order_by("-starts_on", "name")},
    )


@login_required
@require_GET
def testimonial_list(request, pk: int):
    programme = _programme(request, pk)
    testimonials = (
        Testimonial.objects.visible_to(request.user)
        .filter(programme=programme)
        # Whether an accompanied person's record was erased, without reading the record.
        .annotate(followup_erased_at=F("followup__erased_at"))
        .order_by("-chosen_on", "-pk")
    )
    page = Paginator(testimonials, PER_PAGE).get_page(request.GET.get("page"))
    for testimonial in page:
        testimonial.may_withdraw = testimonial.in_force and _may_withdraw(request.user, testimonial)
    return render(request, TEMPLATES + "list.html", {"programme": programme, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def testimonial_add(request, pk: int):
    programme = _programme(request, pk)
    for_followup = sees_every_followup(request.user)
    form = TestimonialForm(
        data=request.POST or None,
        programme=programme,
        user=request.user,
        for_followup=for_followup,
    )
    if form.is_valid():
        try:
            testimonial = services.testimonial_add(
                actor=request.user, programme=programme, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Le témoignage de « %(name)s » est choisi pour les rapports du programme.")
                % {"name": testimonial.changed_first_name},
            )
            return redirect("research:testimonial_list", pk=programme.pk)
    return render(
        request,
        TEMPLATES + "form.html",
        {
            "programme": programme,
            "form": form,
            "for_followup": for_followup,
            "back_url": reverse("research:testimonial_list", args=[programme.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def testimonial_withdraw(request, pk: int, testimonial_pk: int):
    programme = _programme(request, pk)
    testimonial = get_object_or_404(
        Testimonial.objects.visible_to(request.user).filter(programme=programme),
        pk=testimonial_pk,
    )
    if not _may_withdraw(request.user, testimonial):
        raise PermissionDenied
    back_url = reverse("research:testimonial_list", args=[programme.pk])
    if not testimonial.in_force:
        # A second click, or another tab: nothing to do.
        messages.info(
            request,
            _("L'accord de « %(name)s » était déjà retiré.")
            % {"name": testimonial.changed_first_name},
        )
        return redirect(back_url)
    form = WithdrawForm(data=request.POST or None)
    if form.is_valid():
        try:
            services.testimonial_withdraw(
                actor=request.user, testimonial=testimonial, on=form.cleaned_data["withdrawn_on"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "L'accord de « %(name)s » est retiré depuis le %(date)s : le témoignage "
                    "ne figurera plus dans les prochains rapports."
                )
                % {
                    "name": testimonial.changed_first_name,
                    "date": _fr(form.cleaned_data["withdrawn_on"]),
                },
            )
            return redirect(back_url)
    return render(
        request,
        TEMPLATES + "withdraw.html",
        {
            "programme": programme,
            "testimonial": testimonial,
            "form": form,
            "back_url": back_url,
        },
    )


_PROGRAMME = "recherche/programmes/<int:pk>/temoignages/"

urlpatterns = [
    path("recherche/temoignages/", testimonial_index, name="testimonial_index"),
    path(_PROGRAMME, testimonial_list, name="testimonial_list"),
    path(_PROGRAMME + "ajouter/", testimonial_add, name="testimonial_add"),
    path(
        _PROGRAMME + "<int:testimonial_pk>/retrait/",
        testimonial_withdraw,
        name="testimonial_withdraw",
    ),
]
