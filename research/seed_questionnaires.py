"""The questionnaires step of the demo and load-test data sets (`manage.py seed`), after
`research.seed.seed_research` (it reads the members each programme covers).

- A demo scale with a score, "Mon moral ces dernières semaines", written for the demo
  (not a validated scale: those are added by the cooperative under their licence).
- Waves: the scale at entry, 6 and 12 months for the members of the programme that
  covers the most members, and at entry and 12 months for the accompanied people of the
  programme with the most follow-ups; answers of the people with research consent whose
  wave fell due, most of them, dated when they answered (a slightly better mood a year
  on). The demo entrepreneur has the entry questionnaire to fill today.
- A survey of partner structures with the shipped 2009 information sheet: eight
  fictional structures (addresses under `.example`), five answered, one started.
"""

import datetime
import random
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from faker import Faker

from coop.models import Programme
from members.enums import ConsentScope, Role
from members.models import Consent, Member, User
from members.seed import DEMO_LOGINS
from peer_support.models import FollowUp
from research.enums_questionnaires import (
    QuestionKind,
    ResponseStatus,
    ScoreMethod,
    VersionStatus,
    WaveAudience,
    WavePoint,
)
from research.instruments import fiche_insertion_2009
from research.instruments.loader import instrument_load
from research.models import (
    Answer,
    Instrument,
    InstrumentVersion,
    Option,
    ProgrammeMember,
    Question,
    Response,
    Survey,
    SurveyRecipient,
    Wave,
)
from research.services.questionnaires import score_of
from research.services.surveys import link_hash

BATCH_SIZE = 2000
# Share of the people asked who answered.
ANSWER_RATE = 0.7
# The demo scale: five statements, "never" (0) to "very often" (3); score: their sum.
MOOD_CODE = "mon-moral"
MOOD_ITEMS = (
    "Je me suis senti·e utile.",
    "J'ai eu de l'énergie pour mes projets.",
    "J'ai pu compter sur des personnes autour de moi.",
    "Je me suis senti·e calme.",
    "J'ai eu confiance en l'avenir.",
)
MOOD_SCALE = (("Jamais", 0), ("Parfois", 1), ("Souvent", 2), ("Très souvent", 3))
STRUCTURES = (
    "CSAPA Le Trait d'union",
    "CAARUD L'Escale",
    "Association Rebonds Insertion",
    "Chantier d'insertion Les Jardins du canal",
    "CSAPA Hôpital Avicenne",
    "Association Pairs & Repères",
    "Atelier chantier d'insertion La Recyclerie",
    "CAARUD Proses",
)
DIFFICULTIES = (
    "Les financements sont annuels : impossible de garder les encadrants.",
    "Peu d'employeurs acceptent un parcours avec traitement de substitution.",
    "Les personnes décrochent quand le logement manque.",
    "Trop de démarches administratives pour chaque contrat aidé.",
)


def seed_questionnaires(*, rng: random.Random, faker: Faker, size: str) -> None:
    coordinator = (
        User.objects.filter(email=DEMO_LOGINS[Role.COORDINATOR]).first()
        or User.objects.filter(role=Role.COORDINATOR).order_by("pk").first()
    )
    if coordinator is None:
        return
    today = timezone.localdate()
    version = _mood_scale(coordinator)
    members_programme = (
        Programme.objects.annotate(n=Count("memberships"))
        .filter(n__gt=0)
        .order_by("-n", "pk")
        .first()
    )
    if members_programme is not None:
        waves = _open_waves(
            members_programme,
            version,
            WaveAudience.MEMBERS,
            (WavePoint.ENTRY, WavePoint.MONTH_6, WavePoint.MONTH_12),
            coordinator,
        )
        _demo_entrepreneur_enters(members_programme, coordinator, today)
        _member_answers(rng, waves, version, today)
    followups = FollowUp.objects.filter(programme__isnull=False, erased_at__isnull=True)
    top = followups.values("programme").annotate(n=Count("pk")).order_by("-n", "programme").first()
    if top is not None:
        programme = Programme.objects.get(pk=top["programme"])
        waves = _open_waves(
            programme,
            version,
            WaveAudience.ACCOMPANIED,
            (WavePoint.ENTRY, WavePoint.MONTH_12),
            coordinator,
        )
        _accompanied_answers(rng, waves, version, today)
    survey_programme = members_programme or Programme.objects.order_by("pk").first()
    if survey_programme is not None:
        _survey(rng, survey_programme, coordinator, today)


