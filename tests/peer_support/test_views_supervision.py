"""The lead's access log (read only) and the anonymous counts (coordinators and the
lead; no name anywhere)."""

import html as html_lib

import pytest
from django.urls import reverse
from django.utils import timezone

from members.enums import Role
from peer_support.enums import AccessAction, GoalStatus, MeetingMode
from peer_support.services import access_log_write
from tests.members.factories import UserFactory
from tests.peer_support.factories import (
    FollowUpFactory,
    GoalFactory,
    MeetingFactory,
    PeerMediatorFactory,
    days_ago,
    lead_user,
)

pytestmark = pytest.mark.django_db

LOG_URL = reverse("peer_support:access_log")
COUNTS_URL = reverse("peer_support:counts")


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


# --- the access log -------------------------------------------------------------------


def test_log_anonymous_goes_to_login(client):
    assert client.get(LOG_URL)["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", [role for role in Role if role != Role.PEER_SUPPORT_LEAD])
def test_log_refused_to_everyone_but_the_lead(client_of_role, role):
    assert client_of_role(role).get(LOG_URL).status_code == 403


def test_log_refused_to_a_peer_mediator(client):
    member = PeerMediatorFactory()
    client.force_login(member.user)
    assert client.get(LOG_URL).status_code == 403


def test_log_is_read_only(client):
    client.force_login(lead_user())
    assert client.post(LOG_URL).status_code == 405
    assert client.delete(LOG_URL).status_code == 405


def test_log_lists_who_did_what_without_names_of_people(client):
    lead = lead_user()
    client.force_login(lead)
    followup = FollowUpFactory(pseudonym="Samia")
    meeting = MeetingFactory(followup=followup)
    access_log_write(
        actor=followup.mediator.user, action=AccessAction.VIEW, followup=followup, record=meeting
    )
    response = client.get(LOG_URL)
    html = _text(response)
    assert followup.mediator.user.get_full_name() in html
    assert "Consultation" in html
    assert "rencontre" in html
    assert f"n° {followup.pk}" in html
    assert "Samia" not in html
    assert "no-store" in response["Cache-Control"]


def test_log_filters(client):
    client.force_login(lead_user())
    first, second = FollowUpFactory(), FollowUpFactory()
    actor = first.mediator.user
    access_log_write(actor=actor, action=AccessAction.VIEW, followup=first)
    access_log_write(actor=actor, action=AccessAction.EXPORT, followup=first)
    access_log_write(actor=second.mediator.user, action=AccessAction.VIEW, followup=second)
    page = client.get(LOG_URL, {"followup": first.pk}).context["page"]
    assert {entry.followup_id for entry in page} == {first.pk}
    page = client.get(LOG_URL, {"action": AccessAction.EXPORT}).context["page"]
    assert [entry.action for entry in page] == [AccessAction.EXPORT]
    page = client.get(LOG_URL, {"actor": second.mediator.user.pk}).context["page"]
    assert [entry.followup_id for entry in page] == [second.pk]
    today = timezone.localdate().isoformat()
    assert client.get(LOG_URL, {"start": today, "end": today}).context["page"].paginator.count == 3
    past = days_ago(3).isoformat()
    assert client.get(LOG_URL, {"end": past}).context["page"].paginator.count == 0


def test_log_bad_filter_keeps_what_was_typed(client):
    client.force_login(lead_user())
    response = client.get(LOG_URL, {"followup": "abc", "start": "2026-05-01", "end": "2026-04-01"})
    html = _text(response)
    assert "Saisissez un nombre." in html
    assert "La fin de la période vient après son début." in html
    assert 'value="abc"' in html


@pytest.mark.parametrize("size", [3, 60])
def test_log_query_count_does_not_grow(client, django_assert_num_queries, size):
    client.force_login(lead_user())
    followup = FollowUpFactory()
    actors = [UserFactory() for _ in range(3)]
    for index in range(size):
        access_log_write(actor=actors[index % 3], action=AccessAction.VIEW, followup=followup)
    client.get(LOG_URL)
    # session, user, the lead's authenticator (two-factor), the count, the page with
    # its actors, the people of the "Par" filter.
    with django_assert_num_queries(6):
        response = client.get(LOG_URL)
    assert len(response.context["page"].object_list) == min(size, 50)


# --- the anonymous counts -------------------------------------------------------------


def test_counts_anonymous_goes_to_login(client):
    assert client.get(COUNTS_URL)["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "role", [Role.ACCOUNTANT, Role.ADMINISTRATOR, Role.FUNDER, Role.RESEARCHER, Role.ENTREPRENEUR]
)
def test_counts_refused_to_other_roles(client_of_role, role):
    assert client_of_role(role).get(COUNTS_URL).status_code == 403


def test_counts_refused_to_peer_mediators(client):
    member = PeerMediatorFactory()
    client.force_login(member.user)
    assert client.get(COUNTS_URL).status_code == 403


def test_counts_wrong_method(client_of_role):
    assert client_of_role(Role.COORDINATOR).post(COUNTS_URL).status_code == 405


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.PEER_SUPPORT_LEAD])
def test_counts_show_numbers_and_no_name(client_of_role, role):
    first = FollowUpFactory(pseudonym="Samia", opened_on=days_ago(20))
    second = FollowUpFactory(pseudonym="Gaëlle", opened_on=days_ago(300), closed=True)
    erased = FollowUpFactory(erased=True, opened_on=days_ago(40))
    MeetingFactory(followup=first, mode=MeetingMode.PHONE, date=days_ago(5))
    MeetingFactory(followup=first, mode=MeetingMode.PHONE, date=days_ago(3))
    MeetingFactory(followup=second, mode=MeetingMode.HOME_VISIT, date=days_ago(60))
    GoalFactory(followup=first, status=GoalStatus.REACHED, status_on=days_ago(2))
    period = {"start": days_ago(365).isoformat(), "end": timezone.localdate().isoformat()}
    response = client_of_role(role).get(COUNTS_URL, period)
    assert response.status_code == 200
    html = _text(response)
    for name in ("Samia", "Gaëlle", first.mediator.full_name, second.mediator.full_name):
        assert name not in html
    assert "Il a parlé" not in html  # no note either
    assert response.context["people"] == {"accompanied": 3, "opened": 3, "closed": 2}
    modes = {row["label"]: row for row in response.context["modes"]}
    assert modes["Par téléphone"] == {"label": "Par téléphone", "meetings": 2, "people": 1}
    assert modes["Visite à domicile"]["meetings"] == 1
    goals = {row["label"]: row for row in response.context["goals"]}
    assert goals["Logement"]["goals"] == 1
    assert erased.pk  # counted among the closed, without a name


def test_counts_default_to_this_year(client_of_role):
    response = client_of_role(Role.COORDINATOR).get(COUNTS_URL)
    today = timezone.localdate()
    assert response.context["start"] == today.replace(month=1, day=1)
    assert response.context["end"] == today


def test_counts_bad_period_is_explained(client_of_role):
    response = client_of_role(Role.COORDINATOR).get(
        COUNTS_URL, {"start": "2026-05-01", "end": "pas une date"}
    )
    html = _text(response)
    assert "Saisissez une date valide." in html
    assert 'value="pas une date"' in html
    assert "people" not in response.context
