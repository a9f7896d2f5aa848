"""Questionnaires: the builder of instruments and their versions (coordinators and
researchers, desktop), the waves asked of the people of a programme, and the pages where
people answer — a member on their phone ("Mes questionnaires"), an accompanied person
with their mediator (health data: every page is in the access log).

Researchers never reach a person's answers: their pages show instruments, waves and
counts; the figures are in the indicators (questionnaire_score)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coop.models import Programme
from members.views.common import apply_validation_error, require_perm
from peer_support import perms as peer_perms
from peer_support.models import FollowUp
from peer_support.services import followup_list_read
from peer_support.views.common import private
from research.enums_questionnaires import QuestionKind, ResponseStatus, VersionStatus
from research.forms_questionnaires import (
    AnswerForm,
    InstrumentEditForm,
    InstrumentForm,
    QuestionForm,
    VersionForm,
    WaveOpenForm,
)
from research.models import Instrument, InstrumentVersion, Question, Response, Wave
from research.services import questionnaires as services

INSTRUMENTS_PER_PAGE = 50
WAVES_PER_PAGE = 50
FOLLOWUPS_SHOWN = 200
MANAGE = "research.manage_questionnaires"
TEMPLATES = "research/questionnaires/"


def _render_form(request, form, *, title, submit, back, lead=""):
    """A plain form page; `back` is the (url name, *args) of the page it came from."""
    return render(
        request,
        TEMPLATES + "form.html",
        {
            "form": form,
            "title": title,
            "submit": submit,
            "back_url": reverse(back[0], args=back[1:]),
            "lead": lead,
        },
    )


def _version(request, pk: int) -> InstrumentVersion:
    require_perm(request.user, MANAGE)
    return get_object_or_404(
        InstrumentVersion.objects.visible_to(request.user).select_related("instrument"), pk=pk
    )


def _question(request, pk: int) -> Question:
    require_perm(request.user, MANAGE)
    return get_object_or_404(
        Question.objects.filter(version__in=InstrumentVersion.objects.visible_to(request.user))
        .select_related("version__instrument")
        .prefetch_related("options"),
        pk=pk,
    )


def _draft_only(request, version: InstrumentVersion):
    """A published version is frozen: its edit pages send back with a message."""
    if not version.is_draft:
        messages.warning(
            request,
            _("Cette version est publiée : elle ne change plus. Créez une nouvelle version."),
        )
        return redirect("research:version_detail", version.pk)
    return None


# --- instruments ------------------------------------------------------------------------


@login_required
@require_GET
def instrument_list(request):
    require_perm(request.user, MANAGE)
    instruments = (
        Instrument.objects.visible_to(request.user)
        .annotate(
            last_number=Max("versions__number"),
            published_number=Max(
                "versions__number", filter=Q(versions__status=VersionStatus.PUBLISHED)
            ),
            draft_count=Count("versions", filter=Q(versions__status=VersionStatus.DRAFT)),
        )
        .order_by("name", "pk")
    )
    page = Paginator(instruments, INSTRUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, TEMPLATES + "instrument_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def instrument_create(request):
    require_perm(request.user, MANAGE)
    form = InstrumentForm(data=request.POST or None)
    if form.is_valid():
        try:
            instrument = services.instrument_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Le questionnaire est créé : ajoutez ses questions."))
            return redirect("research:version_detail", instrument.versions.get().pk)
    return _render_form(
        request,
        form,
        title=_("Nouveau questionnaire"),
        submit=_("Créer le questionnaire"),
        back=("research:instrument_list",),
        lead=_(
            "Une échelle validée sous licence s'ajoute ici, question par question, avec sa "
            "licence : elle n'est jamais livrée avec la plateforme."
        ),
    )


@login_required
@require_GET
def instrument_detail(request, pk: int):
    require_perm(request.user, MANAGE)
    instrument = get_object_or_404(Instrument.objects.visible_to(request.user), pk=pk)
    versions = list(
        instrument.versions.annotate(
            question_count=Count("questions", distinct=True),
            response_count=Count(
                "responses",
                filter=Q(responses__status=ResponseStatus.SUBMITTED),
                distinct=True,
            ),
        ).order_by("-number")
    )
    has_draft = any(v.is_draft for v in versions)
    return render(
        request,
        TEMPLATES + "instrument_detail.html",
        {
            "instrument": instrument,
            "versions": versions,
            "can_new_version": not has_draft and any(not v.is_draft for v in versions),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def instrument_edit(request, pk: int):
    require_perm(request.user, MANAGE)
    instrument = get_object_or_404(Instrument.objects.visible_to(request.user), pk=pk)
    form = InstrumentEditForm(
        data=request.POST or None, initial=InstrumentEditForm.initial_for(instrument)
    )
    if form.is_valid():
        try:
            services.instrument_update(
                actor=request.user, instrument=instrument, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Le questionnaire est modifié."))
            return redirect("research:instrument_detail", instrument.pk)
    return _render_form(
        request,
        form,
        title=_("Modifier « %(name)s »") % {"name": instrument.name},
        submit=_("Enregistrer"),
        back=("research:instrument_detail", instrument.pk),
    )


@login_required
@require_POST
def version_new(request, pk: int):
    """A new draft from the latest published version."""
    require_perm(request.user, MANAGE)
    instrument = get_object_or_404(Instrument.objects.visible_to(request.user), pk=pk)
    try:
        draft = services.version_new_draft(actor=request.user, instrument=instrument)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("research:instrument_detail", instrument.pk)
    messages.success(
        request,
        _(
            "La version %(number)s est créée en brouillon : les réponses déjà reçues restent "
            "liées à la version qu'elles ont remplie."
        )
        % {"number": draft.number},
    )
    return redirect("research:version_detail", draft.pk)


# --- versions and questions -------------------------------------------------------------


@login_required
@require_GET
def version_detail(request, pk: int):
    version = _version(request, pk)
    questions = services.questions_of(version)
    return render(
        request,
        TEMPLATES + "version_detail.html",
        {
            "version": version,
            "instrument": version.instrument,
            "questions": questions,
            "has_free_text": any(q.kind == QuestionKind.SHORT_TEXT for q in questions),
        },
    )


@login_required
@require_GET
def version_preview(request, pk: int):
    """The questionnaire as respondents see it (nothing is saved)."""
    version = _version(request, pk)
    form = AnswerForm(questions=services.questions_of(version))
    return render(
        request,
        TEMPLATES + "preview.html",
        {"version": version, "instrument": version.instrument, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def version_edit(request, pk: int):
    version = _version(request, pk)
    if (refused := _draft_only(request, version)) is not None:
        return refused
    form = VersionForm(data=request.POST or None, initial=VersionForm.initial_for(version))
    if form.is_valid():
        try:
            services.version_update(actor=request.user, version=version, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La version est modifiée."))
            return redirect("research:version_detail", version.pk)
    return _render_form(
        request,
        form,
        title=_("Accueil et score — %(version)s") % {"version": version},
        submit=_("Enregistrer"),
        back=("research:version_detail", version.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def version_publish(request, pk: int):
    """Publish a draft, after a confirmation: it will never change."""
    version = _version(request, pk)
    if (refused := _draft_only(request, version)) is not None:
        return refused
    error = None
    if request.method == "POST":
        try:
            services.version_publish(actor=request.user, version=version)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("La version est publiée : elle peut être posée."))
            return redirect("research:version_detail", version.pk)
    return render(
        request,
        TEMPLATES + "version_publish.html",
        {"version": version, "instrument": version.instrument, "error": error},
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_add(request, pk: int):
    version = _version(request, pk)
    if (refused := _draft_only(request, version)) is not None:
        return refused
    form = QuestionForm(data=request.POST or None)
    if form.is_valid():
        try:
            services.question_add(actor=request.user, version=version, **form.question_fields())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La question est ajoutée."))
            return redirect("research:version_detail", version.pk)
    return render(
        request,
        TEMPLATES + "question_form.html",
        {"form": form, "version": version, "question": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request, pk: int):
    question = _question(request, pk)
    version = question.version
    if (refused := _draft_only(request, version)) is not None:
        return refused
    form = QuestionForm(data=request.POST or None, initial=QuestionForm.initial_for(question))
    if form.is_valid():
        try:
            services.question_update(
                actor=request.user, question=question, **form.question_fields()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("La question est modifiée."))
            return redirect("research:version_detail", version.pk)
    return render(
        request,
        TEMPLATES + "question_form.html",
        {"form": form, "version": version, "question": question},
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_delete(request, pk: int):
    question = _question(request, pk)
    version = question.version
    if (refused := _draft_only(request, version)) is not None:
        return refused
    if request.method == "POST":
        services.question_delete(actor=request.user, question=question)
        messages.success(request, _("La question est supprimée."))
        return redirect("research:version_detail", version.pk)
    return render(
        request, TEMPLATES + "question_delete.html", {"question": question, "version": version}
    )


@login_required
@require_POST
def question_move(request, pk: int):
    question = _question(request, pk)
    version = question.version
    if (refused := _draft_only(request, version)) is not None:
        return refused
    services.question_move(
        actor=request.user, question=question, up=request.POST.get("direction") == "up"
    )
    return redirect("research:version_detail", version.pk)


# --- waves ------------------------------------------------------------------------------


@login_required
@require_GET
def wave_list(request):
    require_perm(request.user, MANAGE)
    waves = (
        Wave.objects.visible_to(request.user)
        .select_related("programme", "version__instrument")
        .annotate(
            submitted=Count("responses", filter=Q(responses__status=ResponseStatus.SUBMITTED))
        )
        .order_by("closed_at", "-opened_at", "-pk")
    )
    page = Paginator(waves, WAVES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, TEMPLATES + "wave_list.html", {"page": page})


def askable_to(user) -> dict:
    """What a wave or a survey may be opened with: the user's programmes and the
    published versions of the instruments they see (the forms' choices)."""
    return {
        "programmes": Programme.objects.visible_to(user).order_by("name"),
        "versions": InstrumentVersion.objects.visible_to(user)
        .published()
        .select_related("instrument")
        .order_by("instrument__name", "-number"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def wave_open(request):
    require_perm(request.user, MANAGE)
    form = WaveOpenForm(
        data=request.POST or None,
        **askable_to(request.user),
    )
    if form.is_valid():
        try:
            waves = services.wave_open(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(count)s vague(s) ouverte(s) : les personnes concernées peuvent répondre.")
                % {"count": len(waves)},
            )
            return redirect("research:wave_list")
    return _render_form(
        request,
        form,
        title=_("Ouvrir des vagues"),
        submit=_("Ouvrir"),
        back=("research:wave_list",),
        lead=_(
            "Chaque personne du programme répond quand la vague arrive pour elle, si elle a "
            "donné son accord pour la recherche. Les chercheur·es ne voient jamais les "
            "réponses d'une personne : seulement des chiffres groupés."
        ),
    )


def _wave(request, pk: int) -> Wave:
    require_perm(request.user, MANAGE)
    return get_object_or_404(Wave.objects.visible_to(request.user), pk=pk)


@login_required
@require_POST
def wave_close(request, pk: int):
    wave = _wave(request, pk)
    services.wave_close(actor=request.user, wave=wave)
    messages.success(request, _("La vague est fermée : plus personne ne peut y répondre."))
    return redirect("research:wave_list")


@login_required
@require_POST
def wave_reopen(request, pk: int):
    wave = _wave(request, pk)
    try:
        services.wave_reopen(actor=request.user, wave=wave)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("La vague est rouverte."))
    return redirect("research:wave_list")


# --- answering: a member ------------------------------------------------------------------


def _my_member(request):
    require_perm(request.user, "research.fill_questionnaires")
    member = services.member_of(request.user)
    if member is None:
        raise PermissionDenied
    return member


@login_required
@require_GET
def my_questionnaires(request):
    member = _my_member(request)
    today = timezone.localdate()
    dues = services.member_waves(member, today=today)
    return render(
        request,
        TEMPLATES + "my_questionnaires.html",
        {
            "to_fill": [d for d in dues if d.answerable_on(today)],
            "sent": [d for d in dues if d.is_submitted],
        },
    )


def _answers_shown(response: Response, questions) -> list[tuple[str, str]]:
    """Question → what was answered, in words (for the person who answered)."""
    by_question: dict[int, list[str]] = {}
    for answer in response.answers.select_related("option"):
        if answer.option is not None:
            text = answer.option.label
        elif answer.number is not None:
            text = str(answer.number.normalize()).replace(".", ",")
        elif answer.date is not None:
            text = answer.date.strftime("%d/%m/%Y")
        else:
            text = answer.text
        by_question.setdefault(answer.question_id, []).append(text)
    return [(q.text, ", ".join(by_question.get(q.pk, [])) or "—") for q in questions]


def _answer_page(request, *, due, save, template: str, context: dict):
    """The shape shared by the answer pages: the form built from the version, the
    "save" and "send" buttons, the service, and a page that keeps what was typed."""
    questions = services.questions_of(due.wave.version)
    response = due.response
    if due.is_submitted:
        return render(
            request,
            template,
            {**context, "due": due, "form": None, "answers": _answers_shown(response, questions)},
        )
    submit = request.method == "POST" and request.POST.get("action") == "submit"
    form = AnswerForm(
        data=request.POST or None,
        questions=questions,
        final=submit,
        initial=AnswerForm.initial_for(response),
    )
    if form.is_valid():
        try:
            save(values=form.values(), submit=submit)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return None
    return render(request, template, {**context, "due": due, "form": form, "answers": None})


@login_required
@require_http_methods(["GET", "POST"])
def my_questionnaire(request, pk: int):
    member = _my_member(request)
    wave = get_object_or_404(Wave.objects.select_related("version__instrument"), pk=pk)
    due = services.member_wave(member, wave)
    if due is None or not (due.is_submitted or due.answerable_on(timezone.localdate())):
        raise Http404

    def save(*, values, submit):
        services.member_response_save(actor=request.user, wave=wave, values=values, submit=submit)
        if submit:
            messages.success(request, _("Merci ! Vos réponses sont envoyées."))
        else:
            messages.success(request, _("C'est enregistré. Vous pourrez finir plus tard."))

    page = _answer_page(
        request,
        due=due,
        save=save,
        template=TEMPLATES + "my_questionnaire.html",
        context={"wave": wave},
    )
    return page or redirect("research:my_questionnaires")


# --- answering: an accompanied person, with their mediator --------------------------------


def _followup(request, pk: int) -> FollowUp:
    require_perm(request.user, "research.fill_with_accompanied_person")
    followup = get_object_or_404(
        FollowUp.objects.visible_to(request.user).select_related("programme"), pk=pk
    )
    if not peer_perms.can_view(request.user, followup):
        raise PermissionDenied
    return followup


@login_required
@require_GET
@private
def accompanied_questionnaires(request):
    """A mediator's people who have a questionnaire to fill now (open follow-ups they
    accompany); the names shown are written to the access log."""
    require_perm(request.user, "research.fill_with_accompanied_person")
    if peer_perms.peer_mediator_member(request.user) is None:
        raise PermissionDenied
    today = timezone.localdate()
    followups = list(
        FollowUp.objects.visible_to(request.user)
        .open()
        .filter(programme__isnull=False, programme__questionnaire_waves__closed_at__isnull=True)
        .distinct()
        .order_by("-opened_on", "-pk")[:FOLLOWUPS_SHOWN]
    )
    dues = services.followups_waves(followups, today=today)
    rows = []
    for followup in followups:
        to_fill = [d for d in dues.get(followup.pk, []) if d.answerable_on(today)]
        if to_fill:
            rows.append((followup, to_fill))
    followup_list_read(actor=request.user, followups=[f for f, _d in rows])
    return render(request, TEMPLATES + "accompanied_questionnaires.html", {"rows": rows})


@login_required
@require_GET
@private
def followup_questionnaires(request, pk: int):
    followup = _followup(request, pk)
    today = timezone.localdate()
    dues = services.followup_waves(followup, today=today)
    services.followup_questionnaires_read(actor=request.user, followup=followup)
    return render(
        request,
        TEMPLATES + "followup_questionnaires.html",
        {
            "followup": followup,
            "to_fill": [d for d in dues if d.answerable_on(today) and followup.is_open],
            "sent": [d for d in dues if d.is_submitted],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def followup_questionnaire(request, pk: int, wave_pk: int):
    followup = _followup(request, pk)
    today = timezone.localdate()
    due = next(
        (d for d in services.followup_waves(followup, today=today) if d.wave.pk == wave_pk), None
    )
    if due is None or not (due.is_submitted or (due.answerable_on(today) and followup.is_open)):
        raise Http404

    def save(*, values, submit):
        services.followup_response_save(
            actor=request.user, followup=followup, wave=due.wave, values=values, submit=submit
        )
        if submit:
            messages.success(request, _("Les réponses sont envoyées. Merci à la personne !"))
        else:
            messages.success(request, _("C'est enregistré : vous pourrez finir plus tard."))

    if request.method == "GET":
        services.followup_questionnaires_read(
            actor=request.user, followup=followup, response=due.response
        )
    page = _answer_page(
        request,
        due=due,
        save=save,
        template=TEMPLATES + "followup_questionnaire.html",
        context={"followup": followup, "wave": due.wave},
    )
    return page or redirect("research:followup_questionnaires", followup.pk)


urlpatterns = [
    path("recherche/questionnaires/", instrument_list, name="instrument_list"),
    path("recherche/questionnaires/nouveau/", instrument_create, name="instrument_create"),
    path("recherche/questionnaires/<int:pk>/", instrument_detail, name="instrument_detail"),
    path("recherche/questionnaires/<int:pk>/modifier/", instrument_edit, name="instrument_edit"),
    path("recherche/questionnaires/<int:pk>/nouvelle-version/", version_new, name="version_new"),
    path("recherche/questionnaires/versions/<int:pk>/", version_detail, name="version_detail"),
    path(
        "recherche/questionnaires/versions/<int:pk>/apercu/",
        version_preview,
        name="version_preview",
    ),
    path("recherche/questionnaires/versions/<int:pk>/modifier/", version_edit, name="version_edit"),
    path(
        "recherche/questionnaires/versions/<int:pk>/publier/",
        version_publish,
        name="version_publish",
    ),
    path(
        "recherche/questionnaires/versions/<int:pk>/questions/ajouter/",
        question_add,
        name="question_add",
    ),
    path(
        "recherche/questionnaires/questions/<int:pk>/modifier/",
        question_edit,
        name="question_edit",
    ),
    path(
        "recherche/questionnaires/questions/<int:pk>/supprimer/",
        question_delete,
        name="question_delete",
    ),
    path(
        "recherche/questionnaires/questions/<int:pk>/deplacer/",
        question_move,
        name="question_move",
    ),
    path("recherche/vagues/", wave_list, name="wave_list"),
    path("recherche/vagues/ouvrir/", wave_open, name="wave_open"),
    path("recherche/vagues/<int:pk>/fermer/", wave_close, name="wave_close"),
    path("recherche/vagues/<int:pk>/rouvrir/", wave_reopen, name="wave_reopen"),
    path("mes-questionnaires/", my_questionnaires, name="my_questionnaires"),
    path("mes-questionnaires/<int:pk>/", my_questionnaire, name="my_questionnaire"),
    path(
        "pair-aidance/questionnaires/",
        accompanied_questionnaires,
        name="accompanied_questionnaires",
    ),
    path(
        "pair-aidance/<int:pk>/questionnaires/",
        followup_questionnaires,
        name="followup_questionnaires",
    ),
    path(
        "pair-aidance/<int:pk>/questionnaires/<int:wave_pk>/",
        followup_questionnaire,
        name="followup_questionnaire",
    ),
]
