"""Logging a meeting from a phone (sent twice, saved once), correcting and removing one,
setting goals and recording their progress, referring to a partner and its answer."""

import datetime
import html as html_lib
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from members.enums import Role
from peer_support.enums import AccessAction, GoalKind, GoalStatus, MeetingMode, ReferralStatus
from peer_support.models import AccessLog, Goal, Meeting, Referral
from tests.peer_support.factories import (
    FollowUpFactory,
    GoalFactory,
    MeetingFactory,
    PeerMediatorFactory,
    ReferralFactory,
    days_ago,
    lead_user,
)

pytestmark = pytest.mark.django_db

NO_ACCESS_ROLES = [
    Role.COORDINATOR,
    Role.ACCOUNTANT,
    Role.ADMINISTRATOR,
    Role.FUNDER,
    Role.RESEARCHER,
    Role.ENTREPRENEUR,
]


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _url(name: str, *args) -> str:
    return reverse(f"peer_support:{name}", args=args)


@pytest.fixture
def mediator(client):
    member = PeerMediatorFactory()
    client.force_login(member.user)
    return member


@pytest.fixture
def followup(mediator):
    return FollowUpFactory(mediator=mediator, pseudonym="Samia")


def _meeting_data(**overrides) -> dict:
    return {
        "client_token": str(uuid.uuid4()),
        "date": timezone.localdate().isoformat(),
        "duration": "45",
        "duration_other": "",
        "mode": MeetingMode.PHONE,
        "is_group": "0",
        "note": "Elle tient bon, rendez-vous au CSAPA jeudi.",
        "next_steps": "La rappeler vendredi.",
    } | overrides


# --- logging a meeting ----------------------------------------------------------------


def test_meeting_log_anonymous_goes_to_login(client):
    followup = FollowUpFactory()
    response = client.get(_url("meeting_log", followup.pk))
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", NO_ACCESS_ROLES)
def test_meeting_log_unknown_to_other_roles(client_of_role, role):
    followup = FollowUpFactory()
    client = client_of_role(role)
    assert client.get(_url("meeting_log", followup.pk)).status_code == 404
    assert client.post(_url("meeting_log", followup.pk), _meeting_data()).status_code == 404
    assert not Meeting.objects.exists()


def test_meeting_log_unknown_to_another_mediator(client, mediator):
    stranger = FollowUpFactory()
    assert client.post(_url("meeting_log", stranger.pk), _meeting_data()).status_code == 404


def test_meeting_log_refused_to_the_lead(client):
    client.force_login(lead_user())
    followup = FollowUpFactory()
    assert client.post(_url("meeting_log", followup.pk), _meeting_data()).status_code == 403


def test_meeting_log_wrong_method(client, followup):
    assert client.put(_url("meeting_log", followup.pk)).status_code == 405


def test_meeting_log_form_defaults_to_today_with_the_open_goals(client, followup):
    open_goal = GoalFactory(followup=followup, kind=GoalKind.HOUSING)
    reached = GoalFactory(followup=followup, kind=GoalKind.HEALTH, status=GoalStatus.REACHED)
    response = client.get(_url("meeting_log", followup.pk))
    html = _text(response)
    assert f'name="date" value="{timezone.localdate().isoformat()}"' in html
    assert 'name="client_token"' in html
    assert f'value="{open_goal.pk}"' in html
    assert f'value="{reached.pk}"' not in html
    assert "Avec Samia" in html
    assert AccessLog.objects.filter(action=AccessAction.VIEW, followup=followup).count() == 1


