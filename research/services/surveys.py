"""Writes (and the reads they rest on) of the surveys of partner structures: a survey
and its structures, the secret link each gets, answering through it until the deadline,
the automatic reminders, and the aggregated results.

A structure's link is a secret derived from the server's key and a random nonce: only
its hash is stored (like the calendar feeds' secrets), so that a copy of the database
opens no survey, while the reminders can still carry the same link. After the deadline
the survey is closed; reminders go out once per step; a structure's name is never shown
next to its answers."""

import base64
import datetime
import hashlib
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Exists, Max, Min, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import override

from coop.models import Programme
from members.models import User
from research.enums_questionnaires import QuestionKind, ResponseStatus, VersionStatus
from research.models import (
    Answer,
    InstrumentVersion,
    Question,
    Response,
    Survey,
    SurveyRecipient,
    SurveyReminder,
)
from research.services.questionnaires import (
    fr_date,
    questions_of,
    raise_if,
    require_manager,
    response_locked,
    response_store,
)

MAX_REMINDER_DAYS = 90
MAX_REMINDERS = 5
MAX_STRUCTURES_AT_ONCE = 200


# --- surveys of structures --------------------------------------------------------------


def _check_survey(
    deadline, reminder_days, errors: dict, *, today: datetime.date, unchanged=None
) -> list[int]:
    """The deadline is to come (unless it is the one the survey already has: its title
    may be corrected after it closed); reminders 1 to 90 days before it."""
    if deadline is not None and deadline < today and deadline != unchanged:
        errors["deadline"] = _("La date limite est passée : choisissez un jour à venir.")
    days = sorted({int(d) for d in reminder_days}, reverse=True)
    if any(not 1 <= d <= MAX_REMINDER_DAYS for d in days):
        errors["reminder_days"] = _(
            "Les relances partent entre 1 et %(max)s jours avant la date limite."
        ) % {"max": MAX_REMINDER_DAYS}
    elif len(days) > MAX_REMINDERS:
        errors["reminder_days"] = _("%(max)s relances au plus.") % {"max": MAX_REMINDERS}
    return days


@transaction.atomic
def survey_create(
    *,
    actor: User,
    programme: Programme,
    version: InstrumentVersion,
    title: str,
    deadline: datetime.date,
    reminder_days: list[int],
    message: str = "",
) -> Survey:
    """A survey of partner structures, for a programme; structures are added next."""
    require_manager(actor)
    if not Programme.objects.visible_to(actor).filter(pk=programme.pk).exists():
        raise PermissionDenied
    errors: dict = {}
    if version.status != VersionStatus.PUBLISHED:
        errors["version"] = _("Seule une version publiée peut être envoyée.")
    if not title.strip():
        errors["title"] = _("Donnez un titre à l'enquête.")
    days = _check_survey(deadline, reminder_days, errors, today=timezone.localdate())
    raise_if(errors)
    return Survey.objects.create(
        programme=programme,
        version=version,
        title=title.strip(),
        message=message.strip(),
        deadline=deadline,
        reminder_days=days,
        created_by=actor,
    )


@transaction.atomic
def survey_update(
    *,
    actor: User,
    survey: Survey,
    title: str,
    deadline: datetime.date,
    reminder_days: list[int],
    message: str = "",
) -> Survey:
    """Change the title, message, deadline (to extend it, say) or the reminders.
    Reminders already sent are not sent again."""
    require_manager(actor)
    errors: dict = {}
    if not title.strip():
        errors["title"] = _("Donnez un titre à l'enquête.")
    days = _check_survey(
        deadline, reminder_days, errors, today=timezone.localdate(), unchanged=survey.deadline
    )
    raise_if(errors)
    survey.title = title.strip()
    survey.message = message.strip()
    survey.deadline = deadline
    survey.reminder_days = days
    survey.save(update_fields=["title", "message", "deadline", "reminder_days"])
    return survey


