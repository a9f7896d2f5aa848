"""Questionnaires of the action research.

An instrument (a questionnaire) is written as versions: a draft is edited, a published
version is frozen and answers point to the version they answered; changing a published
questionnaire makes a new draft. Instruments are answered in two ways:

- waves for people: a published version asked of the members (entrepreneurs) or of the
  accompanied people of a programme at entry, 6 months or 12 months (counted from their
  entry in the programme, or the opening of their follow-up). Answers are personal data
  (health data for accompanied people): nobody but the person — or, for an accompanied
  person, their mediators and the peer-support lead — ever sees them; research gets
  aggregated, disclosure-controlled figures only;
- surveys of partner structures: a published version sent to organisations by a secret
  link (no account), with a deadline and automatic reminders.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.dates import add_months
from members.enums import Role
from peer_support.fields import EncryptedTextField
from research.enums_questionnaires import (
    QuestionKind,
    ResponseStatus,
    ScoreMethod,
    VersionStatus,
    WaveAudience,
    WavePoint,
)

# A person may answer a wave from this many days before the day it is due.
WAVE_OPENS_DAYS_BEFORE = 14
TEXT_ANSWER_MAX_LENGTH = 500


def _manages_questionnaires(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.role in (Role.COORDINATOR, Role.RESEARCHER)
    )


def _programmes_of(user):
    from coop.models import Programme

    return Programme.objects.visible_to(user)


# --- instruments ------------------------------------------------------------------------


class InstrumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Coordinators and researchers build and read the instruments (the shared
        library of the cooperative: no personal data); nobody else."""
        if not _manages_questionnaires(user):
            return self.none()
        return self.all()


class Instrument(models.Model):
    """A questionnaire, whatever its version. A validated scale under licence is added
    by the cooperative as data, with its licence written here."""

    code = models.SlugField(
        _("code"),
        max_length=60,
        unique=True,
        help_text=_("Un identifiant court et stable, en minuscules (ex. : bien-etre)."),
    )
    name = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("présentation"), blank=True)
    licence = models.TextField(
        _("licence et conditions d'utilisation"),
        blank=True,
        help_text=_("Pour une échelle validée : qui l'autorise et à quelles conditions."),
    )
    # None for an instrument shipped with the platform.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class InstrumentVersionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(instrument__in=Instrument.objects.visible_to(user))

    def published(self):
        return self.filter(status=VersionStatus.PUBLISHED)

    def drafts(self):
        return self.filter(status=VersionStatus.DRAFT)


