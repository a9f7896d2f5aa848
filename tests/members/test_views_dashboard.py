import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from members import dashboard, services
from members.dates import add_years
from members.enums import AppointmentStatus, ContractKind, Role, Stage
from tests.members.factories import AppointmentFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("members:dashboard")
DAY = datetime.timedelta(days=1)

REFUSED = [role for role in Role if role != Role.COORDINATOR]


def _today() -> datetime.date:
    return timezone.localdate()


def _cape_member(*, planned_end: datetime.date, **fields):
    """A member whose open CAPE is planned to end on `planned_end`."""
    start = planned_end - 200 * DAY
    member = MemberFactory(information_meeting_on=start - 10 * DAY, **fields)
    services.cape_start(
        actor=member.coordinator, member=member, start_date=start, planned_end_date=planned_end
    )
    return member


def _cesa_member(*, start: datetime.date, **fields):
    """A member holding a CESA since `start` (after a CAPE)."""
    member = MemberFactory(information_meeting_on=start - 300 * DAY, **fields)
    services.cape_start(
        actor=member.coordinator,
        member=member,
        start_date=start - 250 * DAY,
        planned_end_date=start - DAY,
    )
    services.cesa_start(actor=member.coordinator, member=member, start_date=start)
    return member


def _paris(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_default_timezone()
    )


# --- who may see it -----------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_coordinator_sees_the_dashboard(client_of_role):
    response = client_of_role(Role.COORDINATOR).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Membres par étape" in html
    assert "Échéances à venir" in html
    assert "Rendez-vous de la semaine" in html


@pytest.mark.parametrize("role", REFUSED)
def test_other_roles_are_refused(client_of_role, role):
    assert client_of_role(role).get(URL).status_code == 403


def test_wrong_method(client_of_role):
    assert client_of_role(Role.COORDINATOR).post(URL).status_code == 405


# --- members by stage ---------------------------------------------------------------------


