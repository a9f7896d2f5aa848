"""The person's rights over their follow-up: see everything (export as PDF and JSON),
rectify (the record's form, see person.py), erase, and give or withdraw the consent to
research use. For the mediators who accompany the person and for the lead; erasure by
the lead alone, who checks the request."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from members.views.common import apply_validation_error
from peer_support import perms, services
from peer_support.enums import ConsentScope
from peer_support.forms import EraseForm, ResearchConsentForm, WithdrawForm
from peer_support.models import FollowUp
from peer_support.views.common import log_read, private, require, visible_followup


def _download(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
@private
def followup_rights(request, pk: int):
    """What the person may ask, one button each."""
    followup = visible_followup(request, pk, FollowUp.objects.prefetch_related("consents"))
    log_read(request, followup)
    user = request.user
    return render(
        request,
        "peer_support/rights.html",
        {
            "followup": followup,
            "research_consent": followup.consent(ConsentScope.RESEARCH),
            "can_export": perms.can_export(user, followup),
            "can_rectify": perms.can_rectify(user, followup),
            "can_erase": perms.can_erase(user, followup),
        },
    )


@login_required
@require_GET
@private
def followup_export_pdf(request, pk: int):
    followup = visible_followup(request, pk)
    require(perms.can_export(request.user, followup))
    pdf = services.followup_export_pdf(actor=request.user, followup=followup)
    response = HttpResponse(pdf, content_type="application/pdf")
    return _download(response, f"suivi-{followup.pk}-{timezone.localdate():%Y-%m-%d}.pdf")


@login_required
@require_GET
@private
def followup_export_json(request, pk: int):
    followup = visible_followup(request, pk)
    require(perms.can_export(request.user, followup))
    data = services.followup_export(actor=request.user, followup=followup)
    response = JsonResponse(
        data, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    return _download(response, f"suivi-{followup.pk}-{timezone.localdate():%Y-%m-%d}.json")


@login_required
@require_http_methods(["GET", "POST"])
def followup_erase(request, pk: int):
    """Erasure on the person's request, after a page that says what goes and what
    stays. It cannot be undone."""
    followup = visible_followup(request, pk)
    require(perms.can_erase(request.user, followup))
    form = EraseForm(data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        services.followup_erase(actor=request.user, followup=followup)
        messages.success(
            request,
            _("Le suivi est effacé. Il ne reste que des chiffres anonymes."),
        )
        return redirect("peer_support:followup_detail", followup.pk)
    log_read(request, followup)
    return render(request, "peer_support/erase.html", {"followup": followup, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def research_consent_record(request, pk: int):
    """The person agrees to research use (later than at opening, or again)."""
    followup = visible_followup(request, pk, FollowUp.objects.prefetch_related("consents"))
    require(perms.can_rectify(request.user, followup))
    if followup.consent(ConsentScope.RESEARCH) is not None:
        messages.info(request, _("Le consentement à la recherche est déjà en vigueur."))
        return redirect("peer_support:followup_rights", followup.pk)
    form = ResearchConsentForm(
        data=request.POST or None, initial={"given_on": timezone.localdate()}
    )
    if form.is_valid():
        try:
            services.research_consent_record(
                actor=request.user, followup=followup, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Son accord pour la recherche est noté."))
            return redirect("peer_support:followup_rights", followup.pk)
    log_read(request, followup)
    return render(
        request, "peer_support/research_consent.html", {"followup": followup, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def research_consent_withdraw(request, pk: int):
    """The person withdraws their consent to research use: left out of every later
    research output."""
    followup = visible_followup(request, pk, FollowUp.objects.prefetch_related("consents"))
    require(perms.can_rectify(request.user, followup))
    consent = followup.consent(ConsentScope.RESEARCH)
    if consent is None:
        messages.info(request, _("Aucun consentement à la recherche n'est en vigueur."))
        return redirect("peer_support:followup_rights", followup.pk)
    form = WithdrawForm(data=request.POST or None, initial={"on": timezone.localdate()})
    if form.is_valid():
        try:
            services.research_consent_withdraw(
                actor=request.user, followup=followup, on=form.cleaned_data["on"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("C'est noté : ses données ne serviront plus à la recherche."),
            )
            return redirect("peer_support:followup_rights", followup.pk)
    log_read(request, followup)
    return render(
        request,
        "peer_support/research_withdraw.html",
        {"followup": followup, "consent": consent, "form": form},
    )


urlpatterns = [
    path("pair-aidance/<int:pk>/droits/", followup_rights, name="followup_rights"),
    path("pair-aidance/<int:pk>/export.pdf", followup_export_pdf, name="followup_export_pdf"),
    path("pair-aidance/<int:pk>/export.json", followup_export_json, name="followup_export_json"),
    path("pair-aidance/<int:pk>/effacer/", followup_erase, name="followup_erase"),
    path("pair-aidance/<int:pk>/recherche/", research_consent_record, name="research_consent"),
    path(
        "pair-aidance/<int:pk>/recherche/retrait/",
        research_consent_withdraw,
        name="research_withdraw",
    ),
]
