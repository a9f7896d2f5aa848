"""Questionnaires: versions that freeze when published, waves due for people, answers
saved and sent once, scores, the shipped instrument, and the score indicator."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from members.enums import Role
from peer_support.enums import AccessAction
from peer_support.enums import ConsentScope as PeerConsentScope
from peer_support.models import AccessLog
from research.enums_questionnaires import (
    QuestionKind,
    ResponseStatus,
    ScoreMethod,
    VersionStatus,
    WaveAudience,
    WavePoint,
)
from research.indicators import REGISTRY, TOTAL, Scope
from research.instruments import fiche_insertion_2009
from research.instruments.loader import instrument_load
from research.models import Instrument, InstrumentVersion, Response
from research.services import questionnaires as services
from tests.members.factories import MemberFactory, ProgrammeFactory, UserFactory
from tests.peer_support.factories import FollowUpFactory, lead_user
from tests.research.factories import ProgrammeMemberFactory
from tests.research.factories_questionnaires import (
    QuestionFactory,
    VersionFactory,
    WaveFactory,
    mixed_version,
    research_consent,
    scale_version,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _coordinator():
    return UserFactory(role=Role.COORDINATOR)


def _option_pk(question, label):
    return str(question.options.get(label=label).pk)


def _answer_all(version, label):
    """Every scale question answered with the same label."""
    return {q.pk: _option_pk(q, label) for q in version.questions.all()}


def _member_in(programme, *, joined_days_ago=10, consent=True):
    member = MemberFactory(path="cape")
    ProgrammeMemberFactory(
        programme=programme,
        member=member,
        joined_on=TODAY() - datetime.timedelta(days=joined_days_ago),
    )
    if consent:
        research_consent(member)
    return member


# --- the builder --------------------------------------------------------------------------


def test_instrument_starts_as_a_draft_version_and_publishes_when_complete():
    actor = _coordinator()
    instrument = services.instrument_create(
        actor=actor,
        code="Mon Moral",
        name="Mon moral",
        score_method=ScoreMethod.SUM,
        score_label="Score de moral",
    )
    assert instrument.code == "mon-moral"
    draft = instrument.versions.get()
    assert draft.status == VersionStatus.DRAFT and draft.number == 1
    with pytest.raises(ValidationError, match="au moins une question"):
        services.version_publish(actor=actor, version=draft)
    services.question_add(
        actor=actor,
        version=draft,
        kind=QuestionKind.SINGLE_CHOICE,
        text="Vous dormez bien ?",
        options=[("Oui", None), ("Non", None)],
    )
    with pytest.raises(ValidationError, match="compter dans le score"):
        services.version_publish(actor=actor, version=draft)
    services.question_add(
        actor=actor,
        version=draft,
        kind=QuestionKind.LIKERT,
        text="Vous vous sentez calme ?",
        is_scored=True,
        required=False,
        options=[("Jamais", Decimal(0)), ("Souvent", Decimal(2))],
    )
    scored = draft.questions.get(is_scored=True)
    assert scored.required  # a scored item is always answered
    assert [q.code for q in draft.questions.order_by("position")] == ["q1", "q2"]
    services.version_publish(actor=actor, version=draft)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED and draft.published_at is not None


def test_question_rules_give_french_messages():
    actor = _coordinator()
    version = VersionFactory(draft=True)
    cases = [
        ({"kind": QuestionKind.SINGLE_CHOICE, "options": [("Oui", None)]}, "options"),
        (
            {"kind": QuestionKind.LIKERT, "options": [("Jamais", None), ("Souvent", None)]},
            "options",
        ),
        ({"kind": QuestionKind.NUMBER, "options": [("Oui", None), ("Non", None)]}, "options"),
        ({"kind": QuestionKind.NUMBER, "is_scored": True}, "is_scored"),
        (
            {"kind": QuestionKind.NUMBER, "min_value": Decimal(5), "max_value": Decimal(1)},
            "max_value",
        ),
        ({"kind": QuestionKind.DATE, "min_value": Decimal(1)}, "min_value"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as caught:
            services.question_add(actor=actor, version=version, text="Question ?", **fields)
        assert field in caught.value.message_dict, fields


def test_a_published_version_never_changes():
    actor = _coordinator()
    version = scale_version(items=2)
    question = version.questions.first()
    with pytest.raises(ValidationError, match="publiée"):
        services.question_add(
            actor=actor, version=version, kind=QuestionKind.SHORT_TEXT, text="Autre ?"
        )
    with pytest.raises(ValidationError, match="publiée"):
        services.question_delete(actor=actor, question=question)
    with pytest.raises(ValidationError, match="publiée"):
        services.version_update(
            actor=actor, version=version, intro="", score_method="none", score_label=""
        )


def test_only_managers_build():
    version = VersionFactory(draft=True)
    for role in (Role.FUNDER, Role.ENTREPRENEUR, Role.ADMINISTRATOR):
        with pytest.raises(PermissionDenied):
            services.question_add(
                actor=UserFactory(role=role), version=version, kind="date", text="Quand ?"
            )


def test_questions_move_and_close_ranks_when_one_is_deleted():
    actor = _coordinator()
    version = VersionFactory(draft=True)
    first, second, third = (QuestionFactory(version=version, position=n) for n in (1, 2, 3))
    services.question_move(actor=actor, question=third, up=True)
    order = list(version.questions.order_by("position").values_list("pk", flat=True))
    assert order == [first.pk, third.pk, second.pk]
    services.question_delete(actor=actor, question=first)
    positions = list(version.questions.order_by("position").values_list("pk", "position"))
    assert positions == [(third.pk, 1), (second.pk, 2)]


def test_new_version_copies_the_published_one_and_answers_keep_theirs():
    actor = _coordinator()
    programme = ProgrammeFactory()
    v1 = scale_version(items=2)
    wave = WaveFactory(programme=programme, version=v1)
    member = _member_in(programme)
    services.member_response_save(
        actor=member.user, wave=wave, values=_answer_all(v1, "Souvent"), submit=True
    )
    v2 = services.version_new_draft(actor=actor, instrument=v1.instrument)
    assert v2.number == 2 and v2.is_draft
    assert [q.code for q in v2.questions.order_by("position")] == ["item1", "item2"]
    assert v2.questions.first().options.count() == 4
    with pytest.raises(ValidationError, match="brouillon existe"):
        services.version_new_draft(actor=actor, instrument=v1.instrument)
    services.question_delete(actor=actor, question=v2.questions.first())
    services.version_publish(actor=actor, version=v2)
    response = Response.objects.get(member=member)
    assert response.version == v1
    assert response.answers.count() == 2
    assert {a.question.version_id for a in response.answers.all()} == {v1.pk}


def test_one_draft_per_instrument_in_the_database():
    version = VersionFactory(draft=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        InstrumentVersion.objects.create(instrument=version.instrument, number=2)


# --- scores -------------------------------------------------------------------------------


def test_score_is_the_sum_or_the_mean_of_scored_items():
    programme = ProgrammeFactory()
    member = _member_in(programme)
    summed = scale_version(items=3)
    wave = WaveFactory(programme=programme, version=summed)
    values = _answer_all(summed, "Souvent")  # 2 + 2 + 2
    first = summed.questions.order_by("position").first()
    values[first.pk] = _option_pk(first, "Très souvent")  # 3 + 2 + 2
    response = services.member_response_save(
        actor=member.user, wave=wave, values=values, submit=True
    )
    assert response.score == Decimal("7.00")

    averaged = scale_version(items=3, score_method=ScoreMethod.MEAN)
    wave = WaveFactory(programme=programme, version=averaged, point=WavePoint.MONTH_12)
    programme_member = member.programme_memberships.get()
    programme_member.joined_on = TODAY() - datetime.timedelta(days=366)
    programme_member.save()
    values = _answer_all(averaged, "Parfois")
    values[averaged.questions.order_by("position").first().pk] = _option_pk(
        averaged.questions.order_by("position").first(), "Très souvent"
    )
    response = services.member_response_save(
        actor=member.user, wave=wave, values=values, submit=True
    )
    assert response.score == Decimal("1.67")  # (3 + 1 + 1) / 3


def test_a_version_without_score_stores_none():
    programme = ProgrammeFactory()
    member = _member_in(programme)
    version = mixed_version()
    wave = WaveFactory(programme=programme, version=version)
    questions = {q.code: q for q in version.questions.all()}
    response = services.member_response_save(
        actor=member.user,
        wave=wave,
        values={
            questions["type"].pk: _option_pk(questions["type"], "CSAPA"),
            questions["actions"].pk: [_option_pk(questions["actions"], "Ateliers")],
            questions["file"].pk: Decimal(40),
            questions["emploi"].pk: Decimal("12.5"),
        },
        submit=True,
    )
    assert response.score is None and response.is_submitted


# --- waves for members --------------------------------------------------------------------


def test_a_wave_is_due_around_its_day_only():
    programme = ProgrammeFactory()
    wave = WaveFactory(programme=programme, point=WavePoint.MONTH_6, window_days=30)
    # Entered 6 months ago today: due today.
    due_now = _member_in(programme, joined_days_ago=182)
    # Entered a month ago: not yet (opens 14 days before the day).
    too_early = _member_in(programme, joined_days_ago=30)
    # Entered ten months ago: the 30 days to answer are over.
    too_late = _member_in(programme, joined_days_ago=300)
    assert [d.wave for d in services.member_waves(due_now)] == [wave]
    assert services.member_waves(too_early) == []
    assert services.member_waves(too_late) == []


def test_no_wave_without_research_consent_or_outside_the_programme():
    programme = ProgrammeFactory()
    WaveFactory(programme=programme)
    assert services.member_waves(_member_in(programme, consent=False)) == []
    elsewhere = _member_in(ProgrammeFactory())
    assert services.member_waves(elsewhere) == []


def test_a_closed_wave_takes_no_answer():
    programme = ProgrammeFactory()
    wave = WaveFactory(programme=programme)
    member = _member_in(programme)
    services.wave_close(actor=_coordinator(), wave=wave)
    with pytest.raises(PermissionDenied):
        services.member_response_save(
            actor=member.user, wave=wave, values=_answer_all(wave.version, "Jamais"), submit=False
        )


def test_draft_then_submit_once():
    programme = ProgrammeFactory()
    wave = WaveFactory(programme=programme)
    member = _member_in(programme)
    first = wave.version.questions.order_by("position").first()
    draft = services.member_response_save(
        actor=member.user, wave=wave, values={first.pk: _option_pk(first, "Jamais")}, submit=False
    )
    assert draft.status == ResponseStatus.DRAFT and draft.answers.count() == 1
    with pytest.raises(ValidationError) as caught:
        services.member_response_save(
            actor=member.user,
            wave=wave,
            values={first.pk: _option_pk(first, "Jamais")},
            submit=True,
        )
    assert len(caught.value.message_dict) == 2  # the two other questions are required
    sent = services.member_response_save(
        actor=member.user, wave=wave, values=_answer_all(wave.version, "Jamais"), submit=True
    )
    assert sent.pk == draft.pk and sent.is_submitted and sent.answers.count() == 3
    with pytest.raises(ValidationError, match="déjà été envoyées"):
        services.member_response_save(
            actor=member.user, wave=wave, values=_answer_all(wave.version, "Souvent"), submit=True
        )
    assert Response.objects.get().score == Decimal("0.00")


def test_an_option_of_another_question_is_refused():
    programme = ProgrammeFactory()
    wave = WaveFactory(programme=programme)
    member = _member_in(programme)
    first, second = wave.version.questions.order_by("position")[:2]
    with pytest.raises(ValidationError):
        services.member_response_save(
            actor=member.user,
            wave=wave,
            values={first.pk: _option_pk(second, "Jamais")},
            submit=False,
        )


def test_wave_open_checks_its_rules():
    actor = _coordinator()
    programme = ProgrammeFactory()
    version = scale_version()
    waves = services.wave_open(
        actor=actor,
        programme=programme,
        version=version,
        audience=WaveAudience.MEMBERS,
        points=[WavePoint.ENTRY, WavePoint.MONTH_12],
    )
    assert len(waves) == 2
    with pytest.raises(ValidationError, match="existe déjà"):
        services.wave_open(
            actor=actor,
            programme=programme,
            version=version,
            audience=WaveAudience.MEMBERS,
            points=[WavePoint.ENTRY],
        )
    with pytest.raises(ValidationError, match="texte libre"):
        services.wave_open(
            actor=actor,
            programme=programme,
            version=mixed_version(),
            audience=WaveAudience.ACCOMPANIED,
            points=[WavePoint.ENTRY],
        )
    with pytest.raises(ValidationError, match="publiée"):
        services.wave_open(
            actor=actor,
            programme=programme,
            version=VersionFactory(draft=True),
            audience=WaveAudience.MEMBERS,
            points=[WavePoint.ENTRY],
        )
    researcher = UserFactory(role=Role.RESEARCHER)
    with pytest.raises(PermissionDenied):
        services.wave_open(
            actor=researcher,
            programme=programme,
            version=version,
            audience=WaveAudience.MEMBERS,
            points=[WavePoint.MONTH_6],
        )


# --- waves for accompanied people ---------------------------------------------------------


def test_accompanied_answers_are_logged_and_only_for_their_mediators():
    programme = ProgrammeFactory()
    followup = FollowUpFactory(programme=programme, opened_on=TODAY() - datetime.timedelta(days=5))
    wave = WaveFactory(programme=programme, audience=WaveAudience.ACCOMPANIED)
    mediator = followup.mediator.user
    stranger = FollowUpFactory().mediator.user
    with pytest.raises(PermissionDenied):
        services.followup_response_save(
            actor=stranger,
            followup=followup,
            wave=wave,
            values=_answer_all(wave.version, "Parfois"),
            submit=True,
        )
    response = services.followup_response_save(
        actor=mediator,
        followup=followup,
        wave=wave,
        values=_answer_all(wave.version, "Parfois"),
        submit=True,
    )
    assert response.score == Decimal("3.00") and response.filled_by == mediator
    log = AccessLog.objects.get(followup=followup)
    assert log.action == AccessAction.CREATE and log.record_type == "research.response"
    services.followup_questionnaires_read(actor=lead_user(), followup=followup)
    assert AccessLog.objects.filter(followup=followup, action=AccessAction.VIEW).count() == 1


def test_accompanied_people_without_research_consent_are_not_asked():
    programme = ProgrammeFactory()
    followup = FollowUpFactory(
        programme=programme,
        opened_on=TODAY() - datetime.timedelta(days=5),
        research_consent=False,
    )
    WaveFactory(programme=programme, audience=WaveAudience.ACCOMPANIED)
    assert services.followup_waves(followup) == []


# --- the shipped instrument ---------------------------------------------------------------


def test_the_2009_sheet_is_shipped_published_and_loads_once():
    instrument = Instrument.objects.get(code=fiche_insertion_2009.DEFINITION["code"])
    version = instrument.versions.get()
    assert version.status == VersionStatus.PUBLISHED
    kinds = set(version.questions.values_list("kind", flat=True))
    assert {"percentage", "multiple_choice", "single_choice", "number", "short_text"} <= kinds
    codes = set(version.questions.values_list("code", flat=True))
    assert {"part_emploi_declare", "part_minima_sociaux", "part_femmes", "financeurs"} <= codes
    assert instrument_load(fiche_insertion_2009.DEFINITION) == instrument
    assert Instrument.objects.filter(code=instrument.code).count() == 1


# --- the indicator ------------------------------------------------------------------------


def _answered(programme, wave, label, *, joined_days_ago=10, gender=None):
    member = _member_in(programme, joined_days_ago=joined_days_ago)
    if gender:
        member.gender = gender
        member.save()
    services.member_response_save(
        actor=member.user, wave=wave, values=_answer_all(wave.version, label), submit=True
    )
    return member


def test_score_indicator_means_by_wave_with_consent_only():
    programme = ProgrammeFactory()
    version = scale_version(items=2)
    entry = WaveFactory(programme=programme, version=version, point=WavePoint.ENTRY)
    year = WaveFactory(programme=programme, version=version, point=WavePoint.MONTH_12)
    _answered(programme, entry, "Jamais")  # 0
    _answered(programme, entry, "Souvent")  # 4
    _answered(programme, year, "Très souvent", joined_days_ago=366)  # 6
    withdrawn = _answered(programme, year, "Jamais", joined_days_ago=366)
    withdrawn.consents.update(withdrawn_on=TODAY())
    followup = FollowUpFactory(programme=programme, opened_on=TODAY() - datetime.timedelta(days=3))
    accompanied = WaveFactory(
        programme=programme, version=version, audience=WaveAudience.ACCOMPANIED
    )
    services.followup_response_save(
        actor=followup.mediator.user,
        followup=followup,
        wave=accompanied,
        values=_answer_all(version, "Parfois"),  # 2
        submit=True,
    )
    indicator = REGISTRY["questionnaire_score"]
    scope = Scope(start=TODAY() - datetime.timedelta(days=30), end=TODAY(), programme=programme)
    table = indicator.table(scope, rows="instrument", cols="wave")
    code = version.instrument.code
    assert table.cell(code, WavePoint.ENTRY).value == Decimal("2.00")  # (0 + 4 + 2) / 3
    assert table.cell(code, WavePoint.ENTRY).people == 3
    assert table.cell(code, WavePoint.MONTH_12).value == Decimal("6.00")
    assert table.cell(code, WavePoint.MONTH_12).people == 1
    assert table.cell(TOTAL, TOTAL).people == 4
    assert dict(table.rows)[code] == version.instrument.name
    # Another programme's scope sees none of it.
    other = Scope(start=scope.start, end=scope.end, programme=ProgrammeFactory())
    assert indicator.table(other).cell().people == 0
    # A withdrawn accompanied person vanishes too.
    followup.consents.filter(scope=PeerConsentScope.RESEARCH).update(withdrawn_on=TODAY())
    assert indicator.table(scope, rows="wave").cell(WavePoint.ENTRY).people == 2


def test_score_indicator_counts_a_person_once_per_cell():
    """Two waves of two programmes at entry: one person, their scores averaged."""
    member = MemberFactory(path="cape")
    research_consent(member)
    version = scale_version(items=1)
    for label in ("Jamais", "Très souvent"):
        programme = ProgrammeFactory()
        ProgrammeMemberFactory(
            programme=programme, member=member, joined_on=TODAY() - datetime.timedelta(days=5)
        )
        wave = WaveFactory(programme=programme, version=version)
        services.member_response_save(
            actor=member.user, wave=wave, values=_answer_all(version, label), submit=True
        )
    table = REGISTRY["questionnaire_score"].table(
        Scope(start=TODAY() - datetime.timedelta(days=3), end=TODAY()), rows="wave"
    )
    assert table.cell(WavePoint.ENTRY).people == 1
    assert table.cell(WavePoint.ENTRY).value == Decimal("1.50")


@pytest.mark.parametrize("size", [1, 4])
def test_score_indicator_query_count_is_constant(size, django_assert_num_queries):
    programme = ProgrammeFactory()
    wave = WaveFactory(programme=programme)
    for _n in range(size):
        _answered(programme, wave, "Souvent")
    scope = Scope(start=TODAY() - datetime.timedelta(days=3), end=TODAY(), programme=programme)
    indicator = REGISTRY["questionnaire_score"]
    # Four GROUP BY queries (cells, row margins, column margins, total) and the names of
    # the instruments.
    with django_assert_num_queries(5):
        indicator.table(scope, rows="instrument", cols="gender")


@pytest.mark.parametrize("rows", [None, "instrument", "wave", "audience", "gender"])
@pytest.mark.parametrize("cols", [None, "instrument", "wave", "audience", "gender"])
def test_score_indicator_every_breakdown(rows, cols):
    if rows is not None and rows == cols:
        return
    programme = ProgrammeFactory()
    wave = WaveFactory(programme=programme)
    _answered(programme, wave, "Souvent")
    table = REGISTRY["questionnaire_score"].table(
        Scope(start=TODAY() - datetime.timedelta(days=3), end=TODAY(), department="93"),
        rows=rows,
        cols=cols,
    )
    assert table.cell().people == 1 and table.cell().value == Decimal("6.00")