def test_members_by_stage(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MemberFactory.create_batch(2)
    MemberFactory(path="cape")
    MemberFactory(path="associate")
    MemberFactory(path="exited")
    response = client.get(URL)
    counts = {item.stage: item.count for item in response.context["stage_counts"]}
    assert counts == {Stage.WELCOME: 2, Stage.CAPE: 1, Stage.CESA: 0, Stage.ASSOCIATE: 1}
    html = response.content.decode()
    assert f'href="{reverse("members:member_list")}?stage=welcome"' in html
    assert "2 personnes" in html


# --- deadlines ----------------------------------------------------------------------------


def test_deadlines_list_capes_ending_within_a_month(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    today = _today()
    soon = _cape_member(planned_end=today + 10 * DAY, first_name="Nadia", last_name="Benali")
    _cape_member(planned_end=today + 31 * DAY, last_name="Plustard")
    response = client.get(URL)
    deadlines = response.context["deadlines"]
    assert [d.member for d in deadlines] == [soon]
    assert deadlines[0].kind == ContractKind.CAPE
    assert deadlines[0].due_on == today + 10 * DAY
    html = response.content.decode()
    assert "Nadia Benali" in html
    assert f"Fin prévue du CAPE : {(today + 10 * DAY):%d/%m/%Y}" in html
    assert "Dans 10 jours" in html
    assert "Plustard" not in html


def test_deadline_already_passed_is_overdue(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    _cape_member(planned_end=_today() - 3 * DAY, last_name="Enretard")
    response = client.get(URL)
    (deadline,) = response.context["deadlines"]
    assert deadline.is_overdue
    assert "En retard de 3 jours" in response.content.decode()


def test_deadlines_list_cesa_reaching_three_years_within_three_months(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    today = _today()
    reaching = _cesa_member(start=add_years(today + 60 * DAY, -3), last_name="Bientot")
    _cesa_member(start=add_years(today + 120 * DAY, -3), last_name="Tard")
    associate = _cesa_member(start=add_years(today + 30 * DAY, -3), last_name="Associee")
    services.associate_join(actor=associate.coordinator, member=associate, on=today - DAY)
    response = client.get(URL)
    deadlines = response.context["deadlines"]
    assert [d.member for d in deadlines] == [reaching]
    assert deadlines[0].kind == ContractKind.CESA
    assert deadlines[0].due_on == dashboard.cesa_deadline(deadlines[0].contract.start_date)
    html = response.content.decode()
    assert "Trois ans de CESA" in html
    assert "Tard" not in html and "Associee" not in html


def test_deadlines_are_sorted_by_date(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    today = _today()
    cesa = _cesa_member(start=add_years(today + 5 * DAY, -3), last_name="Aaa")
    late = _cape_member(planned_end=today - DAY, last_name="Zzz")
    cape = _cape_member(planned_end=today + 20 * DAY, last_name="Mmm")
    deadlines = client.get(URL).context["deadlines"]
    assert [d.member for d in deadlines] == [late, cesa, cape]


def test_cesa_started_on_29_february():
    """add_years(29/02/2024, 3) is 28/02/2027: ninety days before, it is listed."""
    member = _cesa_member(start=datetime.date(2024, 2, 29))
    coordinator = member.coordinator
    today = datetime.date(2027, 2, 28) - 90 * DAY
    (deadline,) = dashboard.upcoming_deadlines(coordinator, today=today)
    assert deadline.due_on == datetime.date(2027, 2, 28)
    assert deadline.days_left == 90
    assert dashboard.upcoming_deadlines(coordinator, today=today - DAY) == []


# --- appointments of the week ---------------------------------------------------------------


def test_appointments_of_this_week_monday_to_sunday(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    monday = _today() - _today().weekday() * DAY
    sunday = monday + 6 * DAY
    first = AppointmentFactory(starts_at=_paris(monday, 0, 30), member__last_name="Lundi")
    last = AppointmentFactory(
        starts_at=_paris(sunday, 23, 30),
        member__last_name="Dimanche",
        status=AppointmentStatus.HELD,
    )
    AppointmentFactory(starts_at=_paris(monday - DAY, 23, 30), member__last_name="Avant")
    AppointmentFactory(starts_at=_paris(sunday + DAY, 0, 0), member__last_name="Apres")
    AppointmentFactory(
        starts_at=_paris(monday, 10),
        member__last_name="Annule",
        status=AppointmentStatus.CANCELLED,
    )
    response = client.get(URL)
    assert list(response.context["appointments"]) == [first, last]
    html = response.content.decode()
    assert "Lundi" in html and "Dimanche" in html
    assert "Avant" not in html and "Apres" not in html and "Annule" not in html
    assert f"du {monday:%d/%m/%Y} au {sunday:%d/%m/%Y}" in html


def test_week_bounds_follow_paris_time_across_the_clock_change():
    # Sunday 29 March 2026: clocks go forward in France.
    start, end = dashboard.week_bounds(datetime.date(2026, 3, 29))
    assert start.astimezone(datetime.UTC) == datetime.datetime(2026, 3, 22, 23, tzinfo=datetime.UTC)
    assert end.astimezone(datetime.UTC) == datetime.datetime(2026, 3, 29, 22, tzinfo=datetime.UTC)


# --- only mine ------------------------------------------------------------------------------


def test_only_mine(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    me = client.user
    colleague = UserFactory(role=Role.COORDINATOR)
    today = _today()
    mine = _cape_member(planned_end=today + 5 * DAY, coordinator=me, last_name="Mienne")
    theirs = _cape_member(planned_end=today + 6 * DAY, coordinator=colleague, last_name="Autre")
    AppointmentFactory(member=mine, starts_at=_paris(today, 10))
    AppointmentFactory(member=theirs, starts_at=_paris(today, 11))
    # An appointment I lead with a colleague's member is mine too.
    led = AppointmentFactory(member=theirs, coordinator=me, starts_at=_paris(today, 12))
    everyone = client.get(URL)
    assert [d.member for d in everyone.context["deadlines"]] == [mine, theirs]
    assert len(everyone.context["appointments"]) == 3

    only_mine = client.get(URL, {"mine": "1"})
    assert [d.member for d in only_mine.context["deadlines"]] == [mine]
    assert [a.member for a in only_mine.context["appointments"]][0] == mine
    assert led in only_mine.context["appointments"]
    assert len(only_mine.context["appointments"]) == 2
    html = only_mine.content.decode()
    assert f'href="{URL}?mine=1" aria-current="page"' in html
    # Members by stage always count everyone.
    assert sum(item.count for item in only_mine.context["stage_counts"]) == 2


# --- query count ----------------------------------------------------------------------------


@pytest.mark.parametrize("members", [5, 50])
@pytest.mark.parametrize("mine", ["", "1"])
def test_query_count_does_not_grow(client_of_role, django_assert_num_queries, members, mine):
    client = client_of_role(Role.COORDINATOR)
    today = _today()
    for index in range(members):
        followed = {"coordinator": client.user} if index % 2 else {}
        if index % 3 == 0:
            member = _cape_member(planned_end=today + (index % 20) * DAY, **followed)
        elif index % 3 == 1:
            member = _cesa_member(start=add_years(today + (index % 80) * DAY, -3), **followed)
        else:
            member = MemberFactory(**followed)
        AppointmentFactory(member=member, starts_at=_paris(today, 9 + index % 9))
    # session, user, two-factor check, members by stage (one aggregate), the deadlines
    # (with member and coordinator), the week's appointments (with member and coordinator)
    with django_assert_num_queries(6):
        response = client.get(URL, {"mine": mine})
    assert response.status_code == 200
    assert len(response.context["deadlines"]) >= members // 3
