"""The person's page, rectifying the record, closing the follow-up, the situations 28
days and 6 months after, co-mediators and the transfer to another mediator."""

import datetime
import html as html_lib

import pytest
from django.urls import reverse
from django.utils import timezone

from members.enums import Role
from peer_support.enums import AccessAction, Checkpoint, GoalStatus, Outcome
from peer_support.models import AccessLog, CoMediator, FollowUp, Situation
from tests.peer_support.factories import (
    FollowUpFactory,
    GoalFactory,
    MeetingFactory,
    PeerMediatorFactory,
    PeerWorkshopFactory,
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


def _views(action: AccessAction = AccessAction.VIEW):
    return AccessLog.objects.filter(action=action)


# --- the person's page ----------------------------------------------------------------


def test_detail_anonymous_goes_to_login(client):
    followup = FollowUpFactory()
    response = client.get(_url("followup_detail", followup.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", NO_ACCESS_ROLES)
def test_detail_unknown_to_other_roles(client_of_role, role):
    followup = FollowUpFactory(pseudonym="Gaëlle")
    response = client_of_role(role).get(_url("followup_detail", followup.pk))
    assert response.status_code == 404
    assert "Gaëlle" not in _text(response)
    assert not _views().exists()


def test_detail_unknown_to_another_mediator(client, mediator):
    stranger = FollowUpFactory(pseudonym="Gaëlle")
    assert client.get(_url("followup_detail", stranger.pk)).status_code == 404
    assert not _views().exists()


def test_detail_unknown_once_erased_to_the_mediator(client, mediator):
    erased = FollowUpFactory(mediator=mediator, erased=True)
    assert client.get(_url("followup_detail", erased.pk)).status_code == 404


def test_detail_wrong_method(client, followup):
    assert client.post(_url("followup_detail", followup.pk)).status_code == 405


def test_detail_shows_everything_and_logs_the_read(client, mediator, followup):
    goal = GoalFactory(followup=followup)
    reached = GoalFactory(followup=followup, free=True, status=GoalStatus.REACHED)
    meeting = MeetingFactory(followup=followup, goals=[goal], duration_minutes=90)
    referral = ReferralFactory(followup=followup)
    workshop = PeerWorkshopFactory(facilitators=[mediator])
    workshop.attendances.create(followup=followup, recorded_by=mediator.user)
    colleague = PeerMediatorFactory()
    CoMediator.objects.create(followup=followup, member=colleague, added_by=mediator.user)

    response = client.get(_url("followup_detail", followup.pk))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = _text(response)
    assert "Samia" in html
    assert "Il a parlé de son traitement de substitution" in html
    assert "Appeler le SIAO ensemble lundi." in html
    assert "1 h 30" in html
    assert reached.free_text in html
    assert referral.partner_name in html
    assert workshop.title in html
    assert colleague.full_name in html
    for name, args in (
        ("meeting_log", [followup.pk]),
        ("goal_add", [followup.pk]),
        ("referral_send", [followup.pk]),
        ("goal_progress", [goal.pk]),
        ("meeting_edit", [meeting.pk]),
        ("referral_answer", [referral.pk]),
        ("followup_close", [followup.pk]),
        ("followup_rights", [followup.pk]),
        ("comediator_add", [followup.pk]),
    ):
        assert f'href="{_url(name, *args)}"' in html, name
    # The lead alone hands a follow-up over to another mediator.
    assert _url("followup_transfer", followup.pk) not in html
    row = _views().get()
    assert (row.actor, row.followup, row.record_type) == (
        mediator.user,
        followup,
        "peer_support.followup",
    )


def test_each_read_of_the_page_writes_a_row(client, followup):
    for _ in range(3):
        client.get(_url("followup_detail", followup.pk))
    assert _views().filter(followup=followup).count() == 3


def test_detail_for_a_comediator(client):
    member = PeerMediatorFactory()
    client.force_login(member.user)
    followup = FollowUpFactory(with_comediator=member)
    html = _text(client.get(_url("followup_detail", followup.pk)))
    assert f'href="{_url("meeting_log", followup.pk)}"' in html
    # Only the main mediator and the lead manage co-mediators.
    assert _url("comediator_add", followup.pk) not in html


def test_detail_for_the_lead_reads_but_does_not_log_meetings(client):
    lead = lead_user()
    client.force_login(lead)
    followup = FollowUpFactory(pseudonym="Samia")
    html = _text(client.get(_url("followup_detail", followup.pk)))
    assert "Samia" in html
    assert _url("meeting_log", followup.pk) not in html
    assert f'href="{_url("followup_transfer", followup.pk)}"' in html
    assert f'href="{_url("followup_close", followup.pk)}"' in html
    assert _views().filter(actor=lead).count() == 1


def test_detail_of_an_erased_followup_for_the_lead(client):
    client.force_login(lead_user())
    erased = FollowUpFactory(erased=True)
    html = _text(client.get(_url("followup_detail", erased.pk)))
    assert f"Personne effacée (suivi n° {erased.pk})" in html
    assert "il ne reste ni nom ni texte" in html
    assert _url("followup_edit", erased.pk) not in html


def test_detail_of_a_closed_followup_asks_for_the_later_situation(client, mediator):
    followup = FollowUpFactory(mediator=mediator, closed=True)
    html = _text(client.get(_url("followup_detail", followup.pk)))
    assert "À faire : prendre des nouvelles (28 jours après la fin)." in html
    assert f'href="{_url("situation_record", followup.pk, "28-jours")}"' in html
    six_months = (followup.closed_on + datetime.timedelta(days=168)).strftime("%d/%m/%Y")
    assert f"À noter à partir du {six_months}" in html
    assert _url("meeting_log", followup.pk) not in html


@pytest.mark.parametrize("size", [1, 12])
def test_detail_query_count_does_not_grow(client, mediator, django_assert_num_queries, size):
    followup = FollowUpFactory(mediator=mediator, with_comediator=True)
    workshop = PeerWorkshopFactory(facilitators=[mediator])
    workshop.attendances.create(followup=followup, recorded_by=mediator.user)
    for index in range(size):
        goal = GoalFactory(followup=followup, free=True)
        goal.progress.create(
            on=days_ago(3), status=GoalStatus.IN_PROGRESS, recorded_by=mediator.user
        )
        MeetingFactory(followup=followup, goals=[goal], date=days_ago(index + 1))
        ReferralFactory(followup=followup)
    url = _url("followup_detail", followup.pk)
    client.get(url)
    # session, user, the follow-up (scoped to the mediator, with its mediator, programme
    # and author), its co-mediators, consents, situations, goals, their progress,
    # meetings, the goals of the meetings, referrals, workshop attendances; the
    # access-log INSERT. (The mediator's member record comes with the user.)
    with django_assert_num_queries(13):
        response = client.get(url)
    assert len(response.context["meetings"]) == size


# --- rectifying the record ------------------------------------------------------------


def _record_data(**overrides) -> dict:
    return {
        "pseudonym": "Samia B.",
        "birth_year": "1985",
        "gender": "woman",
        "commune": "Bagnolet",
        "postcode": "93170",
        "arrival_route": "peer",
        "opened_on": days_ago(120).isoformat(),
        "housing": "supported",
        "resource": "aah",
        "care_follow_up": "both",
    } | overrides


def test_edit_anonymous_goes_to_login(client, followup):
    client.logout()
    response = client.get(_url("followup_edit", followup.pk))
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", NO_ACCESS_ROLES)
def test_edit_unknown_to_other_roles(client_of_role, role):
    followup = FollowUpFactory()
    client = client_of_role(role)
    assert client.get(_url("followup_edit", followup.pk)).status_code == 404
    assert client.post(_url("followup_edit", followup.pk), _record_data()).status_code == 404


def test_edit_unknown_to_another_mediator(client, mediator):
    stranger = FollowUpFactory()
    assert client.post(_url("followup_edit", stranger.pk), _record_data()).status_code == 404


def test_edit_wrong_method(client, followup):
    assert client.delete(_url("followup_edit", followup.pk)).status_code == 405


def test_edit_form_is_filled_with_the_record(client, followup):
    response = client.get(_url("followup_edit", followup.pk))
    html = _text(response)
    assert 'value="Samia"' in html
    assert 'value="93100"' in html
    assert '<option value="emergency" selected>' in html
    assert _views().filter(followup=followup).count() == 1


def test_edit_happy_path(client, mediator, followup):
    response = client.post(_url("followup_edit", followup.pk), _record_data())
    assert response.status_code == 302
    assert response["Location"] == _url("followup_detail", followup.pk)
    followup.refresh_from_db()
    assert (followup.pseudonym, followup.postcode, followup.department) == (
        "Samia B.",
        "93170",
        "93",
    )
    assert followup.situations.get(checkpoint=Checkpoint.ENTRY).housing == "supported"
    change = AccessLog.objects.get(action=AccessAction.CHANGE)
    assert "pseudonym" in change.fields and "housing" in change.fields


def test_edit_by_the_lead(client, followup):
    client.force_login(lead_user())
    response = client.post(_url("followup_edit", followup.pk), _record_data(pseudonym="S."))
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.pseudonym == "S."


def test_edit_bad_input_keeps_what_was_typed(client, followup):
    MeetingFactory(followup=followup, date=days_ago(100))
    response = client.post(
        _url("followup_edit", followup.pk),
        _record_data(pseudonym="Samia B.", opened_on=days_ago(50).isoformat()),
    )
    assert response.status_code == 200
    html = _text(response)
    assert f"Une rencontre a eu lieu avant cette date (le {days_ago(100):%d/%m/%Y})." in html
    assert 'value="Samia B."' in html
    followup.refresh_from_db()
    assert followup.pseudonym == "Samia"


def test_edit_refused_to_the_lead_once_erased(client):
    client.force_login(lead_user())
    erased = FollowUpFactory(erased=True)
    assert client.get(_url("followup_edit", erased.pk)).status_code == 403


# --- closing --------------------------------------------------------------------------


def test_close_anonymous_goes_to_login(client, followup):
    client.logout()
    assert client.get(_url("followup_close", followup.pk))["Location"].startswith(
        reverse("account_login")
    )


@pytest.mark.parametrize("role", NO_ACCESS_ROLES)
def test_close_unknown_to_other_roles(client_of_role, role):
    followup = FollowUpFactory()
    assert client_of_role(role).post(_url("followup_close", followup.pk)).status_code == 404


def test_close_unknown_to_another_mediator(client, mediator):
    assert client.get(_url("followup_close", FollowUpFactory().pk)).status_code == 404


def test_close_wrong_method(client, followup):
    assert client.put(_url("followup_close", followup.pk)).status_code == 405


def test_close_happy_path(client, followup):
    today = timezone.localdate()
    response = client.post(
        _url("followup_close", followup.pk),
        {"closed_on": today.isoformat(), "outcome": Outcome.RELAY, "outcome_note": "Relais CMP."},
    )
    assert response.status_code == 302
    followup.refresh_from_db()
    assert (followup.closed_on, followup.outcome, followup.outcome_note) == (
        today,
        Outcome.RELAY,
        "Relais CMP.",
    )


def test_close_bad_input_keeps_what_was_typed(client, followup):
    MeetingFactory(followup=followup, date=days_ago(5))
    response = client.post(
        _url("followup_close", followup.pk),
        {"closed_on": days_ago(10).isoformat(), "outcome": "", "outcome_note": "Un mot."},
    )
    assert response.status_code == 200
    html = _text(response)
    assert "Choisissez l'issue du suivi." in html
    assert "Un mot." in html
    response = client.post(
        _url("followup_close", followup.pk),
        {"closed_on": days_ago(10).isoformat(), "outcome": Outcome.MOVED, "outcome_note": ""},
    )
    assert "La fin du suivi ne peut pas précéder la dernière rencontre" in _text(response)
    followup.refresh_from_db()
    assert followup.is_open


def test_close_an_already_closed_followup_says_so(client, mediator):
    closed = FollowUpFactory(mediator=mediator, closed=True)
    response = client.get(_url("followup_close", closed.pk))
    assert response.status_code == 302
    assert response["Location"] == _url("followup_detail", closed.pk)


# --- the situations after ------------------------------------------------------------


def _situation_data(**overrides) -> dict:
    return {
        "recorded_on": timezone.localdate().isoformat(),
        "housing": "stable",
        "resource": "employment",
        "care_follow_up": "addiction",
    } | overrides


@pytest.fixture
def closed(mediator):
    return FollowUpFactory(mediator=mediator, closed=True)


def test_situation_unknown_checkpoint_is_404(client, closed):
    assert client.get(_url("situation_record", closed.pk, "entree")).status_code == 404


@pytest.mark.parametrize("role", NO_ACCESS_ROLES)
def test_situation_unknown_to_other_roles(client_of_role, role):
    closed = FollowUpFactory(closed=True)
    url = _url("situation_record", closed.pk, "28-jours")
    assert client_of_role(role).post(url, _situation_data()).status_code == 404


def test_situation_unknown_to_another_mediator(client, mediator):
    closed = FollowUpFactory(closed=True)
    url = _url("situation_record", closed.pk, "28-jours")
    assert client.post(url, _situation_data()).status_code == 404


def test_situation_wrong_method(client, closed):
    assert client.put(_url("situation_record", closed.pk, "28-jours")).status_code == 405


def test_situation_happy_path_then_rectified(client, closed):
    url = _url("situation_record", closed.pk, "28-jours")
    assert client.post(url, _situation_data()).status_code == 302
    situation = Situation.objects.get(followup=closed, checkpoint=Checkpoint.DAY_28)
    assert situation.housing == "stable"
    html = _text(client.get(url))
    assert "Déjà notée" in html
    client.post(url, _situation_data(housing="supported"))
    situation.refresh_from_db()
    assert situation.housing == "supported"


def test_situation_too_early_keeps_what_was_typed(client, closed):
    url = _url("situation_record", closed.pk, "6-mois")
    response = client.post(url, _situation_data(housing="street"))
    assert response.status_code == 200
    html = _text(response)
    assert "se recueille à partir du" in html
    assert '<option value="street" selected>' in html
    assert not Situation.objects.filter(checkpoint=Checkpoint.MONTH_6).exists()


def test_situation_of_an_open_followup_redirects(client, followup):
    response = client.get(_url("situation_record", followup.pk, "28-jours"))
    assert response.status_code == 302


# --- co-mediators and transfer --------------------------------------------------------


def test_comediator_add_and_remove(client, mediator, followup):
    colleague = PeerMediatorFactory()
    url = _url("comediator_add", followup.pk)
    form = client.get(url)
    assert colleague.full_name in _text(form)
    assert client.post(url, {"member": colleague.pk}).status_code == 302
    assert list(followup.comediations.values_list("member", flat=True)) == [colleague.pk]
    remove = _url("comediator_remove", followup.pk, colleague.pk)
    assert client.get(remove).status_code == 405
    assert client.post(remove).status_code == 302
    assert not followup.comediations.exists()


def test_comediator_add_bad_input(client, followup):
    response = client.post(_url("comediator_add", followup.pk), {"member": ""})
    assert "Choisissez la personne qui accompagne aussi." in _text(response)


def test_comediator_add_refused_to_a_comediator(client):
    member = PeerMediatorFactory()
    client.force_login(member.user)
    followup = FollowUpFactory(with_comediator=member)
    assert client.get(_url("comediator_add", followup.pk)).status_code == 403


@pytest.mark.parametrize("role", NO_ACCESS_ROLES)
def test_comediator_pages_unknown_to_other_roles(client_of_role, role):
    followup = FollowUpFactory(with_comediator=True)
    member = followup.comediations.get().member
    client = client_of_role(role)
    assert client.get(_url("comediator_add", followup.pk)).status_code == 404
    assert client.post(_url("comediator_remove", followup.pk, member.pk)).status_code == 404


def test_comediator_remove_of_someone_else_is_404(client, followup):
    stranger = PeerMediatorFactory()
    assert client.post(_url("comediator_remove", followup.pk, stranger.pk)).status_code == 404


def test_transfer_by_the_lead(client, followup):
    client.force_login(lead_user())
    colleague = PeerMediatorFactory()
    url = _url("followup_transfer", followup.pk)
    assert client.get(url).status_code == 200
    response = client.post(url, {"mediator": ""})
    assert "Choisissez à qui confier le suivi." in _text(response)
    assert client.post(url, {"mediator": colleague.pk}).status_code == 302
    assert FollowUp.objects.get(pk=followup.pk).mediator == colleague


def test_transfer_refused_to_the_mediator(client, followup):
    assert client.get(_url("followup_transfer", followup.pk)).status_code == 403
