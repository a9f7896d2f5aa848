"""Writes (and the reads they rest on) of the questionnaires: building instruments as
versions, opening waves for people, answering, surveys of partner structures by secret
link (research.services.surveys).

Rules kept here:
- a published version never changes; a new draft copies it (answers keep pointing to
  the version they answered);
- a person answers a wave only while it is due for them (see Wave.answerable_between),
  only with their research consent in force, and sends their answers once;
- accompanied people's answers are health data: the questionnaires asked of them have no
  free text (refused when the wave is opened), and every read and write is written to
  the peer-support access log;
- a structure's link is a secret derived from the server's key: only its hash is
  stored; after the deadline the survey is closed; reminders go out once per step.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coop.models import Programme
from members.enums import ConsentScope
from members.models import Consent, Member, User
from peer_support import perms as peer_perms
from peer_support.enums import AccessAction
from peer_support.models import FollowUp
from peer_support.services import access_log_write
from research.enums_questionnaires import (
    QuestionKind,
    ResponseStatus,
    ScoreMethod,
    VersionStatus,
    WaveAudience,
    WavePoint,
)
from research.models import (
    Answer,
    Instrument,
    InstrumentVersion,
    Option,
    ProgrammeMember,
    Question,
    Response,
    Wave,
)
from research.models.questionnaires import TEXT_ANSWER_MAX_LENGTH

MIN_OPTIONS = 2
MAX_OPTIONS = 30
PERCENT_MAX = Decimal(100)
# Numbers answered are kept within what the column holds.
NUMBER_LIMIT = Decimal("9999999999")


def require_manager(actor: User) -> None:
    if not actor.has_perm("research.manage_questionnaires"):
        raise PermissionDenied


def raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def fr_date(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


# --- instruments and versions -----------------------------------------------------------


def _check_score(score_method: str, score_label: str, errors: dict) -> None:
    if score_method not in ScoreMethod.values:
        errors["score_method"] = _("Choisissez comment le score est calculé.")
    elif score_method != ScoreMethod.NONE and not score_label.strip():
        errors["score_label"] = _("Donnez un nom au score (ex. : score de bien-être).")


@transaction.atomic
def instrument_create(
    *,
    actor: User,
    code: str,
    name: str,
    description: str = "",
    licence: str = "",
    intro: str = "",
    score_method: str = ScoreMethod.NONE,
    score_label: str = "",
) -> Instrument:
    """A new instrument with its first version, a draft to fill with questions."""
    require_manager(actor)
    errors: dict = {}
    code = slugify(code)
    if not code:
        errors["code"] = _("Donnez un code fait de lettres, de chiffres et de tirets.")
    elif Instrument.objects.filter(code=code).exists():
        errors["code"] = _("Ce code est déjà celui d'un autre questionnaire.")
    if not name.strip():
        errors["name"] = _("Donnez un titre au questionnaire.")
    _check_score(score_method, score_label, errors)
    raise_if(errors)
    instrument = Instrument.objects.create(
        code=code,
        name=name.strip(),
        description=description.strip(),
        licence=licence.strip(),
        created_by=actor,
    )
    InstrumentVersion.objects.create(
        instrument=instrument,
        number=1,
        intro=intro.strip(),
        score_method=score_method,
        score_label=score_label.strip() if score_method != ScoreMethod.NONE else "",
        created_by=actor,
    )
    return instrument


@transaction.atomic
def instrument_update(
    *, actor: User, instrument: Instrument, name: str, description: str, licence: str
) -> Instrument:
    """Title, presentation and licence: they describe the instrument, not a version."""
    require_manager(actor)
    if not name.strip():
        raise ValidationError({"name": _("Donnez un titre au questionnaire.")})
    instrument.name = name.strip()
    instrument.description = description.strip()
    instrument.licence = licence.strip()
    instrument.save(update_fields=["name", "description", "licence"])
    return instrument


def _locked_draft(version: InstrumentVersion) -> InstrumentVersion:
    """The version, locked, if it is still a draft: a published one is frozen."""
    version = InstrumentVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(
            _(
                "Cette version est publiée : elle ne change plus. Créez une nouvelle "
                "version pour modifier le questionnaire."
            )
        )
    return version


@transaction.atomic
def version_update(
    *, actor: User, version: InstrumentVersion, intro: str, score_method: str, score_label: str
) -> InstrumentVersion:
    require_manager(actor)
    version = _locked_draft(version)
    errors: dict = {}
    _check_score(score_method, score_label, errors)
    raise_if(errors)
    version.intro = intro.strip()
    version.score_method = score_method
    version.score_label = score_label.strip() if score_method != ScoreMethod.NONE else ""
    version.save(update_fields=["intro", "score_method", "score_label"])
    return version


def _check_question(
    version: InstrumentVersion,
    fields: dict,
    options: list[tuple[str, Decimal | None]],
    *,
    question: Question | None = None,
) -> dict:
    errors: dict = {}
    kind = fields["kind"]
    if kind not in QuestionKind.values:
        errors["kind"] = _("Choisissez le type de question.")
        return errors
    if not fields["text"].strip():
        errors["text"] = _("Écrivez la question.")
    if kind in QuestionKind.with_options():
        labels = [label for label, _score in options]
        if len(options) < MIN_OPTIONS:
            errors["options"] = _("Proposez au moins deux réponses, une par ligne.")
        elif len(options) > MAX_OPTIONS:
            errors["options"] = _("%(max)s réponses proposées au plus.") % {"max": MAX_OPTIONS}
        elif len(set(labels)) != len(labels):
            errors["options"] = _("Deux réponses proposées sont identiques.")
        elif kind == QuestionKind.LIKERT and any(score is None for _label, score in options):
            errors["options"] = _(
                "Sur une échelle, chaque réponse vaut des points : écrivez « Jamais = 0 »."
            )
    elif options:
        errors["options"] = _(
            "Les réponses proposées ne servent qu'aux questions à choix : videz ce champ "
            "ou changez le type de question."
        )
    if fields["is_scored"] and kind != QuestionKind.LIKERT:
        errors["is_scored"] = _("Seule une question d'échelle compte dans le score.")
    if kind != QuestionKind.NUMBER and (
        fields["min_value"] is not None or fields["max_value"] is not None
    ):
        errors["min_value"] = _("Les valeurs minimale et maximale ne servent qu'aux nombres.")
    elif (
        fields["min_value"] is not None
        and fields["max_value"] is not None
        and fields["min_value"] > fields["max_value"]
    ):
        errors["max_value"] = _("La valeur maximale est plus petite que la minimale.")
    code = fields["code"]
    if code:
        taken = Question.objects.filter(version=version, code=code)
        if question is not None:
            taken = taken.exclude(pk=question.pk)
        if taken.exists():
            errors["code"] = _("Ce code est déjà celui d'une autre question.")
    return errors


def _question_fields(
    *,
    kind: str,
    text: str,
    help_text: str = "",
    group: str = "",
    required: bool = True,
    is_scored: bool = False,
    min_value: Decimal | None = None,
    max_value: Decimal | None = None,
    code: str = "",
) -> dict:
    return {
        "kind": kind,
        "text": text.strip(),
        "help_text": help_text.strip(),
        "group": group.strip(),
        # A scored item is always answered: a score of missing items means nothing.
        "required": bool(required or is_scored),
        "is_scored": bool(is_scored),
        "min_value": min_value,
        "max_value": max_value,
        "code": slugify(code)[:60],
    }


def _free_code(version: InstrumentVersion) -> str:
    taken = set(Question.objects.filter(version=version).values_list("code", flat=True))
    n = len(taken) + 1
    while f"q{n}" in taken:
        n += 1
    return f"q{n}"


def _write_options(question: Question, options: list[tuple[str, Decimal | None]]) -> None:
    question.options.all().delete()
    if question.has_options:
        Option.objects.bulk_create(
            Option(question=question, position=n, label=label.strip(), score=score)
            for n, (label, score) in enumerate(options, start=1)
        )


@transaction.atomic
def question_add(
    *,
    actor: User,
    version: InstrumentVersion,
    options: list[tuple[str, Decimal | None]] = (),
    **fields,
) -> Question:
    """A question at the end of a draft version. `options` are (label, points) pairs,
    in order; points only on a scale."""
    require_manager(actor)
    version = _locked_draft(version)
    fields = _question_fields(**fields)
    options = list(options)
    raise_if(_check_question(version, fields, options))
    fields["code"] = fields["code"] or _free_code(version)
    last = Question.objects.filter(version=version).aggregate(n=Max("position"))["n"] or 0
    question = Question.objects.create(version=version, position=last + 1, **fields)
    _write_options(question, options)
    return question


@transaction.atomic
def question_update(
    *,
    actor: User,
    question: Question,
    options: list[tuple[str, Decimal | None]] = (),
    **fields,
) -> Question:
    require_manager(actor)
    version = _locked_draft(question.version)
    fields = _question_fields(**fields)
    options = list(options)
    raise_if(_check_question(version, fields, options, question=question))
    fields["code"] = fields["code"] or question.code
    for name, value in fields.items():
        setattr(question, name, value)
    question.save()
    _write_options(question, options)
    return question


@transaction.atomic
def question_delete(*, actor: User, question: Question) -> None:
    """Remove a question from a draft; the next ones move up."""
    require_manager(actor)
    version = _locked_draft(question.version)
    position = question.position
    question.delete()
    for later in Question.objects.filter(version=version, position__gt=position).order_by(
        "position"
    ):
        later.position -= 1
        later.save(update_fields=["position"])


@transaction.atomic
def question_move(*, actor: User, question: Question, up: bool) -> None:
    """Swap a question with the one before (or after) it, in a draft."""
    require_manager(actor)
    version = _locked_draft(question.version)
    siblings = Question.objects.filter(version=version)
    neighbour = (
        siblings.filter(position__lt=question.position).order_by("-position").first()
        if up
        else siblings.filter(position__gt=question.position).order_by("position").first()
    )
    if neighbour is None:
        return
    mine, theirs = question.position, neighbour.position
    # Through a free position: (version, position) is unique at every step.
    question.position = 0
    question.save(update_fields=["position"])
    neighbour.position = mine
    neighbour.save(update_fields=["position"])
    question.position = theirs
    question.save(update_fields=["position"])


@transaction.atomic
def version_publish(*, actor: User, version: InstrumentVersion) -> InstrumentVersion:
    """Freeze a draft: from now on it can be asked, and never changes."""
    require_manager(actor)
    version = _locked_draft(version)
    questions = list(version.questions.all())
    if not questions:
        raise ValidationError(_("Ajoutez au moins une question avant de publier."))
    if version.has_score and not any(q.is_scored for q in questions):
        raise ValidationError(
            _(
                "Ce questionnaire a un score : au moins une question d'échelle doit compter "
                "dans le score."
            )
        )
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor
    version.save(update_fields=["status", "published_at", "published_by"])
    return version


@transaction.atomic
def version_new_draft(*, actor: User, instrument: Instrument) -> InstrumentVersion:
    """A new draft, copy of the latest published version, to change the instrument."""
    require_manager(actor)
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if instrument.versions.drafts().exists():
        raise ValidationError(_("Une version en brouillon existe déjà : modifiez-la."))
    base = instrument.versions.published().order_by("-number").first()
    if base is None:
        raise ValidationError(_("Publiez d'abord la première version."))
    number = (instrument.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = InstrumentVersion.objects.create(
        instrument=instrument,
        number=number,
        intro=base.intro,
        score_method=base.score_method,
        score_label=base.score_label,
        created_by=actor,
    )
    for question in base.questions.prefetch_related("options").order_by("position"):
        copy = Question.objects.create(
            version=draft,
            position=question.position,
            code=question.code,
            kind=question.kind,
            text=question.text,
            help_text=question.help_text,
            group=question.group,
            required=question.required,
            is_scored=question.is_scored,
            min_value=question.min_value,
            max_value=question.max_value,
        )
        Option.objects.bulk_create(
            Option(question=copy, position=o.position, label=o.label, score=o.score)
            for o in question.options.all()
        )
    return draft


# --- waves ------------------------------------------------------------------------------


def version_has_free_text(version: InstrumentVersion) -> bool:
    return version.questions.filter(kind=QuestionKind.SHORT_TEXT).exists()


@transaction.atomic
def wave_open(
    *,
    actor: User,
    programme: Programme,
    version: InstrumentVersion,
    audience: str,
    points: list[str],
    window_days: int = 60,
) -> list[Wave]:
    """Ask a published version of the members (or accompanied people) of a programme,
    at each of the points chosen. Only one open wave per instrument, point and public
    in a programme."""
    require_manager(actor)
    if not Programme.objects.visible_to(actor).filter(pk=programme.pk).exists():
        raise PermissionDenied
    errors: dict = {}
    if version.status != VersionStatus.PUBLISHED:
        errors["version"] = _("Seule une version publiée peut être posée.")
    elif audience == WaveAudience.ACCOMPANIED and version_has_free_text(version):
        errors["version"] = _(
            "Ce questionnaire a des questions à texte libre : il ne peut pas être posé aux "
            "personnes accompagnées (leurs réponses sont des données de santé)."
        )
    if audience not in WaveAudience.values:
        errors["audience"] = _("Choisissez à qui le questionnaire est posé.")
    if not points or any(point not in WavePoint.values for point in points):
        errors["points"] = _("Choisissez au moins une vague.")
    if not 7 <= window_days <= 365:
        errors["window_days"] = _("Le délai pour répondre va de 7 à 365 jours.")
    raise_if(errors)
    waves = []
    for point in points:
        same = Wave.objects.filter(programme=programme, point=point, audience=audience)
        if same.filter(version=version).exists():
            errors["points"] = _(
                "La vague « %(point)s » de cette version existe déjà pour ce programme : "
                "rouvrez-la depuis la liste des vagues."
            ) % {"point": WavePoint(point).label}
        elif same.open().filter(version__instrument=version.instrument_id).exists():
            errors["points"] = _(
                "Une vague « %(point)s » de ce questionnaire est déjà ouverte pour ce "
                "programme : fermez-la d'abord."
            ) % {"point": WavePoint(point).label}
        else:
            waves.append(
                Wave.objects.create(
                    programme=programme,
                    version=version,
                    point=point,
                    audience=audience,
                    window_days=window_days,
                    opened_by=actor,
                )
            )
    raise_if(errors)
    return waves


@transaction.atomic
def wave_close(*, actor: User, wave: Wave) -> Wave:
    """Stop collecting: nobody can answer any more (answers already sent stay)."""
    require_manager(actor)
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if wave.closed_at is None:
        wave.closed_at = timezone.now()
        wave.closed_by = actor
        wave.save(update_fields=["closed_at", "closed_by"])
    return wave


@transaction.atomic
def wave_reopen(*, actor: User, wave: Wave) -> Wave:
    require_manager(actor)
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if wave.closed_at is None:
        return wave
    other_open = (
        Wave.objects.open()
        .filter(
            programme=wave.programme_id,
            point=wave.point,
            audience=wave.audience,
            version__instrument=wave.version.instrument_id,
        )
        .exclude(pk=wave.pk)
    )
    if other_open.exists():
        raise ValidationError(
            _("Une autre vague de ce questionnaire est ouverte au même moment : fermez-la d'abord.")
        )
    wave.closed_at = None
    wave.closed_by = None
    wave.save(update_fields=["closed_at", "closed_by"])
    return wave


@dataclass
class DueWave:
    """A wave as it stands for one person: when it is due, until when it can be
    answered, and their answers so far (None: not started)."""

    wave: Wave
    due_on: datetime.date
    opens_on: datetime.date
    closes_on: datetime.date
    response: Response | None = None

    @property
    def is_submitted(self) -> bool:
        return self.response is not None and self.response.is_submitted

    def answerable_on(self, day: datetime.date) -> bool:
        return (
            not self.is_submitted and self.wave.is_open and self.opens_on <= day <= self.closes_on
        )


def _due(wave: Wave, entry: datetime.date, response: Response | None) -> DueWave:
    opens_on, closes_on = wave.answerable_between(entry)
    return DueWave(
        wave=wave,
        due_on=wave.due_on(entry),
        opens_on=opens_on,
        closes_on=closes_on,
        response=response,
    )


def member_of(user: User) -> Member | None:
    """The member record of an entrepreneur's account."""
    if "member" in user._state.fields_cache:
        return user._state.fields_cache["member"]
    return Member.objects.filter(user=user).first()