class InstrumentVersion(models.Model):
    """One version of an instrument: its questions, and how its score is made. Frozen
    once published (the services refuse any change): answers point to it."""

    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("questionnaire"),
    )
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("état"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    intro = models.TextField(
        _("texte d'accueil"),
        blank=True,
        help_text=_(
            "Affiché en haut du questionnaire : à quoi il sert, combien de temps il prend."
        ),
    )
    score_method = models.CharField(
        _("score"), max_length=8, choices=ScoreMethod.choices, default=ScoreMethod.NONE
    )
    score_label = models.CharField(
        _("nom du score"),
        max_length=120,
        blank=True,
        help_text=_("Par exemple : score de bien-être."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)

    objects = InstrumentVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("version de questionnaire")
        verbose_name_plural = _("versions de questionnaire")
        ordering = ["instrument", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "number"],
                name="instrument_version_number_once",
                violation_error_message=_("Cette version existe déjà."),
            ),
            models.UniqueConstraint(
                fields=["instrument"],
                condition=Q(status=VersionStatus.DRAFT),
                name="instrument_one_draft",
                violation_error_message=_("Ce questionnaire a déjà une version en brouillon."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=VersionStatus.values)
                & Q(score_method__in=ScoreMethod.values),
                name="instrument_version_status_and_score_valid",
                violation_error_message=_("État ou méthode de score inconnus."),
            ),
            models.CheckConstraint(
                condition=Q(status=VersionStatus.DRAFT) | Q(published_at__isnull=False),
                name="instrument_version_published_has_date",
                violation_error_message=_("Une version publiée a une date de publication."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="instrument_version_number_positive",
                violation_error_message=_("Les versions sont numérotées à partir de 1."),
            ),
        ]

    def __str__(self):
        return f"{self.instrument} (v{self.number})"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def has_score(self) -> bool:
        return self.score_method != ScoreMethod.NONE


class Question(models.Model):
    """A question of a version, in its order. `code` stays the same from one version to
    the next for the same question."""

    version = models.ForeignKey(
        InstrumentVersion, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("ordre"))
    code = models.SlugField(_("code"), max_length=60)
    kind = models.CharField(_("type de question"), max_length=20, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("aide"), max_length=500, blank=True)
    group = models.CharField(
        _("partie"),
        max_length=200,
        blank=True,
        help_text=_("Les questions d'une même partie sont présentées ensemble."),
    )
    required = models.BooleanField(_("réponse obligatoire"), default=True)
    # A scale question that counts in the instrument's score (its options carry points).
    is_scored = models.BooleanField(_("compte dans le score"), default=False)
    min_value = models.DecimalField(
        _("valeur minimale"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("valeur maximale"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["version", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"],
                name="question_position_once",
                violation_error_message=_("Deux questions ne peuvent pas avoir le même ordre."),
            ),
            models.UniqueConstraint(
                fields=["version", "code"],
                name="question_code_once",
                violation_error_message=_("Ce code est déjà celui d'une autre question."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=QuestionKind.values),
                name="question_kind_valid",
                violation_error_message=_("Type de question inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(is_scored=False) | Q(kind=QuestionKind.LIKERT, required=True),
                name="question_scored_is_required_scale",
                violation_error_message=_(
                    "Seule une question d'échelle obligatoire compte dans le score."
                ),
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=models.F("max_value")),
                name="question_min_below_max",
                violation_error_message=_("La valeur minimale dépasse la valeur maximale."),
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def has_options(self) -> bool:
        return self.kind in QuestionKind.with_options()


class Option(models.Model):
    """An answer to pick; on a scale question, the points it is worth."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(_("ordre"))
    label = models.CharField(_("réponse proposée"), max_length=300)
    score = models.DecimalField(_("points"), max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("réponse proposée")
        verbose_name_plural = _("réponses proposées")
        ordering = ["question", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "position"],
                name="option_position_once",
                violation_error_message=_("Deux réponses proposées ont le même ordre."),
            )
        ]

    def __str__(self):
        return self.label


# --- waves for people -------------------------------------------------------------------


class WaveQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Coordinators see every wave; a researcher the waves of the programmes they
        read; nobody else (people answer through their own pages)."""
        if not _manages_questionnaires(user):
            return self.none()
        return self.filter(programme__in=_programmes_of(user))

    def open(self):
        return self.filter(closed_at__isnull=True)

    def for_members(self):
        return self.filter(audience=WaveAudience.MEMBERS)

    def for_accompanied(self):
        return self.filter(audience=WaveAudience.ACCOMPANIED)


class Wave(models.Model):
    """A published version asked of the members or of the accompanied people of a
    programme at one point of their path (entry, 6 months, 12 months). Each person may
    answer from WAVE_OPENS_DAYS_BEFORE days before the day it falls due for them until
    `window_days` days after, while the wave is open."""

    programme = models.ForeignKey(
        "coop.Programme",
        on_delete=models.PROTECT,
        related_name="questionnaire_waves",
        verbose_name=_("programme"),
    )
    version = models.ForeignKey(
        InstrumentVersion,
        on_delete=models.PROTECT,
        related_name="waves",
        verbose_name=_("questionnaire"),
    )
    point = models.CharField(_("vague"), max_length=16, choices=WavePoint.choices)
    audience = models.CharField(_("pour"), max_length=16, choices=WaveAudience.choices)
    window_days = models.PositiveSmallIntegerField(
        _("délai pour répondre (jours)"),
        default=60,
        help_text=_("Combien de jours, après la date prévue, la personne peut encore répondre."),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(_("fermée le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = WaveQuerySet.as_manager()

    class Meta:
        verbose_name = _("vague de questionnaire")
        verbose_name_plural = _("vagues de questionnaire")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "version", "point", "audience"],
                name="wave_once_per_programme_version_point",
                violation_error_message=_("Cette vague existe déjà pour ce programme."),
            ),
            models.CheckConstraint(
                condition=Q(point__in=WavePoint.values) & Q(audience__in=WaveAudience.values),
                name="wave_point_and_audience_valid",
                violation_error_message=_("Vague ou public inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(window_days__gte=7) & Q(window_days__lte=365),
                name="wave_window_7_to_365_days",
                violation_error_message=_("Le délai pour répondre va de 7 à 365 jours."),
            ),
        ]

    def __str__(self):
        return f"{self.version} — {self.get_point_display()} ({self.programme})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def due_on(self, entry: datetime.date) -> datetime.date:
        """The day this wave falls due for a person who entered on `entry`."""
        return add_months(entry, WavePoint(self.point).months)

    def answerable_between(self, entry: datetime.date) -> tuple[datetime.date, datetime.date]:
        due = self.due_on(entry)
        return (
            due - datetime.timedelta(days=WAVE_OPENS_DAYS_BEFORE),
            due + datetime.timedelta(days=self.window_days),
        )

    def answerable_on(self, entry: datetime.date, day: datetime.date) -> bool:
        start, end = self.answerable_between(entry)
        return self.is_open and start <= day <= end


# --- surveys of partner structures -------------------------------------------------------


class SurveyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Coordinators see every survey; a researcher those of the programmes they
        read; nobody else (structures answer through their secret link)."""
        if not _manages_questionnaires(user):
            return self.none()
        return self.filter(programme__in=_programmes_of(user))


class Survey(models.Model):
    """A published version sent to partner structures (organisations, not people), each
    by its own secret link, to be answered by a deadline; reminders go out automatically
    `reminder_days` days before it to those that have not sent their answers."""

    programme = models.ForeignKey(
        "coop.Programme",
        on_delete=models.PROTECT,
        related_name="surveys",
        verbose_name=_("programme"),
    )
    version = models.ForeignKey(
        InstrumentVersion,
        on_delete=models.PROTECT,
        related_name="surveys",
        verbose_name=_("questionnaire"),
    )
    title = models.CharField(_("titre de l'enquête"), max_length=200)
    message = models.TextField(
        _("message aux structures"),
        blank=True,
        help_text=_("Repris dans l'e-mail d'invitation et en haut du questionnaire."),
    )
    deadline = models.DateField(
        _("date limite"), help_text=_("Dernier jour pour répondre (compris).")
    )
    # Days before the deadline on which a structure that has not answered is reminded.
    reminder_days = models.JSONField(_("relances (jours avant la date limite)"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("enquête auprès des structures")
        verbose_name_plural = _("enquêtes auprès des structures")
        ordering = ["-deadline", "-pk"]

    def __str__(self):
        return self.title

    def is_closed_on(self, day: datetime.date) -> bool:
        return day > self.deadline


class SurveyRecipientQuerySet(models.QuerySet):
    def with_response_status(self):
        """Each structure with the state of its answer (None: not started)."""
        return self.annotate(
            response_status=models.Subquery(
                Response.objects.filter(recipient=OuterRef("pk")).values("status")[:1]
            )
        )

    def not_answered(self):
        return self.exclude(
            Exists(
                Response.objects.filter(recipient=OuterRef("pk"), status=ResponseStatus.SUBMITTED)
            )
        )


class SurveyRecipient(models.Model):
    """A structure invited to a survey. Its link's secret is never stored: it is derived
    from the server's secret key and `token_nonce`, and only its hash is kept to find the
    structure when the link is opened."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="recipients")
    name = models.CharField(_("structure"), max_length=200)
    email = models.EmailField(_("adresse e-mail"))
    token_nonce = models.CharField(max_length=64, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now, editable=False)
    invited_at = models.DateTimeField(_("invitée le"), null=True, blank=True)

    objects = SurveyRecipientQuerySet.as_manager()

    class Meta:
        verbose_name = _("structure interrogée")
        verbose_name_plural = _("structures interrogées")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "email"],
                name="survey_recipient_email_once",
                violation_error_message=_("Cette adresse est déjà invitée à l'enquête."),
            )
        ]

    def __str__(self):
        return self.name


class SurveyReminder(models.Model):
    """A reminder sent to a structure: one per step (days before the deadline), claimed
    by its insertion so that two runs never send it twice."""

    recipient = models.ForeignKey(
        SurveyRecipient, on_delete=models.CASCADE, related_name="reminders"
    )
    days_before = models.PositiveSmallIntegerField(_("jours avant la date limite"))
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("relance d'enquête")
        verbose_name_plural = _("relances d'enquête")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "days_before"],
                name="survey_reminder_once_per_step",
                violation_error_message=_("Cette relance a déjà été envoyée."),
            )
        ]

    def __str__(self):
        return f"SurveyReminder#{self.pk}"