def test_meeting_log_happy_path(client, mediator, followup):
    goal = GoalFactory(followup=followup)
    response = client.post(
        _url("meeting_log", followup.pk), _meeting_data(goals=[goal.pk], is_group="1")
    )
    assert response.status_code == 302
    assert response["Location"] == _url("followup_detail", followup.pk)
    meeting = Meeting.objects.get()
    assert (meeting.duration_minutes, meeting.mode, meeting.is_group) == (
        45,
        MeetingMode.PHONE,
        True,
    )
    assert meeting.led_by == mediator
    assert list(meeting.goals.all()) == [goal]
    assert meeting.note == "Elle tient bon, rendez-vous au CSAPA jeudi."
    page = _text(client.get(response["Location"]))
    assert "C'est noté ! La rencontre est enregistrée." in page


def test_meeting_log_minutes_typed_win(client, followup):
    client.post(_url("meeting_log", followup.pk), _meeting_data(duration="", duration_other="25"))
    assert Meeting.objects.get().duration_minutes == 25


def test_meeting_sent_twice_is_saved_once(client, followup):
    data = _meeting_data()
    first = client.post(_url("meeting_log", followup.pk), data)
    second = client.post(_url("meeting_log", followup.pk), data)
    assert first.status_code == second.status_code == 302
    assert Meeting.objects.count() == 1
    page = _text(client.get(second["Location"]))
    assert "Cette rencontre était déjà enregistrée : elle n'est pas notée deux fois." in page


def test_meeting_token_of_someone_else_is_refused_plainly(client, followup):
    other = MeetingFactory()
    response = client.post(
        _url("meeting_log", followup.pk), _meeting_data(client_token=str(other.client_token))
    )
    assert response.status_code == 200
    assert "Ce formulaire a déjà servi." in _text(response)
    assert Meeting.objects.count() == 1


def test_meeting_form_without_token_still_saves(client, followup):
    response = client.post(_url("meeting_log", followup.pk), _meeting_data(client_token="abc"))
    assert response.status_code == 302
    assert Meeting.objects.count() == 1


def test_meeting_bad_input_keeps_what_was_typed(client, followup):
    data = _meeting_data(duration="", mode="", note="Ce que j'ai tapé reste là.")
    response = client.post(_url("meeting_log", followup.pk), data)
    assert response.status_code == 200
    html = _text(response)
    assert "Choisissez la durée de la rencontre." in html
    assert "Choisissez où ou comment la rencontre a eu lieu." in html
    assert "Ce que j'ai tapé reste là." in html
    # The same token comes back: sent again once corrected, it is still one meeting.
    assert f'value="{data["client_token"]}"' in html
    assert not Meeting.objects.exists()


def test_meeting_before_the_followup_is_refused_by_the_service(client, followup):
    before = (followup.opened_on - datetime.timedelta(days=3)).isoformat()
    response = client.post(_url("meeting_log", followup.pk), _meeting_data(date=before))
    assert response.status_code == 200
    assert f"Le suivi a commencé le {followup.opened_on:%d/%m/%Y}." in _text(response)
    assert not Meeting.objects.exists()


def test_meeting_log_on_a_closed_followup_redirects_with_a_message(client, mediator):
    closed = FollowUpFactory(mediator=mediator, closed=True)
    response = client.post(_url("meeting_log", closed.pk), _meeting_data())
    assert response.status_code == 302
    assert response["Location"] == _url("followup_detail", closed.pk)
    assert not Meeting.objects.exists()


# --- correcting and removing a meeting ------------------------------------------------


@pytest.fixture
def meeting(followup):
    return MeetingFactory(followup=followup, duration_minutes=50)


def test_meeting_edit_form_filled(client, meeting):
    html = _text(client.get(_url("meeting_edit", meeting.pk)))
    assert 'name="duration_other" value="50"' in html
    assert meeting.note in html
    row = AccessLog.objects.get(action=AccessAction.VIEW)
    assert (row.record_type, row.record_id) == ("peer_support.meeting", meeting.pk)


@pytest.mark.parametrize("role", NO_ACCESS_ROLES)
def test_meeting_pages_unknown_to_other_roles(client_of_role, role):
    meeting = MeetingFactory()
    client = client_of_role(role)
    assert client.get(_url("meeting_edit", meeting.pk)).status_code == 404
    assert client.post(_url("meeting_delete", meeting.pk)).status_code == 404