def member_has_research_consent(member: Member) -> bool:
    return Consent.objects.filter(
        member=member, scope=ConsentScope.RESEARCH, withdrawn_on__isnull=True
    ).exists()


def member_waves(member: Member, *, today: datetime.date | None = None) -> list[DueWave]:
    """The waves asked of this member: those of the programmes they are in, answerable
    today or already answered (4 queries, whatever the data). A member without research
    consent in force is asked nothing."""
    today = today or timezone.localdate()
    if not member_has_research_consent(member):
        return []
    memberships = {m.programme_id: m for m in ProgrammeMember.objects.filter(member=member)}
    if not memberships:
        return []
    waves = (
        Wave.objects.for_members()
        .filter(programme__in=list(memberships))
        .select_related("version__instrument", "programme")
        .order_by("pk")
    )
    waves = list(waves)
    responses = {
        r.wave_id: r for r in Response.objects.filter(member=member, wave__in=[w.pk for w in waves])
    }
    result = []
    for wave in waves:
        membership = memberships[wave.programme_id]
        due = _due(wave, membership.joined_on, responses.get(wave.pk))
        if membership.left_on is not None and membership.left_on < due.due_on:
            continue
        if due.response is not None or due.answerable_on(today):
            result.append(due)
    result.sort(key=lambda d: (d.is_submitted, d.due_on, d.wave.pk))
    return result


