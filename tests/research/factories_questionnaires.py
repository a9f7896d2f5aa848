"""Factories of the questionnaires: instruments and versions (a published scale with a
score by default), waves, surveys and their structures, and the consents that let a
person be asked."""

import datetime
import secrets
from decimal import Decimal

import factory
from django.utils import timezone

from members.enums import ConsentScope, Role
from research.enums_questionnaires import (
    QuestionKind,
    ScoreMethod,
    VersionStatus,
    WaveAudience,
    WavePoint,
)
from research.services import surveys
from tests.members.factories import ProgrammeFactory, UserFactory

# The points of the test scale: Jamais 0 … Très souvent 3.
SCALE = (("Jamais", 0), ("Parfois", 1), ("Souvent", 2), ("Très souvent", 3))


class InstrumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "research.Instrument"

    code = factory.Sequence(lambda n: f"questionnaire-{n}")
    name = factory.Sequence(lambda n: f"Questionnaire {n}")
    description = "Un questionnaire de test."


class VersionFactory(factory.django.DjangoModelFactory):
    """A published version 1 with a summed score; `draft=True` for a draft. Questions
    are added with QuestionFactory (or `scale_version()`)."""

    class Meta:
        model = "research.InstrumentVersion"

    instrument = factory.SubFactory(InstrumentFactory)
    number = 1
    status = VersionStatus.PUBLISHED
    score_method = ScoreMethod.SUM
    score_label = "Score de moral"
    published_at = factory.LazyFunction(timezone.now)

    class Params:
        draft = factory.Trait(status=VersionStatus.DRAFT, published_at=None)


class QuestionFactory(factory.django.DjangoModelFactory):
    """A scored scale question (options from SCALE); pass `kind` and `options=[...]`
    (labels, or (label, points) pairs) for another kind."""

    class Meta:
        model = "research.Question"
        skip_postgeneration_save = True

    version = factory.SubFactory(VersionFactory)
    position = factory.Sequence(lambda n: n + 1)
    code = factory.Sequence(lambda n: f"q{n + 1}")
    kind = QuestionKind.LIKERT
    text = factory.Sequence(lambda n: f"Question {n + 1} : comment vous sentez-vous ?")
    required = True
    is_scored = factory.LazyAttribute(lambda o: o.kind == QuestionKind.LIKERT)

    @factory.post_generation
    def options(obj, create, extracted, **kwargs):
        if not create:
            return
        entries = SCALE if extracted is None and obj.kind == QuestionKind.LIKERT else extracted
        for n, entry in enumerate(entries or [], start=1):
            label, score = entry if isinstance(entry, tuple | list) else (entry, None)
            obj.options.create(
                position=n, label=label, score=None if score is None else Decimal(score)
            )


def scale_version(items: int = 3, **kwargs):
    """A published version of `items` scored scale questions (score: their sum)."""
    version = VersionFactory(**kwargs)
    for n in range(1, items + 1):
        QuestionFactory(version=version, position=n, code=f"item{n}")
    return version


def mixed_version(**kwargs):
    """A published version without score holding one question of each kind."""
    version = VersionFactory(score_method=ScoreMethod.NONE, score_label="", **kwargs)
    QuestionFactory(
        version=version,
        position=1,
        code="type",
        kind=QuestionKind.SINGLE_CHOICE,
        text="Quel type de structure ?",
        options=["CSAPA", "CAARUD", "Association"],
    )
    QuestionFactory(
        version=version,
        position=2,
        code="actions",
        kind=QuestionKind.MULTIPLE_CHOICE,
        text="Quelles actions ?",
        options=["Ateliers", "Emploi direct", "Formation"],
    )
    QuestionFactory(
        version=version,
        position=3,
        code="file",
        kind=QuestionKind.NUMBER,
        text="Combien de personnes ?",
        min_value=Decimal(0),
    )
    QuestionFactory(
        version=version,
        position=4,
        code="emploi",
        kind=QuestionKind.PERCENTAGE,
        text="Part en emploi ?",
    )
    QuestionFactory(
        version=version,
        position=5,
        code="debut",
        kind=QuestionKind.DATE,
        text="Depuis quand ?",
        required=False,
    )
    QuestionFactory(
        version=version,
        position=6,
        code="difficulte",
        kind=QuestionKind.SHORT_TEXT,
        text="Principale difficulté ?",
        required=False,
    )
    return version


class WaveFactory(factory.django.DjangoModelFactory):
    """An open entry wave for the members of a programme."""

    class Meta:
        model = "research.Wave"

    programme = factory.SubFactory(ProgrammeFactory)
    version = factory.LazyFunction(scale_version)
    point = WavePoint.ENTRY
    audience = WaveAudience.MEMBERS
    window_days = 60
    opened_by = factory.SubFactory(UserFactory, role=Role.COORDINATOR)


def research_consent(member, *, given_on: datetime.date | None = None):
    """The member's consent to research use, in force."""
    return member.consents.create(
        scope=ConsentScope.RESEARCH,
        given_on=given_on or member.information_meeting_on,
        explanation="Des chiffres anonymes pour la recherche-action.",
        recorded_by=member.coordinator,
    )


class SurveyFactory(factory.django.DjangoModelFactory):
    """A survey of a mixed questionnaire, due in 20 days, reminders 7 and 2 days before."""

    class Meta:
        model = "research.Survey"

    programme = factory.SubFactory(ProgrammeFactory)
    version = factory.LazyFunction(mixed_version)
    title = factory.Sequence(lambda n: f"Enquête partenaires {n}")
    message = "Merci de répondre pour votre structure."
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=20))
    reminder_days = factory.LazyFunction(lambda: [7, 2])
    created_by = factory.SubFactory(UserFactory, role=Role.COORDINATOR)


class SurveyRecipientFactory(factory.django.DjangoModelFactory):
    """A structure invited 10 days ago; its link's secret is in `recipient.token`."""

    class Meta:
        model = "research.SurveyRecipient"
        exclude = ["token"]

    survey = factory.SubFactory(SurveyFactory)
    name = factory.Sequence(lambda n: f"Association n° {n}")
    email = factory.Sequence(lambda n: f"structure{n}@partenaire.example")
    added_by = factory.LazyAttribute(lambda o: o.survey.created_by)
    invited_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=10))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        nonce = secrets.token_hex(16)
        token = surveys.link_token(nonce)
        recipient = model_class(
            *args, token_nonce=nonce, token_hash=surveys.link_hash(nonce), **kwargs
        )
        recipient.save()
        recipient.token = token
        return recipient