def test_meeting_pages_unknown_to_another_mediator(client, mediator):
    meeting = MeetingFactory()
    assert client.get(_url("meeting_edit", meeting.pk)).status_code == 404
    assert client.post(_url("meeting_delete", meeting.pk)).status_code == 404
    assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_meeting_pages_wrong_method(client, meeting):
    assert client.put(_url("meeting_edit", meeting.pk)).status_code == 405
    assert client.put(_url("meeting_delete", meeting.pk)).status_code == 405


def test_meeting_edit_happy_path(client, meeting):
    data = _meeting_data(date=days_ago(2).isoformat(), duration="90", note="Complété.")
    del data["client_token"]
    response = client.post(_url("meeting_edit", meeting.pk), data)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.duration_minutes, meeting.note, meeting.date) == (90, "Complété.", days_ago(2))


def test_meeting_edit_bad_input(client, meeting):
    data = _meeting_data(duration="", duration_other="3", note="Gardé.")
    response = client.post(_url("meeting_edit", meeting.pk), data)
    assert response.status_code == 200
    html = _text(response)
    assert "Assurez-vous que cette valeur est supérieure ou égale à 5." in html
    assert "Gardé." in html


def test_meeting_delete_confirm_then_delete(client, meeting):
    page = client.get(_url("meeting_delete", meeting.pk))
    assert "Supprimer cette rencontre ?" in _text(page)
    response = client.post(_url("meeting_delete", meeting.pk))
    assert response.status_code == 302
    assert not Meeting.objects.exists()
    assert AccessLog.objects.filter(action=AccessAction.DELETE, record_id=meeting.pk).exists()


# --- goals ----------------------------------------------------------------------------


def test_goal_add_happy_path_and_duplicate(client, followup):
    url = _url("goal_add", followup.pk)
    assert client.get(url).status_code == 200
    data = {"kind": GoalKind.HOUSING, "free_text": "", "set_on": timezone.localdate().isoformat()}
    assert client.post(url, data).status_code == 302
    goal = Goal.objects.get()
    assert (goal.kind, goal.status) == (GoalKind.HOUSING, GoalStatus.NOT_STARTED)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Cet objectif est déjà en cours pour cette personne." in _text(response)


def test_goal_add_free_goal_needs_words(client, followup):
    url = _url("goal_add", followup.pk)
    data = {"kind": GoalKind.FREE, "free_text": "", "set_on": timezone.localdate().isoformat()}
    response = client.post(url, data)
    assert "Écrivez l'objectif avec les mots de la personne." in _text(response)
    data["free_text"] = "Renouer avec ma sœur"
    client.post(url, data)
    assert Goal.objects.get().free_text == "Renouer avec ma sœur"


@pytest.mark.parametrize("role", NO_ACCESS_ROLES)
def test_goal_pages_unknown_to_other_roles(client_of_role, role):
    goal = GoalFactory()
    client = client_of_role(role)
    assert client.get(_url("goal_add", goal.followup_id)).status_code == 404
    assert client.get(_url("goal_progress", goal.pk)).status_code == 404


def test_goal_pages_unknown_to_another_mediator(client, mediator):
    goal = GoalFactory()
    assert client.post(_url("goal_add", goal.followup_id), {}).status_code == 404
    assert client.post(_url("goal_progress", goal.pk), {}).status_code == 404


def test_goal_pages_wrong_method(client, followup):
    goal = GoalFactory(followup=followup)
    assert client.put(_url("goal_add", followup.pk)).status_code == 405
    assert client.put(_url("goal_progress", goal.pk)).status_code == 405