def member_wave(member: Member, wave: Wave, *, today: datetime.date | None = None):
    """This wave for this member, if it is asked of them (else None)."""
    for due in member_waves(member, today=today):
        if due.wave.pk == wave.pk:
            return due
    return None


def followup_waves(followup: FollowUp, *, today: datetime.date | None = None) -> list[DueWave]:
    """The waves asked of an accompanied person: those of their follow-up's programme,
    while the follow-up runs, with their research consent in force."""
    today = today or timezone.localdate()
    return followups_waves([followup], today=today).get(followup.pk, [])


def followups_waves(followups, *, today: datetime.date) -> dict[int, list[DueWave]]:
    """The waves of several follow-ups (those a mediator accompanies), in 3 queries."""
    followups = [f for f in followups if f.programme_id is not None and f.erased_at is None]
    if not followups:
        return {}
    consenting = set(
        FollowUp.objects.filter(pk__in=[f.pk for f in followups])
        .for_research()
        .values_list("pk", flat=True)
    )
    followups = [f for f in followups if f.pk in consenting]
    programmes = {f.programme_id for f in followups}
    waves = list(
        Wave.objects.for_accompanied()
        .filter(programme__in=programmes)
        .select_related("version__instrument", "programme")
        .order_by("pk")
    )
    responses = {
        (r.followup_id, r.wave_id): r
        for r in Response.objects.filter(
            followup__in=[f.pk for f in followups], wave__in=[w.pk for w in waves]
        )
    }
    result: dict[int, list[DueWave]] = {}
    for followup in followups:
        for wave in waves:
            if wave.programme_id != followup.programme_id:
                continue
            due = _due(wave, followup.opened_on, responses.get((followup.pk, wave.pk)))
            if followup.closed_on is not None and followup.closed_on < due.due_on:
                continue
            if due.response is not None or due.answerable_on(today):
                result.setdefault(followup.pk, []).append(due)
    for dues in result.values():
        dues.sort(key=lambda d: (d.is_submitted, d.due_on, d.wave.pk))
    return result


