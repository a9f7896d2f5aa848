"""The funder's figures of a peer-help collective, computed in the database: days of
presence, distinct members present, members at the end of the period, the share of them
in work, jobs by kind. A person who left and came back counts once."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from coop import collectives as services
from coop.enums import JobKind
from coop.models import DailyAttendance, Job
from coop.models.clubhouse import clubhouse_figures, membership_figures, memberships_on
from members.enums import Role
from tests.coop.factories_collectives import CollectiveFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 3, 1)
END = datetime.date(2026, 3, 31)


def _on(day: int, month: int = 3) -> datetime.date:
    return datetime.date(2026, month, day)


@pytest.fixture
def lead():
    return UserFactory(role=Role.PEER_SUPPORT_LEAD)


@pytest.fixture
def collective():
    return CollectiveFactory(founded_on=datetime.date(2020, 1, 1))


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    """The services refuse future dates: the figures' month is in the past."""
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2026, 6, 15))


def _join(lead, collective, name, joined_on):
    return services.person_join(
        actor=lead, collective=collective, first_name=name, last_name="Test", joined_on=joined_on
    )


def _present(lead, collective, day, *people):
    services.attendance_record(
        actor=lead,
        collective=collective,
        day=day,
        present=[
            *DailyAttendance.objects.filter(person__collective=collective, day=day).values_list(
                "person_id", flat=True
            ),
            *(person.pk for person in people),
        ],
    )


def _job(lead, person, kind, starts_on, ends_on=None, hours="20"):
    return services.job_save(
        actor=lead,
        job=Job(
            person=person,
            kind=kind,
            employer="Employeur",
            hours_per_week=Decimal(hours),
            starts_on=starts_on,
            ends_on=ends_on,
        ),
    )


def test_empty_collective(collective):
    figures = clubhouse_figures(collective, START, END)
    assert (figures.presence_days, figures.members_present, figures.members) == (0, 0, 0)
    assert figures.members_in_work == 0
    assert figures.share_in_work is None
    assert figures.jobs_by_kind == {kind.value: {"jobs": 0, "people": 0} for kind in JobKind}


def test_figures_of_a_month(lead, collective):
    anna = _join(lead, collective, "Anna", _on(1, 1))
    bruno = _join(lead, collective, "Bruno", _on(1, 1))
    chloe = _join(lead, collective, "Chloé", _on(10))  # joined during the month
    david = _join(lead, collective, "David", _on(1, 1))  # member, never came
    emma = _join(lead, collective, "Emma", _on(1, 1))  # left during the month
    late = _join(lead, collective, "Fanny", _on(5, 4))  # joined after the month
    _present(lead, collective, _on(2), anna, bruno, emma)
    _present(lead, collective, _on(3), anna)
    _present(lead, collective, _on(12), anna, chloe)
    _present(lead, collective, _on(28, 2), bruno)  # before the month
    _present(lead, collective, _on(1, 4), bruno)  # after the month
    _present(lead, collective, _on(6, 4), late)
    services.person_leave(actor=lead, person=emma, on=_on(15))
    # Jobs: one during the month, one ended before, one starting after, one open.
    _job(lead, anna, JobKind.TRANSITIONAL, _on(1, 2), _on(10))
    _job(lead, bruno, JobKind.SUPPORTED, _on(1, 1), _on(28, 2))
    _job(lead, chloe, JobKind.INDEPENDENT, _on(1, 4))
    _job(lead, david, JobKind.SUPPORTED, _on(31))
    _job(lead, emma, JobKind.TRANSITIONAL, _on(1, 3))  # left: not among the members
    # Another collective's figures stay apart.
    other = CollectiveFactory()
    stranger = _join(lead, other, "Autre", _on(1, 1))
    _present(lead, other, _on(2), stranger)

    figures = clubhouse_figures(collective, START, END)
    assert figures.presence_days == 6  # 3 + 1 + 2 person-days
    assert figures.members_present == 4  # Anna, Bruno, Chloé, Emma
    assert figures.members == 4  # Anna, Bruno, Chloé, David on the 31st
    assert figures.members_in_work == 2  # Anna, David
    assert figures.share_in_work == Decimal("50.0")
    assert figures.jobs_by_kind == {
        JobKind.TRANSITIONAL: {"jobs": 2, "people": 2},
        JobKind.SUPPORTED: {"jobs": 1, "people": 1},
        JobKind.INDEPENDENT: {"jobs": 0, "people": 0},
    }
    assert [label for label, _counts in figures.jobs_by_kind_labelled] == [
        "Emploi de transition",
        "Emploi accompagné",
        "Emploi indépendant",
    ]


def test_a_person_who_came_back_counts_once(lead, collective):
    gaby = _join(lead, collective, "Gaby", _on(1, 1))
    _present(lead, collective, _on(2), gaby)
    _job(lead, gaby, JobKind.SUPPORTED, _on(1, 2))  # still running
    services.person_leave(actor=lead, person=gaby, on=_on(5))
    back = services.person_come_back(actor=lead, person=gaby, on=_on(5))
    _present(lead, collective, _on(20), back)
    figures = clubhouse_figures(collective, START, END)
    assert figures.presence_days == 2
    assert figures.members_present == 1
    # On the 5th, both memberships run (left that day, came back that day): one person.
    assert membership_figures(collective, _on(5), _on(5)) == {"members": 1, "members_in_work": 1}
    assert memberships_on(collective, _on(5)).count() == 2
    # The job of the first membership counts for the person, now on the second.
    assert (figures.members, figures.members_in_work) == (1, 1)
    assert figures.jobs_by_kind[JobKind.SUPPORTED] == {"jobs": 1, "people": 1}


def test_a_past_period_does_not_change_when_someone_comes_back(lead, collective):
    hugo = _join(lead, collective, "Hugo", _on(1, 1))
    _present(lead, collective, _on(2), hugo)
    services.person_leave(actor=lead, person=hugo, on=_on(10))
    before = clubhouse_figures(collective, START, END)
    services.person_come_back(actor=lead, person=hugo, on=_on(1, 5))
    assert clubhouse_figures(collective, START, END) == before
    assert before.members == 0


def test_share_in_work_is_rounded_to_a_tenth(lead, collective):
    people = [_join(lead, collective, name, _on(1, 1)) for name in "ABC"]
    _job(lead, people[0], JobKind.INDEPENDENT, _on(1, 1))
    assert clubhouse_figures(collective, START, END).share_in_work == Decimal("33.3")


def test_figures_take_three_queries(lead, collective, django_assert_num_queries):
    anna = _join(lead, collective, "Anna", _on(1, 1))
    _present(lead, collective, _on(2), anna)
    # presence (days, people); members and members in work; jobs by kind
    with django_assert_num_queries(3):
        clubhouse_figures(collective, START, END)
