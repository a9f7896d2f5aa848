"""Surveys of partner structures: set up by coordinators and researchers, structures
invited by coordinators (their names and addresses stay with the coordinators), answered
through a secret link without an account, and read as aggregated results — never a
structure's name next to its answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members.views.common import apply_validation_error, require_perm
from research.enums_questionnaires import ResponseStatus
from research.forms_questionnaires import AnswerForm, RecipientsForm, SurveyEditForm, SurveyForm
from research.models import Response, Survey, SurveyRecipient
from research.services import surveys as services
from research.services.questionnaires import questions_of
from research.views.questionnaires import askable_to

SURVEYS_PER_PAGE = 50
MANAGE = "research.manage_questionnaires"
TEMPLATES = "research/surveys/"


def _submitted():
    return Exists(
        Response.objects.filter(recipient=OuterRef("pk"), status=ResponseStatus.SUBMITTED)
    )


def _survey(request, pk: int) -> Survey:
    require_perm(request.user, MANAGE)
    return get_object_or_404(
        Survey.objects.visible_to(request.user).select_related("programme", "version__instrument"),
        pk=pk,
    )


def _recipient(request, pk: int) -> SurveyRecipient:
    require_perm(request.user, MANAGE)
    require_perm(request.user, services.RECIPIENTS_PERM)
    return get_object_or_404(
        SurveyRecipient.objects.filter(
            survey__in=Survey.objects.visible_to(request.user)
        ).select_related("survey"),
        pk=pk,
    )


def _render_form(request, form, *, title, submit, back_url, lead=""):
    return render(
        request,
        "research/questionnaires/form.html",
        {"form": form, "title": title, "submit": submit, "back_url": back_url, "lead": lead},
    )


@login_required
@require_GET
def survey_list(request):
    require_perm(request.user, MANAGE)
    surveys = (
        Survey.objects.visible_to(request.user)
        .select_related("programme", "version__instrument")
        .annotate(
            invited=Count("recipients", distinct=True),
            answered=Count(
                "recipients__response",
                filter=Q(recipients__response__status=ResponseStatus.SUBMITTED),
                distinct=True,
            ),
        )
        .order_by("-deadline", "-pk")
    )
    page = Paginator(surveys, SURVEYS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, TEMPLATES + "survey_list.html", {"page": page, "today": timezone.localdate()}
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_create(request):
    require_perm(request.user, MANAGE)
    form = SurveyForm(
        data=request.POST or None,
        **askable_to(request.user),
    )
    if form.is_valid():
        try:
            survey = services.survey_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("L'enquête est créée : invitez les structures."))
            return redirect("research:survey_detail", survey.pk)
    return _render_form(
        request,
        form,
        title=_("Nouvelle enquête auprès des structures"),
        submit=_("Créer l'enquête"),
        back_url=reverse("research:survey_list"),
    )


@login_required
@require_GET
def survey_detail(request, pk: int):
    """The survey, its counts, and — for coordinators only — who was invited and who
    answered (not what they answered)."""
    survey = _survey(request, pk)
    can_manage_recipients = request.user.has_perm(services.RECIPIENTS_PERM)
    recipients = []
    if can_manage_recipients:
        recipients = list(
            survey.recipients.with_response_status()
            .annotate(reminders_sent=Count("reminders"))
            .order_by("name", "pk")
        )
    counts = survey.recipients.aggregate(
        invited=Count("pk"), answered=Count("pk", filter=_submitted())
    )
    return render(
        request,
        TEMPLATES + "survey_detail.html",
        {
            "survey": survey,
            "recipients": recipients,
            "counts": counts,
            "can_manage_recipients": can_manage_recipients,
            "is_closed": survey.is_closed_on(timezone.localdate()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_edit(request, pk: int):
    survey = _survey(request, pk)
    form = SurveyEditForm(data=request.POST or None, initial=SurveyEditForm.initial_for(survey))
    if form.is_valid():
        try:
            services.survey_update(actor=request.user, survey=survey, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("L'enquête est modifiée."))
            return redirect("research:survey_detail", survey.pk)
    return _render_form(
        request,
        form,
        title=_("Modifier l'enquête"),
        submit=_("Enregistrer"),
        back_url=reverse("research:survey_detail", args=[survey.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def recipients_add(request, pk: int):
    survey = _survey(request, pk)
    require_perm(request.user, services.RECIPIENTS_PERM)
    form = RecipientsForm(data=request.POST or None)
    if form.is_valid():
        try:
            added = services.recipients_add(
                actor=request.user, survey=survey, structures=form.cleaned_data["structures"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(count)s structure(s) invitée(s) : chacune a reçu son lien par e-mail.")
                % {"count": len(added)},
            )
            return redirect("research:survey_detail", survey.pk)
    return _render_form(
        request,
        form,
        title=_("Inviter des structures — %(title)s") % {"title": survey.title},
        submit=_("Inviter"),
        back_url=reverse("research:survey_detail", args=[survey.pk]),
    )


@login_required
@require_POST
def recipient_resend(request, pk: int):
    recipient = _recipient(request, pk)
    try:
        services.recipient_resend(actor=request.user, recipient=recipient)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Le lien est renvoyé à %(email)s.") % {"email": recipient.email}
        )
    return redirect("research:survey_detail", recipient.survey_id)


@login_required
@require_http_methods(["GET", "POST"])
def recipient_remove(request, pk: int):
    recipient = _recipient(request, pk)
    error = None
    if request.method == "POST":
        try:
            services.recipient_remove(actor=request.user, recipient=recipient)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("L'invitation est retirée : son lien ne marche plus."))
            return redirect("research:survey_detail", recipient.survey_id)
    return render(
        request, TEMPLATES + "recipient_remove.html", {"recipient": recipient, "error": error}
    )


@login_required
@require_GET
def survey_results(request, pk: int):
    survey = _survey(request, pk)
    return render(
        request,
        TEMPLATES + "survey_results.html",
        {"survey": survey, "results": services.survey_results(survey)},
    )


# --- the public page, by secret link ------------------------------------------------------


@require_http_methods(["GET", "POST"])
@cache_control(private=True)
def survey_answer(request, token: str):
    """No account: the secret link is the credential. An unknown link is not found;
    after the deadline the survey is closed; sent answers never change."""
    recipient = services.recipient_by_token(token)
    if recipient is None:
        raise Http404
    survey = recipient.survey
    today = timezone.localdate()
    response = Response.objects.filter(recipient=recipient).prefetch_related("answers").first()
    context = {"survey": survey, "recipient": recipient, "response": response}
    if response is not None and response.is_submitted:
        if request.method == "POST":
            messages.info(
                request, _("Vos réponses ont déjà été envoyées : elles ne changent plus.")
            )
        return _public(request, "survey_sent.html", context)
    if survey.is_closed_on(today):
        return _public(request, "survey_closed.html", context)
    questions = questions_of(survey.version)
    submit = request.method == "POST" and request.POST.get("action") == "submit"
    form = AnswerForm(
        data=request.POST or None,
        questions=questions,
        final=submit,
        initial=AnswerForm.initial_for(response),
    )
    if form.is_valid():
        try:
            services.survey_response_save(
                recipient=recipient, values=form.values(), submit=submit, today=today
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if submit:
                messages.success(request, _("Merci ! Vos réponses sont envoyées."))
            else:
                messages.success(
                    request,
                    _("C'est enregistré. Revenez avec le même lien pour finir avant le %(day)s.")
                    % {"day": survey.deadline.strftime("%d/%m/%Y")},
                )
            return redirect(request.path)
    return _public(request, "survey_answer.html", {**context, "form": form})


def _public(request, template: str, context: dict):
    response = render(request, TEMPLATES + template, context)
    response["X-Robots-Tag"] = "noindex"
    return response


urlpatterns = [
    path("recherche/enquetes/", survey_list, name="survey_list"),
    path("recherche/enquetes/nouvelle/", survey_create, name="survey_create"),
    path("recherche/enquetes/<int:pk>/", survey_detail, name="survey_detail"),
    path("recherche/enquetes/<int:pk>/modifier/", survey_edit, name="survey_edit"),
    path("recherche/enquetes/<int:pk>/structures/", recipients_add, name="recipients_add"),
    path("recherche/enquetes/<int:pk>/resultats/", survey_results, name="survey_results"),
    path(
        "recherche/enquetes/structures/<int:pk>/renvoyer/",
        recipient_resend,
        name="recipient_resend",
    ),
    path(
        "recherche/enquetes/structures/<int:pk>/retirer/",
        recipient_remove,
        name="recipient_remove",
    ),
    path("enquete/<str:token>/", survey_answer, name="survey_answer"),
]
