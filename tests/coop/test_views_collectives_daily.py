"""The daily life pages of a peer-help collective: the day (attendance checklist and
tasks), the reach-out list, members' jobs, the work units. The cooperative itself has no
daily life: its ids answer 404 here."""

import datetime

import pytest
from django.urls import reverse

from coop import collectives as services
from coop.enums import JobKind
from coop.models import DailyAttendance, DailyTask, Job, ReachOut, WorkUnit
from members.enums import Role
from tests.coop.factories_collectives import (
    CollectiveFactory,
    CollectivePersonFactory,
    clubhouse_world,
)

pytestmark = pytest.mark.django_db

MANAGERS = [Role.COORDINATOR, Role.PEER_SUPPORT_LEAD]
READERS = [*MANAGERS, Role.ADMINISTRATOR]
REFUSED = [Role.ENTREPRENEUR, Role.FUNDER, Role.RESEARCHER, Role.ACCOUNTANT]
NOT_MANAGERS = [Role.ADMINISTRATOR, *REFUSED]
LOGIN = "/compte/login/"


def _url(name, *args):
    return reverse(f"coop:{name}", args=args)


def _text(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def world():
    return clubhouse_world()


READ_PAGES = {
    "collective_day": lambda w: _url("collective_day", w.collective.pk),
    "reach_out_list": lambda w: _url("reach_out_list", w.collective.pk),
    "job_list": lambda w: _url("job_list", w.collective.pk),
    "work_unit_list": lambda w: _url("work_unit_list", w.collective.pk),
}
CHANGE_PAGES = {
    "reach_out_add": lambda w: _url("reach_out_add", w.people[1].pk),
    "job_create": lambda w: _url("job_create", w.people[1].pk),
    "job_edit": lambda w: _url("job_edit", w.job.pk),
    "work_unit_create": lambda w: _url("work_unit_create", w.collective.pk),
    "work_unit_edit": lambda w: _url("work_unit_edit", w.unit.pk),
}
POST_ONLY = {
    "task_add": lambda w: _url("task_add", w.collective.pk),
    "task_remove": lambda w: _url("task_remove", w.task.pk),
}


# --- who reaches what -------------------------------------------------------------------------


@pytest.mark.parametrize("page", [*READ_PAGES, *CHANGE_PAGES, *POST_ONLY])
def test_anonymous_is_sent_to_login(client, world, page):
    url = {**READ_PAGES, **CHANGE_PAGES, **POST_ONLY}[page](world)
    response = client.post(url) if page in POST_ONLY else client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize("page", READ_PAGES)
def test_read_pages_for_readers(client_of_role, world, page, role):
    assert client_of_role(role).get(READ_PAGES[page](world)).status_code == 200


@pytest.mark.parametrize("role", REFUSED)
@pytest.mark.parametrize("page", [*READ_PAGES, *CHANGE_PAGES])
def test_pages_refused_to_other_roles(client_of_role, world, page, role):
    url = {**READ_PAGES, **CHANGE_PAGES}[page](world)
    assert client_of_role(role).get(url).status_code == 403


@pytest.mark.parametrize("role", MANAGERS)
@pytest.mark.parametrize("page", CHANGE_PAGES)
def test_change_pages_for_managers(client_of_role, world, page, role):
    assert client_of_role(role).get(CHANGE_PAGES[page](world)).status_code == 200


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_changes_refused_to_readers_and_others(client_of_role, world, role):
    client = client_of_role(role)
    urls = [
        *(build(world) for build in CHANGE_PAGES.values()),
        *(build(world) for build in POST_ONLY.values()),
        _url("collective_day", world.collective.pk),
    ]
    for url in urls:
        assert client.post(url, {"present": [], "jour": world.today.isoformat()}).status_code == 403
    assert DailyTask.objects.count() == 1
    assert DailyAttendance.objects.count() == 3


@pytest.mark.parametrize("page", ["collective_day", "reach_out_list", "job_list", "work_unit_list"])
def test_the_cooperative_and_unknown_ids_are_404(client_of_role, page):
    client = client_of_role(Role.COORDINATOR)
    cooperative = CollectiveFactory(cooperative=True)
    assert client.get(_url(page, cooperative.pk)).status_code == 404
    assert client.get(_url(page, 999999)).status_code == 404


def test_people_of_the_cooperative_have_no_daily_life(client_of_role):
    person = CollectivePersonFactory(collective=CollectiveFactory(cooperative=True))
    client = client_of_role(Role.COORDINATOR)
    assert client.get(_url("job_create", person.pk)).status_code == 404
    assert client.get(_url("reach_out_add", person.pk)).status_code == 404


@pytest.mark.parametrize("name", ["job_edit", "work_unit_edit", "reach_out_add", "job_create"])
def test_unknown_objects_are_404(client_of_role, name):
    assert client_of_role(Role.COORDINATOR).get(_url(name, 999999)).status_code == 404


def test_unknown_task_is_404(client_of_role):
    assert client_of_role(Role.COORDINATOR).post(_url("task_remove", 999999)).status_code == 404


@pytest.mark.parametrize("page", ["reach_out_list", "job_list", "work_unit_list"])
def test_read_pages_wrong_method(client_of_role, world, page):
    assert client_of_role(Role.COORDINATOR).post(READ_PAGES[page](world)).status_code == 405


@pytest.mark.parametrize("page", ["collective_day", *CHANGE_PAGES])
def test_change_pages_wrong_method(client_of_role, world, page):
    url = {**READ_PAGES, **CHANGE_PAGES}[page](world)
    assert client_of_role(Role.COORDINATOR).put(url).status_code == 405


@pytest.mark.parametrize("page", POST_ONLY)
def test_post_only_pages_refuse_get(client_of_role, world, page):
    assert client_of_role(Role.COORDINATOR).get(POST_ONLY[page](world)).status_code == 405


# --- the day --------------------------------------------------------------------------------


def test_day_page_checklist(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    response = client.get(_url("collective_day", world.collective.pk), {"jour": world.yesterday})
    html = _text(response)
    assert "3 personnes venues" in html
    assert html.count('type="checkbox"') == 3
    assert html.count("checked") == 3
    assert "Cuisine — Prénom0 Nom000" in html and "Préparer le repas" in html
    assert "Noter une tâche" in html
    # Today nobody is noted yet.
    today = client.get(_url("collective_day", world.collective.pk))
    assert today.context["day"] == world.today
    assert today.context["present_count"] == 0
    assert "Notez d'abord qui est venu" in _text(today)
    assert today.context["next_day"] is None


def test_day_page_for_an_administrator_reads_only(client_of_role, world):
    html = _text(
        client_of_role(Role.ADMINISTRATOR).get(
            _url("collective_day", world.collective.pk), {"jour": world.yesterday}
        )
    )
    assert 'type="checkbox"' not in html and "Noter une tâche" not in html
    assert "NOM000 Prénom0" in html


def test_day_page_lists_members_of_that_day_only(client_of_role, world):
    services.person_leave(actor=world.actor, person=world.people[2], on=world.yesterday)
    CollectivePersonFactory(collective=world.collective, joined_on=world.today)
    response = client_of_role(Role.PEER_SUPPORT_LEAD).get(
        _url("collective_day", world.collective.pk), {"jour": world.yesterday}
    )
    # The one who left yesterday is still listed that day; the one who joined today is not.
    members = list(response.context["attendance_form"].fields["present"].queryset)
    assert members == world.people


def test_record_the_day(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    url = _url("collective_day", world.collective.pk) + f"?jour={world.today.isoformat()}"
    response = client.post(url, {"present": [world.people[1].pk, world.people[2].pk]})
    assert response.status_code == 302 and response["Location"] == url
    present = DailyAttendance.objects.filter(day=world.today)
    assert set(present.values_list("person", flat=True)) == {world.people[1].pk, world.people[2].pk}
    response = client.post(url, {"present": [world.people[2].pk]}, follow=True)
    assert "1 retirée." in _messages(response)[-1]


def test_untick_everyone(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    DailyTask.objects.all().delete()
    url = _url("collective_day", world.collective.pk) + f"?jour={world.yesterday.isoformat()}"
    response = client.post(url, {})
    assert response.status_code == 302
    assert not DailyAttendance.objects.exists()


def test_record_the_day_refuses_removing_someone_with_tasks(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    url = _url("collective_day", world.collective.pk) + f"?jour={world.yesterday.isoformat()}"
    kept = [world.people[1].pk, world.people[2].pk]
    response = client.post(url, {"present": kept})
    assert response.status_code == 200
    html = _text(response)
    assert "Des tâches sont notées ce jour pour Prénom0 Nom000" in html
    # What was ticked is kept: the first one stays unticked.
    form = response.context["attendance_form"]
    assert [int(value) for value in form["present"].value()] == kept
    assert DailyAttendance.objects.filter(day=world.yesterday).count() == 3


def test_record_the_day_refuses_strangers(client_of_role, world):
    stranger = CollectivePersonFactory()
    url = _url("collective_day", world.collective.pk) + f"?jour={world.today.isoformat()}"
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(url, {"present": [stranger.pk]})
    assert response.status_code == 200
    assert "Une personne cochée n&#x27;est plus dans la liste" in _text(response)
    assert not DailyAttendance.objects.filter(day=world.today).exists()


def test_day_in_the_future(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    tomorrow = (world.today + datetime.timedelta(days=1)).isoformat()
    response = client.get(_url("collective_day", world.collective.pk), {"jour": tomorrow})
    assert response.status_code == 200
    assert "Ce jour est à venir" in _text(response)
    assert response.context["day"] == world.today
    response = client.post(
        _url("collective_day", world.collective.pk) + f"?jour={tomorrow}",
        {"present": [world.people[0].pk]},
        follow=True,
    )
    assert "Ce jour est à venir : choisissez aujourd'hui ou avant." in _messages(response)
    assert not DailyAttendance.objects.filter(day=world.today).exists()


def test_add_a_task(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    response = client.post(
        _url("task_add", world.collective.pk),
        {
            "jour": world.yesterday.isoformat(),
            "person": world.people[1].pk,
            "work_unit": world.unit.pk,
            "description": "Accueil des nouveaux",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?jour={world.yesterday.isoformat()}")
    task = DailyTask.objects.get(description="Accueil des nouveaux")
    assert (task.attendance.person, task.recorded_by) == (world.people[1], client.user)


def test_add_a_task_keeps_what_was_typed(client_of_role, world):
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("task_add", world.collective.pk),
        {
            "jour": world.yesterday.isoformat(),
            "person": world.people[1].pk,
            "work_unit": "",
            "description": "Texte tapé",
        },
    )
    assert response.status_code == 200
    html = _text(response)
    assert "Ce champ est obligatoire." in html and 'value="Texte tapé"' in html
    assert DailyTask.objects.count() == 1


def test_add_a_task_for_someone_absent(client_of_role, world):
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("task_add", world.collective.pk),
        {
            "jour": world.today.isoformat(),
            "person": world.people[1].pk,
            "work_unit": world.unit.pk,
            "description": "Ménage",
        },
    )
    assert response.status_code == 200
    assert "Choisissez une personne notée présente ce jour-là." in _text(response)


def test_add_a_task_without_a_day(client_of_role, world):
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("task_add", world.collective.pk), {"person": world.people[1].pk}, follow=True
    )
    assert "Le jour de la tâche manque" in " ".join(_messages(response))


def test_remove_a_task(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    response = client.post(_url("task_remove", world.task.pk))
    assert response.status_code == 302
    assert response["Location"].endswith(f"?jour={world.yesterday.isoformat()}")
    assert not DailyTask.objects.exists()


@pytest.mark.parametrize("members", [3, 30])
def test_day_page_query_count_does_not_grow(client_of_role, django_assert_num_queries, members):
    world = clubhouse_world(members=members)
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    # session, user, two-factor check; the collective; the people present (for the
    # checklist's ticks); the work units in service (any?); whether the collective had
    # members that day; the checklist's members; the tasks of the day with their person
    # and unit; the task form's people and units
    with django_assert_num_queries(11):
        response = client.get(
            _url("collective_day", world.collective.pk), {"jour": world.yesterday}
        )
    assert response.status_code == 200


# --- reaching out ------------------------------------------------------------------------


def test_reach_out_list(client_of_role, world):
    old = world.today - datetime.timedelta(days=40)
    CollectivePersonFactory(
        collective=world.collective, first_name="Jamais", last_name="Venu", phone="06 55 55 55 55"
    )
    services.attendance_record(
        actor=world.actor, collective=world.collective, day=old, present=[world.people[0].pk]
    )
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    response = client.get(_url("reach_out_list", world.collective.pk))
    html = _text(response)
    assert response.context["days"] == 30
    assert "VENU Jamais" in html and "Jamais venu·e depuis son arrivée" in html
    assert 'href="tel:06 55 55 55 55"' in html
    assert "NOM000" not in html  # seen yesterday
    response = client.get(_url("reach_out_list", world.collective.pk), {"jours": 1})
    assert "NOM000 Prénom0" in _text(response)
    assert "Vu·e pour la dernière fois le" in _text(response)


def test_reach_out_list_bad_number_of_days(client_of_role, world):
    response = client_of_role(Role.PEER_SUPPORT_LEAD).get(
        _url("reach_out_list", world.collective.pk), {"jours": "-4"}
    )
    assert response.status_code == 200
    assert "supérieure ou égale à 1" in _text(response)
    assert response.context["days"] == 30


def test_note_a_reach_out(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    person = world.people[1]
    response = client.post(
        _url("reach_out_add", person.pk), {"on": world.today.isoformat(), "note": "Appel"}
    )
    assert response.status_code == 302
    assert response["Location"] == _url("reach_out_list", world.collective.pk)
    assert ReachOut.objects.get().note == "Appel"


def test_note_a_reach_out_keeps_what_was_typed(client_of_role, world):
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("reach_out_add", world.people[1].pk), {"on": "2999-01-01", "note": "Carte postale"}
    )
    assert response.status_code == 200
    html = _text(response)
    assert "Cette date est à venir" in html and 'value="Carte postale"' in html
    assert not ReachOut.objects.exists()


@pytest.mark.parametrize("members", [3, 30])
def test_reach_out_query_count_does_not_grow(client_of_role, django_assert_num_queries, members):
    world = clubhouse_world(members=members)
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    # session, user, two-factor check; the collective; count; the page of members with
    # their last visit and last news
    with django_assert_num_queries(6):
        response = client.get(_url("reach_out_list", world.collective.pk), {"jours": 1})
    assert len(response.context["page"].object_list) == members


# --- jobs ------------------------------------------------------------------------------------


def test_job_list(client_of_role, world):
    ended = Job.objects.create(
        person=world.people[1],
        kind=JobKind.SUPPORTED,
        employer="Ancien employeur",
        hours_per_week=10,
        starts_on=world.today - datetime.timedelta(days=400),
        ends_on=world.today - datetime.timedelta(days=200),
        recorded_by=world.actor,
    )
    client = client_of_role(Role.COORDINATOR)
    response = client.get(_url("job_list", world.collective.pk))
    html = _text(response)
    assert "Restaurant Le Partage" in html and "17,5" in html
    assert "Ancien employeur" not in html
    assert "1 emploi en cours (1 pers.)" in html
    every = client.get(_url("job_list", world.collective.pk), {"vue": "tous"})
    assert ended in every.context["page"].object_list
    supported = client.get(
        _url("job_list", world.collective.pk), {"vue": "tous", "kind": JobKind.SUPPORTED}
    )
    assert list(supported.context["page"].object_list) == [ended]
    wrong = client.get(_url("job_list", world.collective.pk), {"kind": "nope"})
    assert "Sélectionnez un choix valide" in _text(wrong)


@pytest.mark.parametrize("jobs", [2, 20])
def test_job_list_query_count_does_not_grow(client_of_role, django_assert_num_queries, world, jobs):
    for index in range(jobs):
        Job.objects.create(
            person=world.people[index % 3],
            kind=JobKind.INDEPENDENT,
            employer=f"Employeur {index}",
            hours_per_week=20,
            starts_on=world.today,
            recorded_by=world.actor,
        )
    client = client_of_role(Role.COORDINATOR)
    # session, user, two-factor check; the collective; count; the page of jobs with their
    # person; current jobs by kind
    with django_assert_num_queries(7):
        response = client.get(_url("job_list", world.collective.pk))
    assert response.status_code == 200


def test_add_a_job(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    person = world.people[1]
    response = client.post(
        _url("job_create", person.pk),
        {
            "kind": JobKind.SUPPORTED,
            "employer": "Jardins de Cocagne",
            "position": "Maraîcher",
            "hours_per_week": "24,5",
            "starts_on": world.today.isoformat(),
            "ends_on": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _url("person_detail", person.pk)
    job = Job.objects.get(employer="Jardins de Cocagne")
    assert (job.person, str(job.hours_per_week), job.recorded_by) == (person, "24.5", client.user)
    assert 'value="24,5"' in _text(client.get(_url("job_edit", job.pk)))


def test_add_a_job_keeps_what_was_typed(client_of_role, world):
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("job_create", world.people[1].pk),
        {
            "kind": JobKind.SUPPORTED,
            "employer": "Jardins de Cocagne",
            "hours_per_week": "0",
            "starts_on": world.today.isoformat(),
            "ends_on": (world.today - datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 200
    html = _text(response)
    assert "Indiquez un nombre d&#x27;heures plus grand que zéro." in html
    assert 'value="Jardins de Cocagne"' in html
    assert not Job.objects.filter(employer="Jardins de Cocagne").exists()


def test_job_dates_in_order(client_of_role, world):
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("job_create", world.people[1].pk),
        {
            "kind": JobKind.SUPPORTED,
            "employer": "Jardins",
            "hours_per_week": "10",
            "starts_on": world.today.isoformat(),
            "ends_on": (world.today - datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "La fin de l&#x27;emploi précède son début." in _text(response)


def test_end_a_job(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    response = client.post(
        _url("job_edit", world.job.pk),
        {
            "kind": world.job.kind,
            "employer": world.job.employer,
            "hours_per_week": "17.5",
            "starts_on": world.job.starts_on.isoformat(),
            "ends_on": world.today.isoformat(),
        },
    )
    assert response.status_code == 302
    world.job.refresh_from_db()
    assert world.job.ends_on == world.today and world.job.recorded_by == world.actor


# --- work units --------------------------------------------------------------------------------


def test_work_units(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    html = _text(client.get(_url("work_unit_list", world.collective.pk)))
    assert "Cuisine" in html and "1 tâche notée" in html
    response = client.post(
        _url("work_unit_create", world.collective.pk),
        {"name": "Accueil", "description": "Recevoir les visiteurs", "is_active": "on"},
    )
    assert response.status_code == 302
    assert WorkUnit.objects.get(name="Accueil").is_active


def test_work_unit_duplicate_name(client_of_role, world):
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("work_unit_create", world.collective.pk), {"name": "Cuisine", "description": "Bis"}
    )
    assert response.status_code == 200
    assert "Ce collectif a déjà une unité de ce nom." in _text(response)
    assert 'value="Bis"' in _text(response)


def test_close_a_work_unit(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    response = client.post(
        _url("work_unit_edit", world.unit.pk), {"name": "Cuisine", "description": ""}
    )
    assert response.status_code == 302
    world.unit.refresh_from_db()
    assert not world.unit.is_active
    assert "fermée" in _text(client.get(_url("work_unit_list", world.collective.pk)))
    # A closed unit is no longer offered for the day's tasks.
    day = client.get(_url("collective_day", world.collective.pk), {"jour": world.yesterday})
    assert "Créez d&#x27;abord" not in _text(day)
    assert "Créez d'abord les unités de travail" in _text(day)
