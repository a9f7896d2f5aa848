"""The questionnaire pages: the builder, the waves, "Mes questionnaires" and the pages of
an accompanied person — per role, per method, and with a constant number of queries."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from members.enums import Role
from peer_support.enums import AccessAction
from peer_support.models import AccessLog
from research.enums_questionnaires import (
    QuestionKind,
    ResponseStatus,
    VersionStatus,
    WaveAudience,
    WavePoint,
)
from research.models import Instrument, Response, Wave
from tests.members.factories import MemberFactory, ProgrammeFactory, UserFactory
from tests.peer_support.factories import FollowUpFactory, lead_user
from tests.research.factories import ProgrammeMemberFactory
from tests.research.factories_questionnaires import (
    QuestionFactory,
    VersionFactory,
    WaveFactory,
    research_consent,
    scale_version,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
LOGIN = "/compte/login/"


def _researcher_of(client, programme):
    user = UserFactory(role=Role.RESEARCHER)
    programme.readers.add(user)
    client.force_login(user)
    return user


def _option_pk(question, label):
    return str(question.options.get(label=label).pk)


# --- who reaches the builder --------------------------------------------------------------


BUILDER_PAGES = [
    ("research:instrument_list", False),
    ("research:instrument_create", False),
    ("research:wave_list", False),
    ("research:wave_open", False),
]


@pytest.mark.parametrize(("name", "_object"), BUILDER_PAGES)
def test_anonymous_is_sent_to_login(client, name, _object):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    "role",
    [Role.FUNDER, Role.ENTREPRENEUR, Role.ADMINISTRATOR, Role.ACCOUNTANT, Role.PEER_SUPPORT_LEAD],
)
@pytest.mark.parametrize(("name", "_object"), BUILDER_PAGES)
def test_other_roles_are_refused(client_of_role, role, name, _object):
    assert client_of_role(role).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.RESEARCHER])
@pytest.mark.parametrize(("name", "_object"), BUILDER_PAGES)
def test_coordinators_and_researchers_reach_the_builder(client_of_role, role, name, _object):
    assert client_of_role(role).get(reverse(name)).status_code == 200


def test_version_pages_refuse_a_funder(client_of_role):
    version = scale_version()
    client = client_of_role(Role.FUNDER)
    for name in ("research:version_detail", "research:version_preview", "research:question_add"):
        assert client.get(reverse(name, args=[version.pk])).status_code == 403


def test_wrong_method_is_refused(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    version = scale_version()
    assert client.post(reverse("research:instrument_list")).status_code == 405
    assert (
        client.get(reverse("research:version_new", args=[version.instrument.pk])).status_code == 405
    )
    question = version.questions.first()
    assert client.get(reverse("research:question_move", args=[question.pk])).status_code == 405
    wave = WaveFactory()
    assert client.get(reverse("research:wave_close", args=[wave.pk])).status_code == 405


def test_unknown_ids_are_not_found(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    for name in (
        "research:instrument_detail",
        "research:version_detail",
        "research:question_edit",
    ):
        assert client.get(reverse(name, args=[999999])).status_code == 404


# --- building -----------------------------------------------------------------------------


def test_create_an_instrument_then_add_questions(client_of_role):
    client = client_of_role(Role.RESEARCHER)
    response = client.post(
        reverse("research:instrument_create"),
        {
            "name": "Mon moral",
            "code": "mon-moral",
            "score_method": "sum",
            "score_label": "Score de moral",
        },
    )
    instrument = Instrument.objects.get(code="mon-moral")
    draft = instrument.versions.get()
    assert response["Location"] == reverse("research:version_detail", args=[draft.pk])
    url = reverse("research:question_add", args=[draft.pk])
    # A wrong line: the message names it, what was typed stays.
    response = client.post(
        url,
        {
            "kind": QuestionKind.LIKERT,
            "text": "Je me sens calme",
            "options": "Jamais = 0\nSouvent = beaucoup",
            "is_scored": "on",
            "required": "on",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ligne 2" in html and "Je me sens calme" in html and "Souvent = beaucoup" in html
    response = client.post(
        url,
        {
            "kind": QuestionKind.LIKERT,
            "text": "Je me sens calme",
            "options": "Jamais = 0\nSouvent = 2,5",
            "is_scored": "on",
            "required": "on",
        },
    )
    assert response.status_code == 302
    question = draft.questions.get()
    assert [(o.label, str(o.score)) for o in question.options.all()] == [
        ("Jamais", "0.00"),
        ("Souvent", "2.50"),
    ]
    page = client.get(reverse("research:version_detail", args=[draft.pk])).content.decode()
    assert "Je me sens calme" in page
    assert client.get(reverse("research:version_preview", args=[draft.pk])).status_code == 200
    response = client.post(reverse("research:version_publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED


def test_a_duplicate_code_keeps_the_form(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    existing = VersionFactory().instrument
    response = client.post(
        reverse("research:instrument_create"),
        {"name": "Autre titre", "code": existing.code, "score_method": "none"},
    )
    assert response.status_code == 200
    assert "Ce code est déjà celui d" in response.content.decode()
    assert "Autre titre" in response.content.decode()


def test_publish_refused_shows_why(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    draft = VersionFactory(draft=True)
    response = client.post(reverse("research:version_publish", args=[draft.pk]))
    assert response.status_code == 200
    assert "Ajoutez au moins une question" in response.content.decode()


def test_a_published_version_sends_its_edit_pages_back(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    version = scale_version()
    question = version.questions.first()
    for url in (
        reverse("research:question_edit", args=[question.pk]),
        reverse("research:question_add", args=[version.pk]),
        reverse("research:version_edit", args=[version.pk]),
    ):
        response = client.post(url, {"kind": "date", "text": "Changée ?"})
        assert response["Location"] == reverse("research:version_detail", args=[version.pk])
    question.refresh_from_db()
    assert question.text != "Changée ?"


def test_new_version_page_flow(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    version = scale_version(items=2)
    response = client.post(reverse("research:version_new", args=[version.instrument.pk]))
    draft = version.instrument.versions.get(number=2)
    assert response["Location"] == reverse("research:version_detail", args=[draft.pk])
    question = draft.questions.order_by("position").last()
    response = client.post(
        reverse("research:question_move", args=[question.pk]), {"direction": "up"}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.position == 1
    response = client.post(reverse("research:question_delete", args=[question.pk]))
    assert response.status_code == 302 and draft.questions.count() == 1
    # A second draft is refused with a message.
    response = client.post(
        reverse("research:version_new", args=[version.instrument.pk]), follow=True
    )
    assert "brouillon existe déjà" in response.content.decode()


@pytest.mark.parametrize("items", [2, 8])
def test_version_page_query_count(client_of_role, django_assert_num_queries, items):
    client = client_of_role(Role.RESEARCHER)
    version = scale_version(items=items)
    url = reverse("research:version_detail", args=[version.pk])
    # session, user (with member), version with instrument, questions, their options
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("count", [1, 6])
def test_instrument_list_query_count(client_of_role, django_assert_num_queries, count):
    client = client_of_role(Role.RESEARCHER)
    for _n in range(count):
        scale_version(items=1)
    # session, user, count of instruments, the page with version annotations
    with django_assert_num_queries(4):
        assert client.get(reverse("research:instrument_list")).status_code == 200


# --- waves --------------------------------------------------------------------------------


def test_a_researcher_opens_waves_for_their_programme_only(client):
    programme, other = ProgrammeFactory(), ProgrammeFactory()
    _researcher_of(client, programme)
    version = scale_version()
    url = reverse("research:wave_open")
    data = {
        "version": version.pk,
        "audience": WaveAudience.MEMBERS,
        "points": [WavePoint.ENTRY, WavePoint.MONTH_12],
        "window_days": 60,
    }
    response = client.post(url, {**data, "programme": other.pk})
    assert response.status_code == 200 and not Wave.objects.exists()
    response = client.post(url, {**data, "programme": programme.pk})
    assert response.status_code == 302
    assert Wave.objects.filter(programme=programme).count() == 2


def test_a_researcher_cannot_close_another_programmes_wave(client):
    programme = ProgrammeFactory()
    _researcher_of(client, programme)
    theirs = WaveFactory()
    assert client.post(reverse("research:wave_close", args=[theirs.pk])).status_code == 404
    mine = WaveFactory(programme=programme)
    assert client.post(reverse("research:wave_close", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert mine.closed_at is not None
    assert client.post(reverse("research:wave_reopen", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert mine.closed_at is None


def test_wave_list_shows_only_the_researchers_programmes(client):
    programme = ProgrammeFactory(name="Programme visible")
    _researcher_of(client, programme)
    WaveFactory(programme=programme)
    WaveFactory(programme=ProgrammeFactory(name="Programme caché"))
    html = client.get(reverse("research:wave_list")).content.decode()
    assert "Programme visible" in html and "Programme caché" not in html


@pytest.mark.parametrize("count", [1, 5])
def test_wave_list_query_count(client_of_role, django_assert_num_queries, count):
    client = client_of_role(Role.COORDINATOR)
    for _n in range(count):
        WaveFactory()
    # session, user, two-factor check, count of waves, the page (programme, instrument,
    # answers counted)
    with django_assert_num_queries(5):
        assert client.get(reverse("research:wave_list")).status_code == 200


# --- "Mes questionnaires" -----------------------------------------------------------------


def _member_with_wave(*, joined_days_ago=5):
    programme = ProgrammeFactory()
    member = MemberFactory(path="cape")
    research_consent(member)
    ProgrammeMemberFactory(
        programme=programme,
        member=member,
        joined_on=TODAY() - datetime.timedelta(days=joined_days_ago),
    )
    wave = WaveFactory(programme=programme)
    return member, wave


def test_my_questionnaires_roles(client, client_of_role):
    url = reverse("research:my_questionnaires")
    assert client.get(url)["Location"].startswith(LOGIN)
    assert client_of_role(Role.COORDINATOR).get(url).status_code == 403
    # An entrepreneur account without a member record.
    assert client_of_role(Role.ENTREPRENEUR).get(url).status_code == 403


def test_a_member_fills_on_their_phone_and_nothing_typed_is_lost(client):
    member, wave = _member_with_wave()
    client.force_login(member.user)
    listing = client.get(reverse("research:my_questionnaires")).content.decode()
    url = reverse("research:my_questionnaire", args=[wave.pk])
    assert url in listing
    first, second, third = wave.version.questions.order_by("position")
    # Save for later with one answer.
    response = client.post(url, {f"q{first.pk}": _option_pk(first, "Souvent"), "action": "save"})
    assert response["Location"] == reverse("research:my_questionnaires")
    assert Response.objects.get().status == ResponseStatus.DRAFT
    page = client.get(url).content.decode()
    assert re.search(rf'value="{_option_pk(first, "Souvent")}"[^>]*checked', page)
    # Send with a missing answer: a message, and the two answers typed stay.
    data = {
        f"q{first.pk}": _option_pk(first, "Jamais"),
        f"q{second.pk}": _option_pk(second, "Parfois"),
        "action": "submit",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Répondez à cette question." in html
    assert re.search(rf'value="{_option_pk(second, "Parfois")}"[^>]*checked', html)
    assert Response.objects.get().status == ResponseStatus.DRAFT
    data[f"q{third.pk}"] = _option_pk(third, "Très souvent")
    response = client.post(url, data)
    assert response.status_code == 302
    sent = Response.objects.get()
    assert sent.status == ResponseStatus.SUBMITTED and str(sent.score) == "4.00"
    # Sent twice: nothing changes; the page shows the answers.
    response = client.post(url, {**data, f"q{first.pk}": _option_pk(first, "Souvent")})
    assert response.status_code == 200
    sent.refresh_from_db()
    assert str(sent.score) == "4.00"
    assert "Très souvent" in client.get(url).content.decode()


def test_a_wave_not_due_for_the_member_is_not_found(client):
    member, _wave = _member_with_wave()
    client.force_login(member.user)
    _member, other_wave = _member_with_wave()
    assert client.get(reverse("research:my_questionnaire", args=[other_wave.pk])).status_code == 404
    late_member, late_wave = _member_with_wave(joined_days_ago=200)
    client.force_login(late_member.user)
    assert client.get(reverse("research:my_questionnaire", args=[late_wave.pk])).status_code == 404


def test_my_questionnaire_wrong_method(client):
    member, wave = _member_with_wave()
    client.force_login(member.user)
    assert client.put(reverse("research:my_questionnaire", args=[wave.pk])).status_code == 405
    assert client.post(reverse("research:my_questionnaires")).status_code == 405


@pytest.mark.parametrize("waves", [1, 4])
def test_my_questionnaires_query_count(client, django_assert_num_queries, waves):
    member, wave = _member_with_wave()
    for _n in range(waves - 1):
        WaveFactory(programme=wave.programme)
    client.force_login(member.user)
    # session, user (with member), research consent, memberships, waves with their
    # instrument and programme, the member's responses
    with django_assert_num_queries(6):
        assert client.get(reverse("research:my_questionnaires")).status_code == 200


# --- an accompanied person, with their mediator -------------------------------------------


def _followup_with_wave():
    programme = ProgrammeFactory()
    followup = FollowUpFactory(programme=programme, opened_on=TODAY() - datetime.timedelta(days=3))
    wave = WaveFactory(programme=programme, audience=WaveAudience.ACCOMPANIED)
    return followup, wave


def test_followup_questionnaires_roles(client, client_of_role):
    followup, wave = _followup_with_wave()
    urls = [
        reverse("research:followup_questionnaires", args=[followup.pk]),
        reverse("research:followup_questionnaire", args=[followup.pk, wave.pk]),
    ]
    for url in urls:
        assert client.get(url)["Location"].startswith(LOGIN)
    for role in (Role.COORDINATOR, Role.RESEARCHER, Role.FUNDER):
        logged_in = client_of_role(role)
        for url in urls:
            assert logged_in.get(url).status_code == 403
    # Another mediator: the person does not exist for them.
    client.force_login(FollowUpFactory().mediator.user)
    for url in urls:
        assert client.get(url).status_code == 404
    client.force_login(lead_user())
    for url in urls:
        assert client.get(url).status_code == 200
    client.force_login(followup.mediator.user)
    for url in urls:
        assert client.get(url).status_code == 200
    assert AccessLog.objects.filter(followup=followup, action=AccessAction.VIEW).count() == 4


def test_the_mediator_fills_with_the_person(client):
    followup, wave = _followup_with_wave()
    client.force_login(followup.mediator.user)
    overview = client.get(reverse("research:accompanied_questionnaires")).content.decode()
    assert reverse("research:followup_questionnaires", args=[followup.pk]) in overview
    assert AccessLog.objects.filter(followup=followup, action=AccessAction.LIST).count() == 1
    url = reverse("research:followup_questionnaire", args=[followup.pk, wave.pk])
    data = {f"q{q.pk}": _option_pk(q, "Parfois") for q in wave.version.questions.all()}
    response = client.post(url, {**data, "action": "submit"})
    assert response["Location"] == reverse("research:followup_questionnaires", args=[followup.pk])
    response_row = Response.objects.get(followup=followup)
    assert response_row.is_submitted and response_row.filled_by == followup.mediator.user
    assert AccessLog.objects.filter(followup=followup, action=AccessAction.CREATE).exists()


def test_accompanied_overview_is_for_mediators(client_of_role, client):
    url = reverse("research:accompanied_questionnaires")
    assert client.get(url)["Location"].startswith(LOGIN)
    client.force_login(lead_user())
    assert client.get(url).status_code == 403
    assert client_of_role(Role.COORDINATOR).get(url).status_code == 403
    # An entrepreneur who accompanies nobody.
    client.force_login(MemberFactory(path="cape").user)
    assert client.get(url).status_code == 403


def test_question_added_to_a_scale_shows_in_the_answer_form(client):
    """A free text question answered by a member (not an accompanied person)."""
    member, wave = _member_with_wave()
    version = VersionFactory(score_method="none", score_label="")
    QuestionFactory(version=version, kind=QuestionKind.SHORT_TEXT, text="Un mot ?", required=False)
    wave = WaveFactory(programme=wave.programme, version=version, point=WavePoint.ENTRY)
    client.force_login(member.user)
    url = reverse("research:my_questionnaire", args=[wave.pk])
    question = version.questions.get()
    response = client.post(url, {f"q{question.pk}": "Ça va mieux", "action": "submit"})
    assert response.status_code == 302
    assert Response.objects.get(wave=wave).answers.get().text == "Ça va mieux"


@pytest.mark.parametrize("waves", [1, 4])
def test_followup_questionnaires_query_count(client, django_assert_num_queries, waves):
    followup, wave = _followup_with_wave()
    for point in (WavePoint.MONTH_6, WavePoint.MONTH_12)[: waves - 1]:
        WaveFactory(programme=wave.programme, audience=WaveAudience.ACCOMPANIED, point=point)
    client.force_login(followup.mediator.user)
    url = reverse("research:followup_questionnaires", args=[followup.pk])
    # session, user (with member), the follow-up, research consent, waves, responses,
    # the access-log row
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
