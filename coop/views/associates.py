"""The register of associates and its ledger of shares (*parts sociales*): kept by the
coordinators, read by administrators and accountants (shares are capital), printable as
a PDF. An associate sees their own shares on "Mes instances" (coop.views.governance)."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from coop import governance
from coop.enums import AssociateCategory, CollectiveKind, ShareMovementKind
from coop.forms_governance import (
    AssociateAdmitForm,
    AssociateFilterForm,
    LeaveForm,
    PayForm,
    RefundPayForm,
    ShareTermsForm,
    SubscribeForm,
    TransferForm,
)
from coop.governance.documents import pdf_response
from coop.models import Associate, Collective, ShareMovement, ShareTerms
from members.views.common import apply_validation_error, require_perm

ASSOCIATES_PER_PAGE = 50
MOVEMENTS_PER_PAGE = 50
TEMPLATES = "coop/governance/"


def _cooperative() -> Collective | None:
    return Collective.objects.filter(kind=CollectiveKind.COOPERATIVE).first()


def _get_associate(request, pk: int, perm: str) -> Associate:
    require_perm(request.user, perm)
    return get_object_or_404(
        Associate.objects.visible_to(request.user).select_related("person", "collective"), pk=pk
    )


def _render_form(request, form, *, title, submit, back_url, lead="", template="form.html"):
    return render(
        request,
        TEMPLATES + template,
        {"form": form, "title": title, "submit": submit, "back_url": back_url, "lead": lead},
    )


def register_totals(associates) -> dict:
    """The capital as the register holds it: current associates, their shares, what is
    subscribed and paid, and what is owed to those who left."""
    current = Q(left_on__isnull=True)
    return associates.aggregate(
        associates=Count("pk", filter=current),
        shares=Sum("shares", filter=current, default=0),
        subscribed=Sum("subscribed", filter=current, default=0),
        paid=Sum("paid", filter=current, default=0),
        refund_due=Sum("refund_due", default=0),
    )


@login_required
@require_GET
def associate_list(request):
    require_perm(request.user, "coop.view_associates")
    cooperative = _cooperative()
    visible = Associate.objects.visible_to(request.user)
    form = AssociateFilterForm(request.GET)
    associates = visible.select_related("person").order_by("number")
    associates = form.filter(associates) if form.is_valid() else associates.none()
    page = Paginator(associates, ASSOCIATES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        TEMPLATES + "associate_list.html",
        {
            "cooperative": cooperative,
            "terms": ShareTerms.objects.filter(collective=cooperative).first()
            if cooperative
            else None,
            "form": form,
            "filters_valid": form.is_valid(),
            "page": page,
            "totals": register_totals(visible),
            "can_manage": request.user.has_perm("coop.manage_associates"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def share_terms_edit(request):
    require_perm(request.user, "coop.manage_associates")
    cooperative = _cooperative()
    if cooperative is None:
        raise Http404
    terms = ShareTerms.objects.filter(collective=cooperative).first()
    form = ShareTermsForm(data=request.POST or None, instance=terms)
    if form.is_valid():
        try:
            governance.share_terms_save(
                actor=request.user, collective=cooperative, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Les conditions des parts sociales sont enregistrées."))
            return redirect("coop:associate_list")
    return _render_form(
        request,
        form,
        title=_("Conditions des parts sociales"),
        lead=_("Ce que disent les statuts de la coopérative sur ses parts sociales."),
        submit=_("Enregistrer"),
        back_url=reverse("coop:associate_list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def associate_create(request):
    require_perm(request.user, "coop.manage_associates")
    cooperative = _cooperative()
    if cooperative is None:
        raise Http404
    form = AssociateAdmitForm(data=request.POST or None, collective=cooperative)
    if form.is_valid():
        try:
            associate = governance.associate_admit(
                actor=request.user, collective=cooperative, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s est inscrit·e au registre sous le n° %(number)s.")
                % {"name": associate.name, "number": associate.number},
            )
            return redirect("coop:associate_detail", pk=associate.pk)
    terms = ShareTerms.objects.filter(collective=cooperative).first()
    return _render_form(
        request,
        form,
        template="associate_form.html",
        title=_("Admettre un·e associé·e"),
        lead=_("Une part vaut %(value)s € ; un·e associé·e en souscrit au moins %(minimum)s.")
        % {"value": number_format(terms.nominal_value, 2), "minimum": terms.minimum_shares}
        if terms
        else "",
        submit=_("Inscrire au registre"),
        back_url=reverse("coop:associate_list"),
    )


@login_required
@require_GET
def associate_detail(request, pk: int):
    associate = _get_associate(request, pk, "coop.view_associates")
    movements = (
        ShareMovement.objects.filter(associate=associate)
        .select_related("counterpart__person", "recorded_by")
        .order_by("-sequence")
    )
    page = Paginator(movements, MOVEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    refund = (
        ShareMovement.objects.filter(associate=associate, kind=ShareMovementKind.REFUND)
        .order_by("-sequence")
        .first()
        if associate.refund_due
        else None
    )
    return render(
        request,
        TEMPLATES + "associate_detail.html",
        {
            "associate": associate,
            "page": page,
            "refund": refund,
            "can_manage": request.user.has_perm("coop.manage_associates"),
        },
    )


@dataclass(frozen=True)
class Operation:
    form: type
    service: object
    title: str
    submit: str
    done: str


# One page per operation of the ledger, named in its URL.
OPERATIONS = {
    "souscription": Operation(
        SubscribeForm,
        governance.shares_subscribe,
        gettext_lazy("Souscrire des parts"),
        gettext_lazy("Inscrire la souscription"),
        gettext_lazy("La souscription est inscrite au registre."),
    ),
    "versement": Operation(
        PayForm,
        governance.shares_pay,
        gettext_lazy("Noter un versement"),
        gettext_lazy("Inscrire le versement"),
        gettext_lazy("Le versement est inscrit au registre."),
    ),
    "cession": Operation(
        TransferForm,
        governance.shares_transfer,
        gettext_lazy("Céder des parts"),
        gettext_lazy("Inscrire la cession"),
        gettext_lazy("La cession est inscrite au registre des deux associé·es."),
    ),
    "depart": Operation(
        LeaveForm,
        governance.associate_leave,
        gettext_lazy("Noter le départ"),
        gettext_lazy("Inscrire le départ"),
        gettext_lazy("Le départ est inscrit ; le remboursement dû est noté au registre."),
    ),
    "remboursement": Operation(
        RefundPayForm,
        governance.refund_pay,
        gettext_lazy("Noter un remboursement"),
        gettext_lazy("Inscrire le remboursement"),
        gettext_lazy("Le remboursement est inscrit au registre."),
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def associate_movement(request, pk: int, operation: str):
    if operation not in OPERATIONS:
        raise Http404
    step = OPERATIONS[operation]
    associate = _get_associate(request, pk, "coop.manage_associates")
    extra = {"associate": associate} if step.form is TransferForm else {}
    form = step.form(data=request.POST or None, **extra)
    if form.is_valid():
        try:
            step.service(actor=request.user, associate=associate, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, str(step.done))
            return redirect("coop:associate_detail", pk=associate.pk)
    return _render_form(
        request,
        form,
        template="form.html",
        title=step.title,
        lead=associate.name,
        submit=step.submit,
        back_url=reverse("coop:associate_detail", args=[associate.pk]),
    )


@login_required
@require_GET
def associate_register_pdf(request):
    """The register of associates, printable: each associate in the order of admission,
    with every movement of their shares and the balances after it."""
    require_perm(request.user, "coop.view_associates")
    cooperative = _cooperative()
    if cooperative is None:
        raise Http404
    visible = Associate.objects.visible_to(request.user).filter(collective=cooperative)
    associates = list(
        visible.select_related("person")
        .prefetch_related("movements__counterpart__person")
        .order_by("number")
    )
    by_category = {
        row["category"]: row
        for row in visible.filter(left_on__isnull=True)
        .values("category")
        .annotate(count=Count("pk"), shares=Sum("shares"), paid=Sum("paid"))
    }
    categories = [
        {"label": label, **by_category[value]}
        for value, label in AssociateCategory.choices
        if value in by_category
    ]
    today = timezone.localdate()
    return pdf_response(
        TEMPLATES + "register_pdf.html",
        {
            "cooperative": cooperative,
            "terms": ShareTerms.objects.filter(collective=cooperative).first(),
            "associates": associates,
            "totals": register_totals(visible),
            "categories": categories,
            "printed_on": today,
        },
        filename=f"registre-des-associes-{today:%Y-%m-%d}.pdf",
    )


urlpatterns = [
    path("associes/", associate_list, name="associate_list"),
    path("associes/nouveau/", associate_create, name="associate_create"),
    path("associes/parts/", share_terms_edit, name="share_terms_edit"),
    path("associes/registre.pdf", associate_register_pdf, name="associate_register_pdf"),
    path("associes/<int:pk>/", associate_detail, name="associate_detail"),
    path("associes/<int:pk>/<slug:operation>/", associate_movement, name="associate_movement"),
]