# --- answers ----------------------------------------------------------------------------


def questions_of(version: InstrumentVersion) -> list[Question]:
    """The questions of a version in order, with their options (2 queries)."""
    return list(
        version.questions.order_by("position").prefetch_related(
            Prefetch("options", queryset=Option.objects.order_by("position"))
        )
    )


def _answers(
    response: Response, questions: list[Question], values: dict, *, submit: bool, no_text: bool
) -> tuple[list[Answer], dict]:
    """The rows to store for the values typed (question pk → value), and the errors of
    values the form could not catch."""
    rows, errors = [], {}
    for question in questions:
        value = values.get(question.pk)
        key = f"q{question.pk}"
        empty = value in (None, "", [], ())
        if empty:
            if submit and question.required:
                errors[key] = _("Répondez à cette question.")
            continue
        options = {str(o.pk): o for o in question.options.all()}
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            picked = [options.get(str(v)) for v in value]
            if None in picked:
                errors[key] = _("Choisissez parmi les réponses proposées.")
                continue
            rows += [Answer(response=response, question=question, option=o) for o in picked]
        elif question.has_options:
            option = options.get(str(value))
            if option is None:
                errors[key] = _("Choisissez parmi les réponses proposées.")
                continue
            rows.append(Answer(response=response, question=question, option=option))
        elif question.kind in QuestionKind.numeric():
            number = Decimal(value)
            low = Decimal(0) if question.kind == QuestionKind.PERCENTAGE else question.min_value
            high = PERCENT_MAX if question.kind == QuestionKind.PERCENTAGE else question.max_value
            if (low is not None and number < low) or (high is not None and number > high):
                errors[key] = _("Ce nombre n'est pas dans les limites de la question.")
                continue
            if abs(number) > NUMBER_LIMIT:
                errors[key] = _("Ce nombre est trop grand.")
                continue
            rows.append(Answer(response=response, question=question, number=number))
        elif question.kind == QuestionKind.DATE:
            rows.append(Answer(response=response, question=question, date=value))
        else:
            text = str(value).strip()
            if no_text:
                errors[key] = _("Ce questionnaire ne prend pas de texte libre.")
            elif len(text) > TEXT_ANSWER_MAX_LENGTH:
                errors[key] = _("%(max)s caractères au plus.") % {"max": TEXT_ANSWER_MAX_LENGTH}
            elif text:
                rows.append(Answer(response=response, question=question, text=text))
    return rows, errors


