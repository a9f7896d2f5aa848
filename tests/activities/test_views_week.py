"""The week's calendar of delivered sessions, Monday to Sunday."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.enums import SessionStatus
from members.enums import Role
from tests.activities.factories import MissionFactory, SessionFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

WEEK_URL = reverse("activities:week")
READERS = [Role.COORDINATOR, Role.ADMINISTRATOR, Role.ACCOUNTANT]
REFUSED = [Role.ENTREPRENEUR, Role.PEER_SUPPORT_LEAD, Role.FUNDER, Role.RESEARCHER]

# A past week (sessions are logged once done).
MONDAY = datetime.date(2026, 3, 9)
SUNDAY = datetime.date(2026, 3, 15)


def _day_sessions(response) -> list[list[int]]:
    return [[session.pk for session in day["sessions"]] for day in response.context["days"]]


def test_anonymous_is_sent_to_login(client):
    response = client.get(WEEK_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", READERS)
def test_week_for_readers(client_of_role, role):
    SessionFactory(date=MONDAY, mission__title="Atelier tabac")
    response = client_of_role(role).get(WEEK_URL, {"semaine": MONDAY.isoformat()})
    assert response.status_code == 200
    assert "Atelier tabac" in response.content.decode()


@pytest.mark.parametrize("role", REFUSED)
def test_week_refused_to_other_roles(client_of_role, role):
    assert client_of_role(role).get(WEEK_URL).status_code == 403


def test_wrong_method(client_of_role):
    assert client_of_role(Role.COORDINATOR).post(WEEK_URL).status_code == 405


def test_sessions_of_the_week_day_by_day(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(first_name="Nadia", last_name="Benali", path="cape")
    mission = MissionFactory(
        entrepreneurs=[member], title="Prévention écrans", client__name="Collège Voltaire"
    )
    afternoon = SessionFactory(mission=mission, date=MONDAY, start_time=datetime.time(14, 0))
    morning = SessionFactory(
        mission=mission, date=MONDAY, start_time=datetime.time(9, 30), duration_minutes=90
    )
    sunday = SessionFactory(mission=mission, date=SUNDAY, status=SessionStatus.VALIDATED)
    # The weeks around are not shown.
    SessionFactory(mission=mission, date=MONDAY - datetime.timedelta(days=1))
    SessionFactory(mission=mission, date=SUNDAY + datetime.timedelta(days=1))
    response = client.get(WEEK_URL, {"semaine": MONDAY.isoformat()})
    assert [day["date"] for day in response.context["days"]] == [
        MONDAY + datetime.timedelta(days=offset) for offset in range(7)
    ]
    assert _day_sessions(response) == [[morning.pk, afternoon.pk], [], [], [], [], [], [sunday.pk]]
    html = response.content.decode()
    assert "Semaine du 9 mars au 15 mars 2026" in html
    assert "Lundi 9 mars" in html and "Dimanche 15 mars" in html
    assert "9 h 30 · 1 h 30" in html
    assert "Nadia Benali" in html
    assert "Prévention écrans" in html and "Collège Voltaire" in html
    assert f'href="{reverse("activities:session_detail", args=[morning.pk])}"' in html
    assert "Validée" in html
    assert "3 séances notées cette semaine." in html


def test_any_day_of_the_week_shows_its_week(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    session = SessionFactory(date=MONDAY)
    response = client.get(WEEK_URL, {"semaine": "12/03/2026"})
    assert response.context["monday"] == MONDAY
    assert _day_sessions(response)[0] == [session.pk]


def test_previous_next_and_this_week(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    html = client.get(WEEK_URL, {"semaine": MONDAY.isoformat()}).content.decode()
    assert 'href="?semaine=2026-03-02" rel="prev"' in html
    assert 'href="?semaine=2026-03-16" rel="next"' in html
    assert "Cette semaine" in html
    today = timezone.localdate()
    response = client.get(WEEK_URL)
    assert response.context["monday"] == today - datetime.timedelta(days=today.weekday())
    assert response.context["is_this_week"]
    assert 'aria-current="page">Cette semaine' in response.content.decode()


def test_a_wrong_date_keeps_what_was_typed_and_shows_this_week(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    response = client.get(WEEK_URL, {"semaine": "31/02/2026"})
    assert response.status_code == 200
    assert response.context["form"].errors["semaine"]
    html = response.content.decode()
    assert 'value="31/02/2026"' in html
    assert "Saisissez une date valide" in html
    assert response.context["is_this_week"]


def test_only_the_people_i_follow(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    followed = MemberFactory(coordinator=client.user, path="cape")
    mine = SessionFactory(date=MONDAY, mission__entrepreneurs=[followed])
    other = SessionFactory(date=MONDAY)
    every = client.get(WEEK_URL, {"semaine": MONDAY.isoformat()})
    assert sorted(_day_sessions(every)[0]) == sorted([mine.pk, other.pk])
    only_mine = client.get(WEEK_URL, {"semaine": MONDAY.isoformat(), "mine": "1"})
    assert _day_sessions(only_mine)[0] == [mine.pk]
    assert 'name="mine" value="1"' in only_mine.content.decode()


@pytest.mark.parametrize("sessions", [3, 30])
def test_query_count_does_not_grow(client_of_role, django_assert_num_queries, sessions):
    client = client_of_role(Role.COORDINATOR)
    missions = [MissionFactory(), MissionFactory()]
    for index in range(sessions):
        SessionFactory(mission=missions[index % 2], date=MONDAY + datetime.timedelta(index % 7))
    # session, user, two-factor check, the week's sessions (with entrepreneur, mission
    # and client)
    with django_assert_num_queries(4):
        response = client.get(WEEK_URL, {"semaine": MONDAY.isoformat()})
    assert response.context["session_count"] == sessions