# --- answers ----------------------------------------------------------------------------


def _member_research_consent():
    from members.enums import ConsentScope
    from members.models import Consent

    return Exists(
        Consent.objects.filter(
            member=OuterRef("member"), scope=ConsentScope.RESEARCH, withdrawn_on__isnull=True
        )
    )


def _followup_research_consent():
    from peer_support.enums import ConsentScope
    from peer_support.models import Consent

    return Exists(
        Consent.objects.filter(
            followup=OuterRef("followup"), scope=ConsentScope.RESEARCH, withdrawn_on__isnull=True
        )
    )


class ResponseQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(status=ResponseStatus.SUBMITTED)

    def of_people(self):
        return self.filter(wave__isnull=False)

    def of_structures(self):
        return self.filter(recipient__isnull=False)

    def for_research(self):
        """Answers of people whose research consent is in force now (a withdrawal
        removes them from every figure computed afterwards); structures' answers are
        not about people and all count."""
        return self.alias(
            has_member_consent=_member_research_consent(),
            has_followup_consent=_followup_research_consent(),
        ).filter(
            Q(member__isnull=False, has_member_consent=True)
            | Q(followup__isnull=False, has_followup_consent=True)
            | Q(recipient__isnull=False)
        )


class Response(models.Model):
    """The answers of one member, one accompanied person or one structure to a version:
    saved as a draft as often as needed, then sent once and never changed."""

    version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="responses"
    )
    wave = models.ForeignKey(
        Wave, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questionnaire_responses",
    )
    followup = models.ForeignKey(
        "peer_support.FollowUp",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questionnaire_responses",
    )
    recipient = models.OneToOneField(
        SurveyRecipient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="response",
    )
    status = models.CharField(
        _("état"), max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT
    )
    # The instrument's score, computed when the answers are sent (None without a score).
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True, blank=True)
    # Who typed it in: the member, or the mediator with the accompanied person; None
    # for a structure (through its link).
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("réponse à un questionnaire")
        verbose_name_plural = _("réponses à un questionnaire")
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["wave", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    wave__isnull=False,
                    member__isnull=False,
                    followup__isnull=True,
                    recipient__isnull=True,
                )
                | Q(
                    wave__isnull=False,
                    member__isnull=True,
                    followup__isnull=False,
                    recipient__isnull=True,
                )
                | Q(
                    wave__isnull=True,
                    member__isnull=True,
                    followup__isnull=True,
                    recipient__isnull=False,
                ),
                name="response_one_respondent",
                violation_error_message=_(
                    "Une réponse est celle d'un·e membre, d'une personne accompagnée ou "
                    "d'une structure."
                ),
            ),
            models.UniqueConstraint(
                fields=["wave", "member"],
                condition=Q(member__isnull=False),
                name="response_once_per_member_and_wave",
                violation_error_message=_("Cette personne a déjà répondu à cette vague."),
            ),
            models.UniqueConstraint(
                fields=["wave", "followup"],
                condition=Q(followup__isnull=False),
                name="response_once_per_followup_and_wave",
                violation_error_message=_("Cette personne a déjà répondu à cette vague."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ResponseStatus.values),
                name="response_status_valid",
                violation_error_message=_("État de réponse inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(status=ResponseStatus.DRAFT) | Q(submitted_at__isnull=False),
                name="response_submitted_has_date",
                violation_error_message=_("Une réponse envoyée a une date d'envoi."),
            ),
        ]

    def __str__(self):
        return f"Response#{self.pk}"

    @property
    def is_submitted(self) -> bool:
        return self.status == ResponseStatus.SUBMITTED


class Answer(models.Model):
    """The answer to one question; a multiple choice has one row per option picked.
    Free text is encrypted at rest."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    option = models.ForeignKey(
        Option, on_delete=models.PROTECT, null=True, blank=True, related_name="answers"
    )
    number = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    text = EncryptedTextField(blank=True, max_length=TEXT_ANSWER_MAX_LENGTH)

    class Meta:
        verbose_name = _("réponse à une question")
        verbose_name_plural = _("réponses aux questions")
        ordering = ["response", "question__position", "option__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(option__isnull=True),
                name="answer_once_per_question",
                violation_error_message=_("Cette question a déjà une réponse."),
            ),
            models.UniqueConstraint(
                fields=["response", "option"],
                condition=Q(option__isnull=False),
                name="answer_option_once",
                violation_error_message=_("Cette réponse est déjà cochée."),
            ),
        ]

    def __str__(self):
        return f"Answer#{self.pk}"