def score_of(version: InstrumentVersion, answers: list[Answer]) -> Decimal | None:
    """The instrument's score from the options picked on its scored questions: their
    sum or their mean, as the version declares; None without a score."""
    if not version.has_score:
        return None
    points = [a.option.score for a in answers if a.question.is_scored and a.option is not None]
    if not points:
        return None
    total = sum(points, Decimal(0))
    if version.score_method == ScoreMethod.MEAN:
        total = total / len(points)
    return total.quantize(Decimal("0.01"))


def response_store(
    response: Response,
    values: dict,
    *,
    submit: bool,
    actor: User | None,
    no_text: bool = False,
) -> Response:
    """Replace the draft's answers by those typed; on submission, check every required
    question is answered, compute the score and freeze the response."""
    if response.is_submitted:
        raise ValidationError(_("Ces réponses ont déjà été envoyées : elles ne changent plus."))
    questions = questions_of(response.version)
    rows, errors = _answers(response, questions, values, submit=submit, no_text=no_text)
    raise_if(errors)
    response.answers.all().delete()
    Answer.objects.bulk_create(rows)
    now = timezone.now()
    response.updated_at = now
    response.filled_by = actor
    if submit:
        response.status = ResponseStatus.SUBMITTED
        response.submitted_at = now
        response.score = score_of(response.version, rows)
    response.save()
    return response