def test_goal_progress_happy_path_and_bad_input(client, followup):
    goal = GoalFactory(followup=followup)
    url = _url("goal_progress", goal.pk)
    assert goal.label in _text(client.get(url))
    response = client.post(url, {"status": "", "on": "", "note": "Dossier déposé."})
    html = _text(response)
    assert "Choisissez où en est l'objectif." in html
    assert "Dossier déposé." in html
    today = timezone.localdate().isoformat()
    response = client.post(url, {"status": GoalStatus.REACHED, "on": today, "note": "Fait."})
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == GoalStatus.REACHED


def test_goal_pages_refused_to_the_lead(client):
    client.force_login(lead_user())
    goal = GoalFactory()
    assert client.get(_url("goal_add", goal.followup_id)).status_code == 403
    assert client.get(_url("goal_progress", goal.pk)).status_code == 403


# --- referrals ------------------------------------------------------------------------


def _referral_data(**overrides) -> dict:
    today = timezone.localdate().isoformat()
    return {
        "partner_kind": "housing",
        "partner_name": "SIAO 93",
        "shared_info": "Prénom, demande d'hébergement.",
        "consent": "on",
        "consent_given_on": today,
        "sent_on": today,
    } | overrides


def test_referral_send_happy_path(client, followup):
    url = _url("referral_send", followup.pk)
    assert client.get(url).status_code == 200
    assert client.post(url, _referral_data()).status_code == 302
    referral = Referral.objects.get()
    assert (referral.partner_name, referral.status) == ("SIAO 93", ReferralStatus.SENT)


def test_referral_send_needs_the_persons_consent(client, followup):
    response = client.post(_url("referral_send", followup.pk), _referral_data(consent=""))
    assert response.status_code == 200
    html = _text(response)
    assert "Sans l'accord de la personne, rien n'est partagé" in html
    assert 'value="SIAO 93"' in html
    assert not Referral.objects.exists()


def test_referral_consent_after_sending_is_refused(client, followup):
    data = _referral_data(
        consent_given_on=timezone.localdate().isoformat(), sent_on=days_ago(2).isoformat()
    )
    response = client.post(_url("referral_send", followup.pk), data)
    assert "La personne donne son accord avant" in _text(response)


@pytest.mark.parametrize("role", NO_ACCESS_ROLES)
def test_referral_pages_unknown_to_other_roles(client_of_role, role):
    referral = ReferralFactory()
    client = client_of_role(role)
    assert client.get(_url("referral_send", referral.followup_id)).status_code == 404
    assert client.get(_url("referral_answer", referral.pk)).status_code == 404


def test_referral_pages_unknown_to_another_mediator(client, mediator):
    referral = ReferralFactory()
    assert client.post(_url("referral_send", referral.followup_id), {}).status_code == 404
    assert client.post(_url("referral_answer", referral.pk), {}).status_code == 404


def test_referral_pages_wrong_method(client, followup):
    referral = ReferralFactory(followup=followup)
    assert client.put(_url("referral_send", followup.pk)).status_code == 405
    assert client.put(_url("referral_answer", referral.pk)).status_code == 405


def test_referral_answer_refused_needs_a_reason(client, followup):
    referral = ReferralFactory(followup=followup)
    url = _url("referral_answer", referral.pk)
    today = timezone.localdate().isoformat()
    response = client.post(url, {"status": "refused", "answered_on": today, "refusal_reason": ""})
    assert "Notez le motif du refus donné par le partenaire." in _text(response)
    data = {"status": "refused", "answered_on": today, "refusal_reason": "Plus de place."}
    assert client.post(url, data).status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.refusal_reason) == (ReferralStatus.REFUSED, "Plus de place.")
    # Answered: the page says so instead of asking again.
    assert client.get(url).status_code == 302


def test_referral_answer_by_the_lead(client):
    client.force_login(lead_user())
    referral = ReferralFactory()
    today = timezone.localdate().isoformat()
    data = {"status": "accepted", "answered_on": today, "refusal_reason": ""}
    assert client.post(_url("referral_answer", referral.pk), data).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