# --- the scale and its waves --------------------------------------------------------------


def _mood_scale(coordinator: User) -> InstrumentVersion:
    instrument = Instrument.objects.create(
        code=MOOD_CODE,
        name="Mon moral ces dernières semaines",
        description=(
            "Cinq phrases, de « jamais » à « très souvent », écrites pour la démonstration. "
            "Ce n'est pas une échelle validée."
        ),
        licence="Écrit pour la démonstration : libre d'utilisation.",
        created_by=coordinator,
    )
    version = InstrumentVersion.objects.create(
        instrument=instrument,
        number=1,
        status=VersionStatus.PUBLISHED,
        intro="Pensez aux deux dernières semaines. Il n'y a pas de bonne ou de mauvaise réponse.",
        score_method=ScoreMethod.SUM,
        score_label="Score de moral (0 à 15)",
        created_by=coordinator,
        published_by=coordinator,
        published_at=timezone.now(),
    )
    for position, text in enumerate(MOOD_ITEMS, start=1):
        question = Question.objects.create(
            version=version,
            position=position,
            code=f"moral_{position}",
            kind=QuestionKind.LIKERT,
            text=text,
            group="Ces deux dernières semaines",
            is_scored=True,
        )
        Option.objects.bulk_create(
            Option(question=question, position=n, label=label, score=Decimal(score))
            for n, (label, score) in enumerate(MOOD_SCALE, start=1)
        )
    return version


def _open_waves(programme, version, audience, points, coordinator) -> list[Wave]:
    opened_at = timezone.make_aware(
        datetime.datetime.combine(programme.starts_on, datetime.time(9))
    )
    return [
        Wave.objects.create(
            programme=programme,
            version=version,
            point=point,
            audience=audience,
            window_days=60,
            opened_by=coordinator,
            opened_at=opened_at,
        )
        for point in points
    ]


def _demo_entrepreneur_enters(programme, coordinator, today) -> None:
    """The demo entrepreneur joins the programme this week, with research consent, so
    that "Mes questionnaires" has something to show."""
    member = Member.objects.filter(user__email=DEMO_LOGINS[Role.ENTREPRENEUR]).first()
    if member is None:
        return
    joined_on = today - datetime.timedelta(days=3)
    ProgrammeMember.objects.update_or_create(
        programme=programme,
        member=member,
        defaults={"joined_on": joined_on, "left_on": None, "added_by": coordinator},
    )
    if not member.consents.filter(scope=ConsentScope.RESEARCH, withdrawn_on__isnull=True).exists():
        Consent.objects.create(
            member=member,
            scope=ConsentScope.RESEARCH,
            given_on=joined_on,
            explanation="Des chiffres anonymes pour la recherche-action du programme.",
            recorded_by=coordinator,
        )


# --- answers ------------------------------------------------------------------------------


def _pick(rng: random.Random, options: list[Option], mood: float) -> Option:
    """An option around the person's mood (0 to 3)."""
    index = round(min(3.0, max(0.0, rng.gauss(mood, 0.8))))
    return options[index]


def _answered_at(rng: random.Random, due_on: datetime.date) -> datetime.datetime:
    day = due_on + datetime.timedelta(days=rng.randint(0, 20))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(9, 19))))


def _write(rng, version, respondents, today) -> None:
    """`respondents`: (wave, subject field, subject id, entry day, mood) — a submitted
    response with its answers for each wave that fell due long enough ago."""
    questions = list(version.questions.prefetch_related("options").order_by("position"))
    options = {q.pk: list(q.options.order_by("position")) for q in questions}
    responses, answer_sets = [], []
    for wave, field, subject_id, entry, mood in respondents:
        due_on = wave.due_on(entry)
        if due_on > today - datetime.timedelta(days=21) or rng.random() > ANSWER_RATE:
            continue
        if wave.point == WavePoint.MONTH_12:
            mood += 0.3
        answered_at = _answered_at(rng, due_on)
        answers = [Answer(question=q, option=_pick(rng, options[q.pk], mood)) for q in questions]
        responses.append(
            Response(
                version=version,
                wave=wave,
                status=ResponseStatus.SUBMITTED,
                score=score_of(version, answers),
                started_at=answered_at,
                updated_at=answered_at,
                submitted_at=answered_at,
                **{field: subject_id},
            )
        )
        answer_sets.append(answers)
    Response.objects.bulk_create(responses, batch_size=BATCH_SIZE)
    rows = []
    for response, answers in zip(responses, answer_sets, strict=True):
        for answer in answers:
            answer.response = response
            rows.append(answer)
    Answer.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def _member_answers(rng, waves, version, today) -> None:
    consenting = Consent.objects.filter(
        member=OuterRef("member"), scope=ConsentScope.RESEARCH, withdrawn_on__isnull=True
    )
    memberships = (
        ProgrammeMember.objects.filter(programme=waves[0].programme)
        .filter(Exists(consenting))
        .exclude(member__user__email=DEMO_LOGINS[Role.ENTREPRENEUR])
        .order_by("pk")
        .values_list("member_id", "joined_on", "left_on")
    )
    respondents = []
    for member_id, joined_on, left_on in memberships:
        mood = rng.uniform(0.8, 2.2)
        for wave in waves:
            if left_on is None or left_on >= wave.due_on(joined_on):
                respondents.append((wave, "member_id", member_id, joined_on, mood))
    _write(rng, version, respondents, today)