def response_locked(**subject) -> Response:
    """The response of this respondent (created when first saved), locked: two saves
    at once are made one after the other."""
    response, _created = Response.objects.get_or_create(**subject)
    return Response.objects.select_for_update().select_related("version").get(pk=response.pk)


@transaction.atomic
def member_response_save(
    *,
    actor: User,
    wave: Wave,
    values: dict,
    submit: bool,
    today: datetime.date | None = None,
) -> Response:
    """A member saves (or sends) their answers to a wave asked of them."""
    if not actor.has_perm("research.fill_questionnaires"):
        raise PermissionDenied
    member = member_of(actor)
    if member is None:
        raise PermissionDenied
    due = member_wave(member, wave, today=today)
    if due is None:
        raise PermissionDenied
    if due.is_submitted:
        raise ValidationError(_("Vos réponses ont déjà été envoyées : elles ne changent plus."))
    if not due.answerable_on(today or timezone.localdate()):
        raise ValidationError(_("Ce questionnaire ne peut plus être rempli."))
    response = response_locked(wave=wave, member=member, version=wave.version)
    return response_store(response, values, submit=submit, actor=actor)


def _require_followup_access(actor: User, followup: FollowUp) -> None:
    """The mediators who accompany the person, and the peer-support lead."""
    if not actor.has_perm("research.fill_with_accompanied_person"):
        raise PermissionDenied
    if not peer_perms.can_view(actor, followup):
        raise PermissionDenied


def followup_questionnaires_read(
    *, actor: User, followup: FollowUp, response: Response | None = None
) -> None:
    """A page showed the person's questionnaires (or their answers to one): written to
    the access log, as every read of a follow-up."""
    _require_followup_access(actor, followup)
    access_log_write(actor=actor, action=AccessAction.VIEW, followup=followup, record=response)


@transaction.atomic
def followup_response_save(
    *,
    actor: User,
    followup: FollowUp,
    wave: Wave,
    values: dict,
    submit: bool,
    today: datetime.date | None = None,
) -> Response:
    """The accompanied person answers with their mediator: saved (or sent), and
    written to the access log."""
    _require_followup_access(actor, followup)
    due = None
    for candidate in followup_waves(followup, today=today):
        if candidate.wave.pk == wave.pk:
            due = candidate
    if due is None:
        raise PermissionDenied
    if due.is_submitted:
        raise ValidationError(_("Ces réponses ont déjà été envoyées : elles ne changent plus."))
    if not due.answerable_on(today or timezone.localdate()) or followup.closed_on is not None:
        raise ValidationError(_("Ce questionnaire ne peut plus être rempli."))
    created = due.response is None
    response = response_locked(wave=wave, followup=followup, version=wave.version)
    response_store(response, values, submit=submit, actor=actor, no_text=True)
    access_log_write(
        actor=actor,
        action=AccessAction.CREATE if created else AccessAction.CHANGE,
        followup=followup,
        record=response,
        fields=["answers", "status"] if submit else ["answers"],
    )
    return response
