"""An entrepreneur's missions in their phone's calendar: the settings page with the secret
address, and the iCalendar feed behind it (read back with icalendar, as a phone would)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from activities import services
from activities.enums import AudienceKind, MissionStatus
from activities.models import CalendarFeed
from members.enums import Role
from members.models import User
from tests.activities.factories import MissionFactory, SessionFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("activities:calendar_settings")


def _days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _feed(token: str) -> str:
    return reverse("activities:calendar_feed", args=[token])


def _events(response) -> dict[str, dict]:
    """The feed's events by UID."""
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def _entrepreneur(client_of_role):
    client = client_of_role(Role.ENTREPRENEUR)
    client.member = MemberFactory(user=client.user, path="cape")
    return client


def _owner_with_token(**member_fields):
    member = MemberFactory(path="cape", **member_fields)
    return member, services.calendar_feed_renew(user=member.user)


# --- the settings page ------------------------------------------------------------------


def test_settings_anonymous(client):
    response = client.get(SETTINGS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", [role for role in Role if role != Role.ENTREPRENEUR])
def test_settings_for_entrepreneurs_only(client_of_role, role):
    client = client_of_role(role)
    assert client.get(SETTINGS_URL).status_code == 403
    assert client.post(SETTINGS_URL, {"action": "renew"}).status_code == 403
    assert not CalendarFeed.objects.exists()


def test_settings_wrong_method(client_of_role):
    assert _entrepreneur(client_of_role).put(SETTINGS_URL).status_code == 405


def test_settings_explain_in_plain_words(client_of_role):
    client = _entrepreneur(client_of_role)
    response = client.get(SETTINGS_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vous n&#x27;avez pas encore d&#x27;adresse." in html or (
        "Vous n'avez pas encore d'adresse." in html
    )
    assert "iPhone" in html and "Android" in html
    assert 'value="renew"' in html and 'value="revoke"' not in html
    assert ".ics" not in html


def test_renew_shows_the_address_once(client, client_of_role):
    entrepreneur = _entrepreneur(client_of_role)
    response = entrepreneur.post(SETTINGS_URL, {"action": "renew"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    url = response.context["new_url"]
    assert url.startswith("http://testserver/agenda/") and url.endswith(".ics")
    html = response.content.decode()
    assert f"{url}</textarea>" in html
    assert f'href="{url.replace("http://", "webcal://")}"' in html
    assert "Elle s&#x27;affiche une seule fois" in html or "Elle s'affiche une seule fois" in html
    # The address works, without logging in.
    token = url.removeprefix("http://testserver/agenda/").removesuffix(".ics")
    client.logout()
    assert client.get(_feed(token)).status_code == 200
    # Shown once: the page then says it works, never the address again.
    entrepreneur.force_login(entrepreneur.user)
    again = entrepreneur.get(SETTINGS_URL).content.decode()
    assert token not in again
    assert "Votre adresse marche depuis le" in again
    assert 'value="revoke"' in again


def test_a_new_address_revokes_the_old_one(client):
    member, old_token = _owner_with_token()
    assert client.get(_feed(old_token)).status_code == 200
    client.force_login(member.user)
    response = client.post(SETTINGS_URL, {"action": "renew"})
    new_url = response.context["new_url"]
    client.logout()
    assert client.get(_feed(old_token)).status_code == 404
    assert client.get(new_url.removeprefix("http://testserver")).status_code == 200


def test_revoke_stops_the_feed(client):
    member, token = _owner_with_token()
    client.force_login(member.user)
    response = client.post(SETTINGS_URL, {"action": "revoke"}, follow=True)
    assert response.redirect_chain[-1][0] == SETTINGS_URL
    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["Votre agenda est arrêté : l'adresse ne donne plus vos missions."]
    assert not CalendarFeed.objects.filter(user=member.user).exists()
    client.logout()
    assert client.get(_feed(token)).status_code == 404


def test_unknown_action_is_refused_with_a_message(client_of_role):
    client = _entrepreneur(client_of_role)
    response = client.post(SETTINGS_URL, {"action": "publish"})
    assert response.status_code == 200
    assert "Cette action n&#x27;existe pas." in response.content.decode()
    assert not CalendarFeed.objects.exists()


# --- the feed -------------------------------------------------------------------------


def test_feed_holds_missions_and_sessions(client):
    member, token = _owner_with_token()
    mission = MissionFactory(
        entrepreneurs=[member],
        title="Prévention écrans",
        client__name="Collège Voltaire",
        client__commune="Montreuil",
        client__postcode="93100",
        starts_on=_days(-20),
        ends_on=_days(40),
        status=MissionStatus.IN_PROGRESS,
    )
    session = SessionFactory(
        mission=mission,
        date=_days(-10),
        start_time=datetime.time(14, 30),
        duration_minutes=90,
        commune="Saint-Denis",
        postcode="93200",
    )
    remote = SessionFactory(
        mission=mission,
        date=_days(-2),
        is_remote=True,
        commune="",
        postcode="",
        department="",
    )
    response = client.get(_feed(token))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    events = _events(response)
    period = events[f"mission-{mission.pk}@entrepairs"]
    assert str(period["SUMMARY"]) == "Prévention écrans — Collège Voltaire"
    assert period["DTSTART"].dt == _days(-20)
    assert period["DTEND"].dt == _days(41)
    assert str(period["LOCATION"]) == "93100 Montreuil"
    delivered = events[f"session-{session.pk}@entrepairs"]
    start = delivered["DTSTART"].dt
    assert (start.date(), start.hour, start.minute) == (session.date, 14, 30)
    assert str(start.tzinfo) == "Europe/Paris"
    assert delivered["DURATION"].dt == datetime.timedelta(minutes=90)
    assert str(delivered["SUMMARY"]) == "Séance : Prévention écrans — Collège Voltaire"
    assert str(delivered["LOCATION"]) == "93200 Saint-Denis"
    assert str(events[f"session-{remote.pk}@entrepairs"]["LOCATION"]) == "À distance"
    # The time zone is described in the file, so that every phone reads 14:30 in Paris.
    calendar = Calendar.from_ical(response.content)
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_session_time_is_paris_time_whatever_the_season(client):
    member, token = _owner_with_token()
    mission = MissionFactory(entrepreneurs=[member], starts_on=_days(-100))
    session = SessionFactory(mission=mission, date=_days(-3), start_time=datetime.time(9, 0))
    start = _events(client.get(_feed(token)))[f"session-{session.pk}@entrepairs"]["DTSTART"].dt
    expected = datetime.datetime.combine(
        session.date, datetime.time(9, 0), tzinfo=timezone.get_default_timezone()
    )
    assert start == expected


def test_feed_holds_no_notes_audiences_nor_other_people(client):
    member, token = _owner_with_token()
    colleague = MemberFactory(first_name="Zoé", last_name="Colleguesco", path="cape")
    shared = MissionFactory(entrepreneurs=[member, colleague], title="Mission partagée")
    mine = SessionFactory(
        mission=shared,
        entrepreneur=member,
        note="Un élève a parlé de sa consommation.",
        audiences={AudienceKind.PEOPLE_IN_CARE: 4321},
        kilometres=Decimal("12.5"),
    )
    theirs = SessionFactory(mission=shared, entrepreneur=colleague)
    stranger = MissionFactory(title="Mission de quelqu'un d'autre")
    SessionFactory(mission=stranger)
    response = client.get(_feed(token))
    events = _events(response)
    assert f"mission-{shared.pk}@entrepairs" in events
    assert f"session-{mine.pk}@entrepairs" in events
    assert f"session-{theirs.pk}@entrepairs" not in events
    assert f"mission-{stranger.pk}@entrepairs" not in events
    text = response.content.decode()
    for secret in ["consommation", "Colleguesco", "Zoé", "autre", "accompagnées", "4321"]:
        assert secret not in text.replace("\r\n ", ""), secret


def test_feed_keeps_the_useful_missions_of_six_months_and_the_future(client):
    member, token = _owner_with_token()

    def mission(**fields):
        return MissionFactory(entrepreneurs=[member], **fields)

    planned = mission(status=MissionStatus.PLANNED, starts_on=_days(30), ends_on=None)
    delivered = mission(status=MissionStatus.DELIVERED, starts_on=_days(-90), ends_on=_days(-60))
    proposed = mission(status=MissionStatus.PROPOSED, starts_on=_days(10))
    refused = mission(status=MissionStatus.REFUSED, starts_on=_days(10))
    invoiced = mission(status=MissionStatus.INVOICED, starts_on=_days(-30))
    too_old = mission(status=MissionStatus.DELIVERED, starts_on=_days(-400), ends_on=_days(-200))
    old_session = SessionFactory(mission=delivered, date=_days(-200))
    events = _events(client.get(_feed(token)))
    assert f"mission-{planned.pk}@entrepairs" in events
    # Without an end, the mission shows on its first day.
    assert events[f"mission-{planned.pk}@entrepairs"]["DTEND"].dt == _days(31)
    assert f"mission-{delivered.pk}@entrepairs" in events
    for left_out in [proposed, refused, invoiced, too_old]:
        assert f"mission-{left_out.pk}@entrepairs" not in events
    assert f"session-{old_session.pk}@entrepairs" not in events


def test_unknown_revoked_or_closed_addresses_are_not_found(client):
    assert client.get(_feed("pas-un-vrai-secret")).status_code == 404
    member, token = _owner_with_token()
    User.objects.filter(pk=member.user.pk).update(is_active=False)
    assert client.get(_feed(token)).status_code == 404
    other, other_token = _owner_with_token()
    services.calendar_feed_revoke(user=other.user)
    assert client.get(_feed(other_token)).status_code == 404


def test_an_account_no_longer_entrepreneur_gets_no_feed(client):
    member, token = _owner_with_token()
    MissionFactory()
    User.objects.filter(pk=member.user.pk).update(role=Role.COORDINATOR)
    assert client.get(_feed(token)).status_code == 404


def test_feed_needs_no_login_and_only_reads(client):
    member, token = _owner_with_token()
    assert client.get(_feed(token)).status_code == 200
    assert client.head(_feed(token)).status_code == 200
    assert client.post(_feed(token)).status_code == 405


@pytest.mark.parametrize("missions", [2, 20])
def test_feed_query_count_does_not_grow(client, django_assert_num_queries, missions):
    member, token = _owner_with_token()
    for index in range(missions):
        mission = MissionFactory(entrepreneurs=[member], starts_on=_days(-index))
        SessionFactory(mission=mission)
    # the address and its owner, the missions (with client), the sessions (with mission
    # and client)
    with django_assert_num_queries(3):
        response = client.get(_feed(token))
    assert len(_events(response)) == 2 * missions