def link_token(nonce: str) -> str:
    """The link's secret: derived from the server's secret key and the structure's
    nonce, never stored."""
    digest = salted_hmac("research.survey-link", nonce, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_hash(nonce: str) -> str:
    """What is stored to find the structure of a link: the hash of its secret."""
    return _hash(link_token(nonce))


def survey_link(recipient: SurveyRecipient) -> str:
    return settings.SITE_URL + reverse(
        "research:survey_answer", args=[link_token(recipient.token_nonce)]
    )


def recipient_by_token(token: str) -> SurveyRecipient | None:
    """The structure whose link this is, or None (an unknown or altered link)."""
    if not token or len(token) > 100:
        return None
    return (
        SurveyRecipient.objects.select_related("survey__version__instrument", "survey__programme")
        .filter(token_hash=_hash(token))
        .first()
    )


def _send(recipient: SurveyRecipient, template: str, **context) -> None:
    survey = recipient.survey
    context = {
        "recipient": recipient,
        "survey": survey,
        "link": survey_link(recipient),
        "deadline": fr_date(survey.deadline),
        **context,
    }
    with override(settings.LANGUAGE_CODE):
        send_mail(
            subject=render_to_string(
                f"research/surveys/email/{template}_subject.txt", context
            ).strip(),
            message=render_to_string(f"research/surveys/email/{template}_message.txt", context),
            from_email=None,
            recipient_list=[recipient.email],
        )


# The structures' names and addresses are handled by coordinators (those who set the
# programmes up): researchers see counts and aggregated answers only.
RECIPIENTS_PERM = "research.manage_survey_recipients"


def _require_recipients_manager(actor: User) -> None:
    require_manager(actor)
    if not actor.has_perm(RECIPIENTS_PERM):
        raise PermissionDenied


@transaction.atomic
def recipients_add(
    *, actor: User, survey: Survey, structures: list[tuple[str, str]]
) -> list[SurveyRecipient]:
    """Invite structures (name, e-mail address) to a survey: each gets its own link by
    e-mail at once."""
    _require_recipients_manager(actor)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.is_closed_on(timezone.localdate()):
        raise ValidationError(_("L'enquête est close : reportez la date limite pour inviter."))
    if not structures:
        raise ValidationError({"structures": _("Indiquez au moins une structure.")})
    if len(structures) > MAX_STRUCTURES_AT_ONCE:
        raise ValidationError(
            {
                "structures": _("%(max)s structures à la fois au plus.")
                % {"max": MAX_STRUCTURES_AT_ONCE}
            }
        )
    emails = [email.strip().lower() for _name, email in structures]
    taken = set(survey.recipients.filter(email__in=emails).values_list("email", flat=True))
    doubles = sorted(taken | {e for e in emails if emails.count(e) > 1})
    if doubles:
        raise ValidationError(
            {
                "structures": _("Cette adresse est déjà invitée : %(emails)s.")
                % {"emails": ", ".join(doubles)}
            }
        )
    now = timezone.now()
    recipients = []
    for (name, _email), email in zip(structures, emails, strict=True):
        nonce = secrets.token_hex(16)
        recipient = SurveyRecipient.objects.create(
            survey=survey,
            name=name.strip(),
            email=email,
            token_nonce=nonce,
            token_hash=link_hash(nonce),
            added_by=actor,
            invited_at=now,
        )
        _send(recipient, "invitation")
        recipients.append(recipient)
    return recipients


@transaction.atomic
def recipient_resend(*, actor: User, recipient: SurveyRecipient) -> None:
    """Send the structure its link again (the same link)."""
    _require_recipients_manager(actor)
    if recipient.survey.is_closed_on(timezone.localdate()):
        raise ValidationError(_("L'enquête est close : reportez la date limite pour relancer."))
    if Response.objects.filter(recipient=recipient, status=ResponseStatus.SUBMITTED).exists():
        raise ValidationError(_("Cette structure a déjà répondu."))
    _send(recipient, "invitation")


@transaction.atomic
def recipient_remove(*, actor: User, recipient: SurveyRecipient) -> None:
    """Take back an invitation (a wrong address): its link stops working. A structure
    that started answering stays."""
    _require_recipients_manager(actor)
    if Response.objects.filter(recipient=recipient).exists():
        raise ValidationError(
            _("Cette structure a commencé à répondre : elle reste dans l'enquête.")
        )
    recipient.delete()


@transaction.atomic
def survey_response_save(
    *,
    recipient: SurveyRecipient,
    values: dict,
    submit: bool,
    today: datetime.date | None = None,
) -> Response:
    """A structure saves (or sends) its answers through its link, until the deadline."""
    today = today or timezone.localdate()
    survey = recipient.survey
    if survey.is_closed_on(today):
        raise ValidationError(
            _("L'enquête est close depuis le %(day)s.")
            % {"day": fr_date(survey.deadline + datetime.timedelta(days=1))}
        )
    response = response_locked(recipient=recipient, version=survey.version)
    return response_store(response, values, submit=submit, actor=None)


def _reminder_candidates(survey: Survey, step: int):
    """Structures not answered, not reminded at this step or a later one, and invited
    before this step's day."""
    step_day = survey.deadline - datetime.timedelta(days=step)
    reminded = SurveyReminder.objects.filter(recipient=OuterRef("pk"), days_before__lte=step)
    return (
        survey.recipients.not_answered()
        .exclude(Exists(reminded))
        .filter(invited_at__isnull=False, invited_at__date__lt=step_day)
        .order_by("pk")
    )


def survey_reminders_send_due(*, today: datetime.date | None = None) -> int:
    """The reminders of the day (Celery beat, daily). For each open survey, the latest
    step reached (days before the deadline) is sent once to each structure that has not
    answered: the step is claimed by inserting its SurveyReminder (unique per structure
    and step) in the transaction that stores the e-mail. Run twice, or on two workers at
    once, a reminder goes once; when the task did not run for a while, only the latest
    step is sent. Returns the number of reminders sent."""
    today = today or timezone.localdate()
    sent = 0
    for survey in Survey.objects.filter(deadline__gte=today).order_by("pk"):
        reached = [
            d for d in survey.reminder_days if survey.deadline - datetime.timedelta(d) <= today
        ]
        if not reached:
            continue
        step = min(reached)
        for pk in list(_reminder_candidates(survey, step).values_list("pk", flat=True)):
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        SurveyReminder.objects.create(recipient_id=pk, days_before=step)
                except IntegrityError:
                    continue
                recipient = SurveyRecipient.objects.select_related("survey").get(pk=pk)
                _send(recipient, "reminder", days_left=(survey.deadline - today).days)
            sent += 1
    return sent


# --- aggregated results of a survey -------------------------------------------------------


@dataclass
class QuestionResult:
    """What a survey's structures answered to one question, all together."""

    question: Question
    answered: int = 0
    # (label, number of structures) per option, in order.
    counts: list[tuple[str, int]] = field(default_factory=list)
    mean: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    first_date: datetime.date | None = None
    last_date: datetime.date | None = None
    texts: list[str] = field(default_factory=list)


@dataclass
class SurveyResults:
    invited: int
    submitted: int
    questions: list[QuestionResult]


def survey_results(survey: Survey) -> SurveyResults:
    """The sent answers of a survey, question by question: structures per option, the
    mean (and range) of numbers and percentages, the span of dates, and free texts in
    alphabetical order (so that they cannot be tied to one structure's other answers).
    Never a structure's name. A constant number of queries."""
    questions = questions_of(survey.version)
    answers = Answer.objects.filter(
        response__recipient__survey=survey, response__status=ResponseStatus.SUBMITTED
    ).order_by()
    answered = dict(
        answers.values("question")
        .annotate(n=Count("response", distinct=True))
        .values_list("question", "n")
    )
    per_option = dict(
        answers.filter(option__isnull=False)
        .values("option")
        .annotate(n=Count("response", distinct=True))
        .values_list("option", "n")
    )
    numbers = {
        row["question"]: row
        for row in answers.filter(number__isnull=False)
        .values("question")
        .annotate(mean=Avg("number"), low=Min("number"), high=Max("number"))
    }
    dates = {
        row["question"]: row
        for row in answers.filter(date__isnull=False)
        .values("question")
        .annotate(first=Min("date"), last=Max("date"))
    }
    texts: dict[int, list[str]] = {}
    text_questions = [q.pk for q in questions if q.kind == QuestionKind.SHORT_TEXT]
    if text_questions:
        for question_id, text in (
            answers.filter(question__in=text_questions)
            .exclude(text="")
            .values_list("question", "text")
        ):
            texts.setdefault(question_id, []).append(text)
    results = []
    for question in questions:
        result = QuestionResult(question=question, answered=answered.get(question.pk, 0))
        if question.has_options:
            result.counts = [(o.label, per_option.get(o.pk, 0)) for o in question.options.all()]
        if question.pk in numbers:
            row = numbers[question.pk]
            result.mean = Decimal(str(row["mean"])).quantize(Decimal("0.1"))
            result.minimum, result.maximum = row["low"], row["high"]
        if question.pk in dates:
            result.first_date, result.last_date = (
                dates[question.pk]["first"],
                dates[question.pk]["last"],
            )
        result.texts = sorted(texts.get(question.pk, []), key=str.casefold)
        results.append(result)
    counts = survey.recipients.aggregate(
        invited=Count("pk"),
        submitted=Count(
            "pk",
            filter=Exists(
                Response.objects.filter(recipient=OuterRef("pk"), status=ResponseStatus.SUBMITTED)
            ),
        ),
    )
    return SurveyResults(
        invited=counts["invited"], submitted=counts["submitted"], questions=results
    )
