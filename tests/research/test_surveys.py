"""Surveys of partner structures: the secret link (valid, wrong, after the deadline,
sent twice), the invitations and reminders (run twice: no duplicate), the aggregated
results (never a structure's name), and the pages per role."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from members.enums import Role
from research.enums_questionnaires import ResponseStatus
from research.models import Response, SurveyRecipient, SurveyReminder
from research.services import surveys as services
from tests.members.factories import ProgrammeFactory, UserFactory
from tests.research.factories_questionnaires import (
    SurveyFactory,
    SurveyRecipientFactory,
    mixed_version,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
LOGIN = "/compte/login/"


def _questions(survey):
    return {q.code: q for q in survey.version.questions.all()}


def _option_pk(question, label):
    return str(question.options.get(label=label).pk)


def _full_answer(survey, *, kind="CSAPA", actions=("Ateliers",), people="40", share="25"):
    q = _questions(survey)
    return {
        f"q{q['type'].pk}": _option_pk(q["type"], kind),
        f"q{q['actions'].pk}": [_option_pk(q["actions"], a) for a in actions],
        f"q{q['file'].pk}": people,
        f"q{q['emploi'].pk}": share,
        f"q{q['debut'].pk}": "2019-09-01",
        f"q{q['difficulte'].pk}": "Trop peu d'employeurs",
    }


def _link(recipient):
    return reverse("research:survey_answer", args=[recipient.token])


# --- the public page ----------------------------------------------------------------------


def test_a_valid_link_opens_the_form_without_an_account(client):
    recipient = SurveyRecipientFactory(name="Association Le Relais")
    response = client.get(_link(recipient))
    assert response.status_code == 200
    html = response.content.decode()
    assert recipient.survey.title in html and "Association Le Relais" in html
    assert response["X-Robots-Tag"] == "noindex"


def test_a_wrong_link_is_not_found(client):
    recipient = SurveyRecipientFactory()
    assert client.get(reverse("research:survey_answer", args=["x" * 43])).status_code == 404
    assert client.get(_link(recipient)[:-3] + "AAA/").status_code == 404


def test_a_removed_structure_link_is_not_found(client_of_role):
    recipient = SurveyRecipientFactory()
    link = _link(recipient)
    services.recipient_remove(actor=UserFactory(role=Role.COORDINATOR), recipient=recipient)
    client = client_of_role(Role.ENTREPRENEUR)
    assert client.get(link).status_code == 404


def test_save_a_draft_then_send_once(client):
    recipient = SurveyRecipientFactory()
    survey = recipient.survey
    url = _link(recipient)
    q = _questions(survey)
    response = client.post(url, {f"q{q['file'].pk}": "12", "action": "save"})
    assert response.status_code == 302 and response["Location"] == url
    assert Response.objects.get(recipient=recipient).status == ResponseStatus.DRAFT
    page = client.get(url).content.decode()
    assert 'value="12.00"' in page or 'value="12"' in page
    # A wrong number keeps everything typed, with a French message.
    data = _full_answer(survey, people="beaucoup")
    response = client.post(url, {**data, "action": "submit"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "beaucoup" in html and "Trop peu d&#x27;employeurs" in html
    assert "Saisissez un nombre." in html
    response = client.post(url, {**_full_answer(survey), "action": "submit"})
    assert response.status_code == 302
    sent = Response.objects.get(recipient=recipient)
    assert sent.status == ResponseStatus.SUBMITTED and sent.filled_by is None
    assert sent.answers.get(question=q["difficulte"]).text == "Trop peu d'employeurs"
    # Sent twice: nothing changes, a clear page.
    response = client.post(url, {**_full_answer(survey, people="99"), "action": "submit"})
    assert response.status_code == 200
    assert "déjà été envoyées" in response.content.decode()
    assert sent.answers.get(question=q["file"]).number == Decimal("40.00")
    assert "ont été envoyées le" in client.get(url).content.decode()


def test_after_the_deadline_the_survey_is_closed(client):
    recipient = SurveyRecipientFactory(
        survey=SurveyFactory(deadline=TODAY() - datetime.timedelta(days=1))
    )
    url = _link(recipient)
    response = client.get(url)
    assert response.status_code == 200
    assert "Cette enquête est close" in response.content.decode()
    response = client.post(url, {**_full_answer(recipient.survey), "action": "submit"})
    assert "Cette enquête est close" in response.content.decode()
    assert not Response.objects.exists()


def test_the_last_day_is_still_open(client):
    recipient = SurveyRecipientFactory(survey=SurveyFactory(deadline=TODAY()))
    response = client.post(_link(recipient), {**_full_answer(recipient.survey), "action": "submit"})
    assert response.status_code == 302
    assert Response.objects.get().is_submitted


def test_public_page_wrong_method(client):
    recipient = SurveyRecipientFactory()
    assert client.put(_link(recipient)).status_code == 405


# --- invitations and reminders ------------------------------------------------------------


def test_invitations_carry_a_working_link_and_only_its_hash_is_stored(client):
    survey = SurveyFactory()
    coordinator = UserFactory(role=Role.COORDINATOR)
    recipients = services.recipients_add(
        actor=coordinator,
        survey=survey,
        structures=[("CSAPA Nord", "Accueil@CSAPA.example"), ("CAARUD Sud", "c@caarud.example")],
    )
    assert len(recipients) == 2
    emails = mail.outbox
    assert [e.to for e in emails] == [["accueil@csapa.example"], ["c@caarud.example"]]
    link = re.search(r"http://testserver(/enquete/[^/]+/)", emails[0].body).group(1)
    token = link.split("/")[2]
    stored = SurveyRecipient.objects.get(name="CSAPA Nord")
    assert token not in (stored.token_hash, stored.token_nonce)
    assert client.get(link).status_code == 200
    # The same address twice is refused, nothing is sent.
    with pytest.raises(ValidationError, match="déjà invitée"):
        services.recipients_add(
            actor=coordinator, survey=survey, structures=[("Autre", "c@caarud.example")]
        )
    assert len(mail.outbox) == 2


def test_researchers_do_not_handle_structures():
    survey = SurveyFactory()
    researcher = UserFactory(role=Role.RESEARCHER)
    survey.programme.readers.add(researcher)
    with pytest.raises(PermissionDenied):
        services.recipients_add(actor=researcher, survey=survey, structures=[("A", "a@a.example")])


def test_reminders_run_twice_send_once_and_skip_those_who_answered():
    survey = SurveyFactory(deadline=TODAY() + datetime.timedelta(days=7), reminder_days=[7, 2])
    waiting = SurveyRecipientFactory(survey=survey)
    started = SurveyRecipientFactory(survey=survey)
    answered = SurveyRecipientFactory(survey=survey)
    services.survey_response_save(recipient=started, values={}, submit=False)
    values = {q.pk: None for q in survey.version.questions.all()}
    q = _questions(survey)
    values.update(
        {
            q["type"].pk: _option_pk(q["type"], "CAARUD"),
            q["actions"].pk: [_option_pk(q["actions"], "Formation")],
            q["file"].pk: Decimal(10),
            q["emploi"].pk: Decimal(5),
        }
    )
    services.survey_response_save(recipient=answered, values=values, submit=True)
    assert services.survey_reminders_send_due() == 2
    assert services.survey_reminders_send_due() == 0
    reminded = set(SurveyReminder.objects.values_list("recipient_id", "days_before"))
    assert reminded == {(waiting.pk, 7), (started.pk, 7)}
    # Five days later, the 2-day step: once more each.
    later = TODAY() + datetime.timedelta(days=5)
    assert services.survey_reminders_send_due(today=later) == 2
    assert services.survey_reminders_send_due(today=later) == 0
    # A day between two steps, and after the deadline: nothing.
    assert services.survey_reminders_send_due(today=TODAY() + datetime.timedelta(days=6)) == 0
    assert services.survey_reminders_send_due(today=TODAY() + datetime.timedelta(days=8)) == 0
    bodies = [m.body for m in mail.outbox if m.subject.startswith("Rappel")]
    assert len(bodies) == 4 and all("/enquete/" in b for b in bodies)


def test_a_late_run_sends_only_the_latest_step():
    survey = SurveyFactory(deadline=TODAY() + datetime.timedelta(days=1), reminder_days=[7, 2])
    SurveyRecipientFactory(survey=survey)
    assert services.survey_reminders_send_due() == 1
    assert list(SurveyReminder.objects.values_list("days_before", flat=True)) == [2]
    assert services.survey_reminders_send_due() == 0


def test_a_structure_invited_after_a_step_is_not_reminded_of_it():
    survey = SurveyFactory(deadline=TODAY() + datetime.timedelta(days=5), reminder_days=[7, 2])
    SurveyRecipientFactory(survey=survey, invited_at=timezone.now())
    assert services.survey_reminders_send_due() == 0


def test_the_reminder_task_runs_the_service():
    from research.tasks_surveys import survey_reminders_send

    survey = SurveyFactory(deadline=TODAY() + datetime.timedelta(days=2), reminder_days=[2])
    SurveyRecipientFactory(survey=survey)
    assert survey_reminders_send.delay().get() == 1
    assert survey_reminders_send.delay().get() == 0
    assert len(mail.outbox) == 1 and "/enquete/" in mail.outbox[0].body


# --- aggregated results -------------------------------------------------------------------


def _answered_survey():
    survey = SurveyFactory(version=mixed_version())
    q = _questions(survey)
    rows = [
        ("Le Relais", "CSAPA", ["Ateliers", "Formation"], 40, 20, "Zèbre : pas assez d'employeurs"),
        ("La Boussole", "CSAPA", ["Ateliers"], 60, 30, "alors les financements"),
        ("Oxygène", "CAARUD", ["Emploi direct"], 20, 10, ""),
    ]
    for name, kind, actions, people, share, text in rows:
        recipient = SurveyRecipientFactory(survey=survey, name=name)
        services.survey_response_save(
            recipient=recipient,
            values={
                q["type"].pk: _option_pk(q["type"], kind),
                q["actions"].pk: [_option_pk(q["actions"], a) for a in actions],
                q["file"].pk: Decimal(people),
                q["emploi"].pk: Decimal(share),
                q["debut"].pk: datetime.date(2015, 1, 1),
                q["difficulte"].pk: text,
            },
            submit=True,
        )
    SurveyRecipientFactory(survey=survey, name="Pas encore")
    draft = SurveyRecipientFactory(survey=survey, name="Commencé")
    services.survey_response_save(
        recipient=draft, values={q["file"].pk: Decimal(1000)}, submit=False
    )
    return survey


def test_results_count_structures_and_average_numbers():
    survey = _answered_survey()
    results = services.survey_results(survey)
    assert (results.invited, results.submitted) == (5, 3)
    by_code = {r.question.code: r for r in results.questions}
    assert by_code["type"].counts == [("CSAPA", 2), ("CAARUD", 1), ("Association", 0)]
    assert by_code["actions"].counts == [("Ateliers", 2), ("Emploi direct", 1), ("Formation", 1)]
    assert by_code["actions"].answered == 3
    assert by_code["file"].mean == Decimal("40.0")  # the draft's 1000 is left out
    assert (by_code["file"].minimum, by_code["file"].maximum) == (Decimal(20), Decimal(60))
    assert by_code["emploi"].mean == Decimal("20.0")
    assert by_code["debut"].first_date == datetime.date(2015, 1, 1)
    assert by_code["difficulte"].texts == [
        "alors les financements",
        "Zèbre : pas assez d'employeurs",
    ]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.RESEARCHER])
def test_results_page_never_names_a_structure_next_to_answers(client_of_role, role):
    survey = _answered_survey()
    client = client_of_role(role)
    if role == Role.RESEARCHER:
        survey.programme.readers.add(client.user)
    html = client.get(reverse("research:survey_results", args=[survey.pk])).content.decode()
    assert "CSAPA" in html and "40,0" in html
    for name in ("Le Relais", "La Boussole", "Oxygène"):
        assert name not in html


def test_survey_detail_lists_structures_for_coordinators_only(client_of_role, client):
    survey = _answered_survey()
    url = reverse("research:survey_detail", args=[survey.pk])
    html = client_of_role(Role.COORDINATOR).get(url).content.decode()
    assert "Le Relais" in html and "Pas encore" in html
    researcher = UserFactory(role=Role.RESEARCHER)
    survey.programme.readers.add(researcher)
    client.force_login(researcher)
    html = client.get(url).content.decode()
    assert "Le Relais" not in html and "3 structure(s) sur 5" in html


@pytest.mark.parametrize("structures", [1, 6])
def test_results_query_count(client_of_role, django_assert_num_queries, structures):
    survey = SurveyFactory()
    for _n in range(structures):
        recipient = SurveyRecipientFactory(survey=survey)
        services.survey_response_save(recipient=recipient, values={}, submit=False)
    client = client_of_role(Role.COORDINATOR)
    url = reverse("research:survey_results", args=[survey.pk])
    # session, user, two-factor check, the survey, questions, options, answered per
    # question, per option, numbers, dates, texts, counts of structures
    with django_assert_num_queries(12):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("structures", [1, 6])
def test_survey_detail_query_count(client_of_role, django_assert_num_queries, structures):
    survey = SurveyFactory()
    for _n in range(structures):
        SurveyRecipientFactory(survey=survey)
    client = client_of_role(Role.COORDINATOR)
    url = reverse("research:survey_detail", args=[survey.pk])
    # session, user, two-factor check, the survey, the structures with their answer's
    # state and reminders, the counts
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200


# --- the pages, per role ------------------------------------------------------------------


SURVEY_PAGES = ["research:survey_detail", "research:survey_edit", "research:survey_results"]


def test_survey_pages_per_role(client, client_of_role):
    survey = SurveyFactory()
    urls = [reverse("research:survey_list"), reverse("research:survey_create")] + [
        reverse(name, args=[survey.pk]) for name in SURVEY_PAGES
    ]
    for url in urls:
        assert client.get(url)["Location"].startswith(LOGIN)
    for role in (Role.FUNDER, Role.ENTREPRENEUR, Role.ADMINISTRATOR, Role.PEER_SUPPORT_LEAD):
        logged_in = client_of_role(role)
        for url in urls:
            assert logged_in.get(url).status_code == 403, (role, url)
    coordinator = client_of_role(Role.COORDINATOR)
    for url in urls:
        assert coordinator.get(url).status_code == 200
    # A researcher of another programme: the survey does not exist for them.
    researcher = UserFactory(role=Role.RESEARCHER)
    ProgrammeFactory().readers.add(researcher)
    client.force_login(researcher)
    for name in SURVEY_PAGES:
        assert client.get(reverse(name, args=[survey.pk])).status_code == 404
    # Structures are for coordinators.
    survey.programme.readers.add(researcher)
    assert client.get(reverse("research:recipients_add", args=[survey.pk])).status_code == 403


def test_create_a_survey_and_invite(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    programme = ProgrammeFactory()
    version = mixed_version()
    url = reverse("research:survey_create")
    data = {
        "programme": programme.pk,
        "version": version.pk,
        "title": "Fiche 2026",
        "deadline": (TODAY() - datetime.timedelta(days=1)).isoformat(),
        "reminder_days": "7, 2",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "La date limite est passée" in response.content.decode()
    response = client.post(url, {**data, "reminder_days": "sept"})
    assert "Écrivez des nombres de jours" in response.content.decode()
    data["deadline"] = (TODAY() + datetime.timedelta(days=30)).isoformat()
    response = client.post(url, data)
    survey = programme.surveys.get()
    assert response["Location"] == reverse("research:survey_detail", args=[survey.pk])
    assert survey.reminder_days == [7, 2]
    add = reverse("research:recipients_add", args=[survey.pk])
    response = client.post(add, {"structures": "CSAPA Nord ; pas-une-adresse"})
    assert response.status_code == 200
    assert "Ligne 1" in response.content.decode() and "pas-une-adresse" in response.content.decode()
    response = client.post(
        add, {"structures": "CSAPA Nord ; nord@csapa.example\n\nCAARUD ; c@c.example"}
    )
    assert response.status_code == 302 and survey.recipients.count() == 2
    recipient = survey.recipients.get(name="CSAPA Nord")
    response = client.post(reverse("research:recipient_resend", args=[recipient.pk]))
    assert response.status_code == 302
    assert [m.to for m in mail.outbox].count(["nord@csapa.example"]) == 2
    assert client.get(reverse("research:recipient_resend", args=[recipient.pk])).status_code == 405
    response = client.post(reverse("research:recipient_remove", args=[recipient.pk]))
    assert response.status_code == 302 and survey.recipients.count() == 1


def test_a_structure_that_started_cannot_be_removed(client_of_role):
    recipient = SurveyRecipientFactory()
    services.survey_response_save(recipient=recipient, values={}, submit=False)
    client = client_of_role(Role.COORDINATOR)
    response = client.post(reverse("research:recipient_remove", args=[recipient.pk]))
    assert response.status_code == 200
    assert "commencé à répondre" in response.content.decode()


@pytest.mark.parametrize("surveys", [1, 5])
def test_survey_list_query_count(client_of_role, django_assert_num_queries, surveys):
    for _n in range(surveys):
        SurveyRecipientFactory(survey=SurveyFactory())
    client = client_of_role(Role.COORDINATOR)
    # session, user, two-factor check, count of surveys, the page (programme, instrument,
    # structures invited and answered)
    with django_assert_num_queries(5):
        assert client.get(reverse("research:survey_list")).status_code == 200


def test_a_closed_survey_title_can_be_corrected_but_not_moved_into_the_past():
    survey = SurveyFactory(deadline=TODAY() - datetime.timedelta(days=3))
    coordinator = UserFactory(role=Role.COORDINATOR)
    services.survey_update(
        actor=coordinator,
        survey=survey,
        title="Titre corrigé",
        deadline=survey.deadline,
        reminder_days=[],
    )
    with pytest.raises(ValidationError, match="passée"):
        services.survey_update(
            actor=coordinator,
            survey=survey,
            title="Titre corrigé",
            deadline=survey.deadline - datetime.timedelta(days=1),
            reminder_days=[],
        )