def _accompanied_answers(rng, waves, version, today) -> None:
    followups = (
        FollowUp.objects.filter(programme=waves[0].programme, erased_at__isnull=True)
        .for_research()
        .order_by("pk")
        .values_list("pk", "opened_on", "closed_on")
    )
    respondents = []
    for followup_id, opened_on, closed_on in followups:
        mood = rng.uniform(0.5, 1.8)
        for wave in waves:
            if closed_on is None or closed_on >= wave.due_on(opened_on):
                respondents.append((wave, "followup_id", followup_id, opened_on, mood))
    _write(rng, version, respondents, today)


# --- the survey of structures -------------------------------------------------------------


def _survey(rng: random.Random, programme, coordinator, today) -> None:
    instrument = instrument_load(fiche_insertion_2009.DEFINITION)
    version = instrument.versions.published().order_by("-number").first()
    survey = Survey.objects.create(
        programme=programme,
        version=version,
        title=f"Insertion par l'emploi des usagers de drogues — {today.year}",
        message=(
            "La coopérative fait le point avec ses partenaires sur l'insertion par l'emploi "
            "des personnes usagères de drogues. Merci de répondre pour votre structure."
        ),
        deadline=today + datetime.timedelta(days=20),
        reminder_days=[7, 2],
        created_by=coordinator,
    )
    invited_at = timezone.now() - datetime.timedelta(days=12)
    questions = list(version.questions.prefetch_related("options").order_by("position"))
    for n, name in enumerate(STRUCTURES):
        nonce = f"{rng.getrandbits(128):032x}"
        recipient = SurveyRecipient.objects.create(
            survey=survey,
            name=name,
            email=f"contact{n + 1}@structure-partenaire.example",
            token_nonce=nonce,
            token_hash=link_hash(nonce),
            added_by=coordinator,
            invited_at=invited_at,
        )
        if n < 6:
            _structure_answers(rng, recipient, version, questions, submitted=n < 5)


def _structure_answers(rng, recipient, version, questions, *, submitted: bool) -> None:
    when = timezone.now() - datetime.timedelta(days=rng.randint(1, 10))
    response = Response.objects.create(
        version=version,
        recipient=recipient,
        status=ResponseStatus.SUBMITTED if submitted else ResponseStatus.DRAFT,
        started_at=when,
        updated_at=when,
        submitted_at=when if submitted else None,
    )
    rows = []
    for question in questions:
        if not submitted and question.position > 4:
            break
        options = list(question.options.all())
        if question.kind == QuestionKind.SINGLE_CHOICE:
            rows.append(Answer(response=response, question=question, option=rng.choice(options)))
        elif question.kind == QuestionKind.MULTIPLE_CHOICE:
            for option in rng.sample(options, rng.randint(1, 3)):
                rows.append(Answer(response=response, question=question, option=option))
        elif question.kind == QuestionKind.PERCENTAGE:
            rows.append(Answer(response=response, question=question, number=rng.randint(5, 60)))
        elif question.kind == QuestionKind.NUMBER:
            rows.append(Answer(response=response, question=question, number=rng.randint(2, 120)))
        elif question.kind == QuestionKind.DATE:
            year = rng.randint(2005, 2022)
            rows.append(
                Answer(response=response, question=question, date=datetime.date(year, 9, 1))
            )
        elif question.code == "difficultes_precisions":
            rows.append(Answer(response=response, question=question, text=rng.choice(DIFFICULTIES)))
    Answer.objects.bulk_create(rows)
