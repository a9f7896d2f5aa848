"""The managers' pages of the collectives: list, detail (members, charter, figures),
creating and editing, a member's page, joining, leaving and coming back, the charter's
versions and signatures. Per role: coordinators and the peer-support lead manage,
administrators read, everyone else is refused."""

import datetime

import pytest
from django.urls import reverse

from coop import collectives as services
from coop.enums import CollectiveKind, MembershipEventKind
from coop.models import Charter, CharterAcceptance, Collective, CollectivePerson
from members.enums import Role
from tests.coop.factories_collectives import (
    CharterFactory,
    CollectiveFactory,
    CollectivePersonFactory,
    clubhouse_world,
)
from tests.members.factories import UserFactory

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


# Each manager page, with how to build its URL from the world.
READ_PAGES = {
    "collective_list": lambda w: _url("collective_list"),
    "collective_detail": lambda w: _url("collective_detail", w.collective.pk),
    "person_detail": lambda w: _url("person_detail", w.people[0].pk),
    "charter_list": lambda w: _url("charter_list", w.collective.pk),
    "charter_detail": lambda w: _url("charter_detail", w.charter.pk),
}
CHANGE_PAGES = {
    "collective_create": lambda w: _url("collective_create"),
    "collective_edit": lambda w: _url("collective_edit", w.collective.pk),
    "person_join": lambda w: _url("person_join", w.collective.pk),
    "person_edit": lambda w: _url("person_edit", w.people[0].pk),
    "person_leave": lambda w: _url("person_leave", w.people[0].pk),
    "charter_create": lambda w: _url("charter_create", w.collective.pk),
}
POST_ONLY = {
    "person_come_back": lambda w: _url("person_come_back", w.people[0].pk),
    "charter_sign_record": lambda w: _url("charter_sign_record", w.charter.pk),
}


# --- who reaches what ---------------------------------------------------------------------


@pytest.mark.parametrize("page", [*READ_PAGES, *CHANGE_PAGES, *POST_ONLY])
def test_anonymous_is_sent_to_login(client, world, page):
    url = {**READ_PAGES, **CHANGE_PAGES, **POST_ONLY}[page](world)
    response = client.post(url) if page in POST_ONLY else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize("page", READ_PAGES)
def test_read_pages_for_readers(client_of_role, world, page, role):
    assert client_of_role(role).get(READ_PAGES[page](world)).status_code == 200


@pytest.mark.parametrize("role", REFUSED)
@pytest.mark.parametrize("page", READ_PAGES)
def test_read_pages_refused_to_other_roles(client_of_role, world, page, role):
    assert client_of_role(role).get(READ_PAGES[page](world)).status_code == 403


@pytest.mark.parametrize("role", MANAGERS)
@pytest.mark.parametrize("page", CHANGE_PAGES)
def test_change_pages_for_managers(client_of_role, world, page, role):
    assert client_of_role(role).get(CHANGE_PAGES[page](world)).status_code == 200


@pytest.mark.parametrize("role", NOT_MANAGERS)
@pytest.mark.parametrize("page", [*CHANGE_PAGES, *POST_ONLY])
def test_changes_refused_to_readers_and_others(client_of_role, world, page, role):
    client = client_of_role(role)
    url = {**CHANGE_PAGES, **POST_ONLY}[page](world)
    assert client.post(url, {"on": "2020-01-01"}).status_code == 403
    assert CollectivePerson.objects.filter(left_on__isnull=False).count() == 0


@pytest.mark.parametrize(
    "page", ["collective_detail", "collective_edit", "person_join", "charter_list"]
)
def test_unknown_collective_is_404(client_of_role, page):
    assert client_of_role(Role.COORDINATOR).get(_url(page, 999999)).status_code == 404


@pytest.mark.parametrize("page", ["person_detail", "person_edit", "person_leave"])
def test_unknown_person_is_404(client_of_role, page):
    assert client_of_role(Role.COORDINATOR).get(_url(page, 999999)).status_code == 404


def test_unknown_charter_is_404(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    assert client.get(_url("charter_detail", 999999)).status_code == 404
    assert client.post(_url("charter_sign_record", 999999)).status_code == 404


@pytest.mark.parametrize("page", READ_PAGES)
def test_read_pages_wrong_method(client_of_role, world, page):
    assert client_of_role(Role.COORDINATOR).post(READ_PAGES[page](world)).status_code == 405


@pytest.mark.parametrize("page", CHANGE_PAGES)
def test_change_pages_wrong_method(client_of_role, world, page):
    assert client_of_role(Role.COORDINATOR).put(CHANGE_PAGES[page](world)).status_code == 405


@pytest.mark.parametrize("page", POST_ONLY)
def test_post_only_pages_refuse_get(client_of_role, world, page):
    assert client_of_role(Role.COORDINATOR).get(POST_ONLY[page](world)).status_code == 405


def test_the_lead_reads_the_cooperative_but_does_not_change_it(client_of_role):
    cooperative = CollectiveFactory(cooperative=True)
    person = CollectivePersonFactory(collective=cooperative)
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    assert client.get(_url("collective_detail", cooperative.pk)).status_code == 200
    html = _text(client.get(_url("person_detail", person.pk)))
    assert _url("person_leave", person.pk) not in html
    for url in [
        _url("collective_edit", cooperative.pk),
        _url("person_join", cooperative.pk),
        _url("person_leave", person.pk),
        _url("charter_create", cooperative.pk),
    ]:
        assert client.get(url).status_code == 403


# --- the list ---------------------------------------------------------------------------------


def test_list_shows_collectives_with_members_and_charter(client_of_role, world):
    CollectiveFactory(cooperative=True)
    CollectivePersonFactory(collective=world.collective, left=True)
    response = client_of_role(Role.COORDINATOR).get(_url("collective_list"))
    html = _text(response)
    assert world.collective.name in html and "Entrepairs Coopérative" in html
    assert "3 membres" in html  # the one who left is not counted
    assert "charte version 1" in html
    assert "pas de charte en vigueur" in html
    assert _url("collective_create") in html


def test_list_has_no_create_button_for_an_administrator(client_of_role, world):
    html = _text(client_of_role(Role.ADMINISTRATOR).get(_url("collective_list")))
    assert _url("collective_create") not in html


@pytest.mark.parametrize("collectives", [2, 12])
def test_list_query_count_does_not_grow(client_of_role, django_assert_num_queries, collectives):
    client = client_of_role(Role.COORDINATOR)
    for _index in range(collectives):
        collective = CollectiveFactory()
        CollectivePersonFactory.create_batch(2, collective=collective)
        CharterFactory(collective=collective)
    # session, user, two-factor check; the collectives with their programme, member
    # count and charter version in force
    with django_assert_num_queries(4):
        response = client.get(_url("collective_list"))
    assert response.status_code == 200


# --- creating and editing -------------------------------------------------------------------


def test_create_a_collective(client_of_role):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    form = client.get(_url("collective_create")).context["form"]
    assert CollectiveKind.COOPERATIVE not in dict(form.fields["kind"].choices)
    response = client.post(
        _url("collective_create"),
        {
            "name": "Club Horizon",
            "kind": CollectiveKind.PEER_HELP,
            "description": "Un club ouvert à toutes et tous.",
            "founded_on": "2024-09-01",
            "requires_elected_majority": "on",
        },
    )
    collective = Collective.objects.get(name="Club Horizon")
    assert response.status_code == 302
    assert response["Location"] == _url("collective_detail", collective.pk)
    assert collective.requires_elected_majority and collective.founded_on.year == 2024


def test_create_keeps_what_was_typed_on_error(client_of_role):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    response = client.post(
        _url("collective_create"),
        {
            "name": "Club Horizon",
            "kind": CollectiveKind.COOPERATIVE,
            "description": "Texte tapé",
            "founded_on": "2999-01-01",
        },
    )
    assert response.status_code == 200
    html = _text(response)
    assert "Le formulaire contient des erreurs" in html
    assert 'value="Club Horizon"' in html and "Texte tapé" in html
    assert not Collective.objects.exists()


def test_create_refuses_a_future_date(client_of_role):
    response = client_of_role(Role.COORDINATOR).post(
        _url("collective_create"),
        {"name": "Club", "kind": CollectiveKind.PEER_HELP, "founded_on": "2999-01-01"},
    )
    assert response.status_code == 200
    assert "La date de création est à venir." in _text(response)


def test_edit_a_collective(client_of_role, world):
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        _url("collective_edit", world.collective.pk),
        {
            "name": "Club renommé",
            "kind": CollectiveKind.PEER_HELP,
            "founded_on": world.collective.founded_on.isoformat(),
        },
    )
    assert response.status_code == 302
    world.collective.refresh_from_db()
    assert world.collective.name == "Club renommé"
    assert not world.collective.requires_elected_majority


def test_edit_refuses_a_name_already_taken(client_of_role, world):
    CollectiveFactory(name="Club pris")
    response = client_of_role(Role.COORDINATOR).post(
        _url("collective_edit", world.collective.pk),
        {"name": "Club pris", "kind": CollectiveKind.PEER_HELP, "founded_on": "2020-01-01"},
    )
    assert response.status_code == 200
    assert "existe déjà" in _text(response)


# --- the detail -------------------------------------------------------------------------------


def test_detail_shows_members_charter_and_figures(client_of_role, world):
    response = client_of_role(Role.COORDINATOR).get(
        _url("collective_detail", world.collective.pk),
        {"du": world.yesterday.isoformat(), "au": world.today.isoformat()},
    )
    html = _text(response)
    assert "NOM000 Prénom0" in html and "NOM002 Prénom2" in html
    assert "Version 1, en vigueur depuis le" in html
    assert "1 membre n'a pas signé" in html
    figures = response.context["figures"]
    assert (figures.presence_days, figures.members_present, figures.members) == (3, 3, 3)
    assert figures.members_in_work == 1
    assert "33,3 %" in html
    assert "Emploi de transition" in html
    assert world.yesterday.strftime("%d/%m/%Y") in html  # last seen
    assert _url("collective_day", world.collective.pk) in html


def test_detail_searches_and_lists_those_who_left(client_of_role, world):
    client = client_of_role(Role.COORDINATOR)
    services.person_leave(actor=world.actor, person=world.people[1], on=world.today)
    page = client.get(_url("collective_detail", world.collective.pk), {"q": "nom002"}).context[
        "page"
    ]
    assert [person.pk for person in page] == [world.people[2].pk]
    left = client.get(_url("collective_detail", world.collective.pk), {"vue": "partis"})
    assert [person.pk for person in left.context["page"]] == [world.people[1].pk]
    assert "1 ancien membre" in _text(left)


def test_detail_says_when_the_period_is_wrong(client_of_role, world):
    response = client_of_role(Role.COORDINATOR).get(
        _url("collective_detail", world.collective.pk), {"du": "2026-05-10", "au": "2026-05-01"}
    )
    assert response.status_code == 200
    html = _text(response)
    assert "La fin de la période précède son début." in html
    assert 'value="2026-05-10"' in html
    assert response.context["figures"] is None


def test_detail_of_the_cooperative_has_no_daily_life(client_of_role):
    cooperative = CollectiveFactory(cooperative=True)
    html = _text(client_of_role(Role.COORDINATOR).get(_url("collective_detail", cooperative.pk)))
    assert "Les chiffres pour le financeur" not in html
    assert _url("collective_day", cooperative.pk) not in html


@pytest.mark.parametrize("members", [3, 30])
def test_detail_query_count_does_not_grow(client_of_role, django_assert_num_queries, members):
    world = clubhouse_world(members=members)
    client = client_of_role(Role.COORDINATOR)
    # session, user, two-factor check; the collective with its programme; count of
    # members; the page of members with their last visit; the charter in force; count of
    # unsigned; figures: presence, members and members in work, jobs by kind
    with django_assert_num_queries(11):
        response = client.get(_url("collective_detail", world.collective.pk))
    assert response.status_code == 200


# --- joining ------------------------------------------------------------------------------------


def _join_data(**overrides):
    data = {
        "first_name": "Salomé",
        "last_name": "Perrin",
        "phone": "06 98 76 54 32",
        "email": "salome@exemple.fr",
        "joined_on": "2026-01-05",
        "account_email": "",
    }
    data.update(overrides)
    return data


def test_join_a_member(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    html = _text(client.get(_url("person_join", world.collective.pk)))
    assert "sans orientation préalable" in html
    response = client.post(_url("person_join", world.collective.pk), _join_data())
    person = CollectivePerson.objects.get(last_name="Perrin")
    assert response.status_code == 302
    assert response["Location"] == _url("person_detail", person.pk)
    assert person.collective == world.collective and person.user is None
    assert person.membership_events.get().kind == MembershipEventKind.JOINED


def test_join_with_an_account(client_of_role, world):
    account = UserFactory(email="Salome.Perrin@exemple.fr")
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    client.post(
        _url("person_join", world.collective.pk),
        _join_data(account_email="salome.perrin@exemple.fr"),
    )
    assert CollectivePerson.objects.get(last_name="Perrin").user == account


def test_join_keeps_what_was_typed_on_error(client_of_role, world):
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("person_join", world.collective.pk),
        _join_data(account_email="personne@nulle-part.fr", joined_on="2999-01-01"),
    )
    assert response.status_code == 200
    html = _text(response)
    assert "Aucun compte actif n&#x27;a cette adresse." in html
    assert 'value="Salomé"' in html and 'value="personne@nulle-part.fr"' in html
    assert not CollectivePerson.objects.filter(last_name="Perrin").exists()


def test_join_refuses_a_future_date(client_of_role, world):
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("person_join", world.collective.pk), _join_data(joined_on="2999-01-01")
    )
    assert response.status_code == 200
    assert "Cette date est à venir" in _text(response)


def test_join_an_account_already_member(client_of_role, world):
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("person_join", world.collective.pk),
        _join_data(account_email=world.people[0].user.email),
    )
    assert response.status_code == 200
    assert "Ce compte est déjà membre du collectif." in _text(response)


# --- a member's page ----------------------------------------------------------------------------


def test_person_page_shows_history_signatures_attendance_jobs(client_of_role, world):
    person = world.people[1]
    services.reach_out_record(actor=world.actor, person=person, on=world.today, note="Appel")
    html = _text(client_of_role(Role.COORDINATOR).get(_url("person_detail", person.pk)))
    assert "Historique de l'adhésion" in html and "Arrivée" in html
    assert "Version 1, signée le" in html
    assert "1 jour ces 30 derniers jours" in html
    assert "Appel" in html
    assert "06 00 00 00 01" in html
    first = _text(client_of_role(Role.COORDINATOR).get(_url("person_detail", world.people[0].pk)))
    assert "Cuisine : Préparer le repas" in first
    assert "Restaurant Le Partage" in first and "17,5 h par semaine" in first
    assert "version 1 pas encore signée" in first


def test_person_page_for_an_administrator_has_no_actions(client_of_role, world):
    html = _text(client_of_role(Role.ADMINISTRATOR).get(_url("person_detail", world.people[0].pk)))
    assert _url("person_leave", world.people[0].pk) not in html
    assert _url("job_create", world.people[0].pk) not in html


def test_person_page_links_the_memberships_of_one_person(client_of_role, world):
    first = world.people[1]
    services.person_leave(actor=world.actor, person=first, on=world.today, note="Déménage")
    returned = services.person_come_back(actor=world.actor, person=first)
    client = client_of_role(Role.COORDINATOR)
    old_page = _text(client.get(_url("person_detail", first.pk)))
    assert "Cette personne est revenue depuis" in old_page
    assert _url("person_detail", returned.pk) in old_page
    assert _url("person_come_back", first.pk) not in old_page
    new_page = client.get(_url("person_detail", returned.pk))
    kinds = [event.kind for event in new_page.context["events"]]
    assert kinds == [
        MembershipEventKind.JOINED,
        MembershipEventKind.LEFT,
        MembershipEventKind.CAME_BACK,
    ]
    assert "Déménage" in _text(new_page)
    # The signature of the first membership shows in the person's history.
    assert "Version 1, signée le" in _text(new_page)


@pytest.mark.parametrize("days", [2, 25])
def test_person_page_query_count_does_not_grow(
    client_of_role, django_assert_num_queries, world, days
):
    person = world.people[0]
    for offset in range(2, days + 2):
        services.attendance_record(
            actor=world.actor,
            collective=world.collective,
            day=world.today - datetime.timedelta(days=offset),
            present=[person.pk],
        )
    client = client_of_role(Role.COORDINATOR)
    # session, user, two-factor check; the membership; its return event (lineage
    # origin); the lineage; its events; the charter in force; whether signed;
    # signatures; attendance counts; latest days; their tasks; jobs; reach-outs
    with django_assert_num_queries(15):
        response = client.get(_url("person_detail", person.pk))
    assert response.status_code == 200


def test_edit_a_person(client_of_role, world):
    person = world.people[2]
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        _url("person_edit", person.pk),
        {"first_name": "Rose", "last_name": "Lemaire", "phone": " 07  11 22 33 44 ", "email": ""},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.first_name, person.phone) == ("Rose", "07 11 22 33 44")


def test_edit_a_person_keeps_what_was_typed(client_of_role, world):
    response = client_of_role(Role.COORDINATOR).post(
        _url("person_edit", world.people[2].pk),
        {"first_name": "Rose", "last_name": "", "phone": "", "email": "pas-une-adresse"},
    )
    assert response.status_code == 200
    html = _text(response)
    assert "Le formulaire contient des erreurs" in html and 'value="pas-une-adresse"' in html


# --- leaving and coming back ----------------------------------------------------------------


def test_leave_recorded_by_a_manager(client_of_role, world):
    person = world.people[2]
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    assert "Partir est la décision de la personne" in _text(
        client.get(_url("person_leave", person.pk))
    )
    response = client.post(
        _url("person_leave", person.pk), {"on": world.today.isoformat(), "note": "A trouvé"}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.left_on == world.today
    event = person.membership_events.get(kind=MembershipEventKind.LEFT)
    assert (event.note, event.recorded_by) == ("A trouvé", client.user)


def test_leave_keeps_what_was_typed_on_error(client_of_role, world):
    person = world.people[2]
    too_early = (world.yesterday - datetime.timedelta(days=1)).isoformat()
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("person_leave", person.pk), {"on": too_early, "note": "Note tapée"}
    )
    assert response.status_code == 200
    html = _text(response)
    assert "La personne est venue le" in html
    assert f'value="{too_early}"' in html and 'value="Note tapée"' in html
    person.refresh_from_db()
    assert person.left_on is None


def test_leave_page_of_someone_who_left(client_of_role, world):
    person = world.people[2]
    services.person_leave(actor=world.actor, person=person, on=world.today)
    response = client_of_role(Role.PEER_SUPPORT_LEAD).get(_url("person_leave", person.pk))
    assert response.status_code == 302
    assert response["Location"] == _url("person_detail", person.pk)


def test_come_back(client_of_role, world):
    person = world.people[2]
    services.person_leave(actor=world.actor, person=person, on=world.yesterday)
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    response = client.post(_url("person_come_back", person.pk))
    returned = CollectivePerson.objects.get(
        collective=world.collective, last_name="Nom002", left_on=None
    )
    assert response.status_code == 302
    assert response["Location"] == _url("person_detail", returned.pk)
    assert returned.joined_on == world.today


def test_come_back_of_a_current_member_says_why(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    response = client.post(_url("person_come_back", world.people[2].pk), follow=True)
    assert "Cette personne est toujours membre du collectif." in _messages(response)


def test_come_back_with_a_bad_date_says_why(client_of_role, world):
    person = world.people[2]
    services.person_leave(actor=world.actor, person=person, on=world.yesterday)
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    response = client.post(_url("person_come_back", person.pk), {"on": "pas une date"}, follow=True)
    assert "Saisissez une date valide." in _messages(response)


# --- the charter --------------------------------------------------------------------------------


def test_charter_list(client_of_role, world):
    CharterFactory(
        collective=world.collective,
        version=2,
        effective_on=world.today + datetime.timedelta(days=10),
    )
    html = _text(client_of_role(Role.COORDINATOR).get(_url("charter_list", world.collective.pk)))
    assert "Version 1" in html and "en vigueur" in html
    assert "Version 2" in html and "à venir" in html
    assert _url("charter_create", world.collective.pk) in html


def test_new_charter_version(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    form = client.get(_url("charter_create", world.collective.pk)).context["form"]
    assert form.initial["text"] == world.charter.text
    response = client.post(
        _url("charter_create", world.collective.pk),
        {
            "text": "Nouveau texte",
            "effective_on": world.today.isoformat(),
            "adopted_by": "Assemblée du club",
        },
    )
    charter = Charter.objects.get(collective=world.collective, version=2)
    assert response.status_code == 302
    assert response["Location"] == _url("charter_detail", charter.pk)
    assert services.charter_in_force(world.collective) == charter
    assert services.people_without_signature(charter).count() == 3


def test_new_charter_version_keeps_what_was_typed(client_of_role, world):
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("charter_create", world.collective.pk),
        {"text": "Texte tapé", "effective_on": "2001-01-01", "adopted_by": ""},
    )
    assert response.status_code == 200
    html = _text(response)
    assert "La version 1 est en vigueur depuis le" in html and "Texte tapé" in html


def test_charter_detail_lists_who_has_not_signed(client_of_role, world):
    response = client_of_role(Role.PEER_SUPPORT_LEAD).get(_url("charter_detail", world.charter.pk))
    html = _text(response)
    assert "1 membre n'a pas encore signé" in html
    assert response.context["unsigned"] == [world.people[0]]
    assert "2 signatures" in html
    assert "Noter une signature sur papier" in html


def test_charter_detail_for_an_administrator_has_no_form(client_of_role, world):
    html = _text(client_of_role(Role.ADMINISTRATOR).get(_url("charter_detail", world.charter.pk)))
    assert "Noter une signature sur papier" not in html


def test_record_a_signature(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    response = client.post(
        _url("charter_sign_record", world.charter.pk),
        {"person": world.people[0].pk, "on": world.yesterday.isoformat()},
    )
    assert response.status_code == 302
    signature = CharterAcceptance.objects.get(person=world.people[0])
    assert (signature.accepted_on, signature.recorded_by) == (world.yesterday, client.user)


def test_record_a_signature_bad_input(client_of_role, world):
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    too_early = "2001-01-01"
    response = client.post(
        _url("charter_sign_record", world.charter.pk),
        {"person": world.people[0].pk, "on": too_early},
    )
    assert response.status_code == 200
    html = _text(response)
    assert "au plus tôt" in html and f'value="{too_early}"' in html
    # Someone who already signed is not in the list.
    response = client.post(
        _url("charter_sign_record", world.charter.pk),
        {"person": world.people[1].pk, "on": world.today.isoformat()},
    )
    assert "elle a peut-être déjà signé" in _text(response)
    assert not CharterAcceptance.objects.filter(person=world.people[0]).exists()


def test_record_a_signature_of_an_old_version_is_refused(client_of_role, world):
    services.charter_publish(
        actor=world.actor, collective=world.collective, text="V2", effective_on=world.today
    )
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("charter_sign_record", world.charter.pk),
        {"person": world.people[0].pk, "on": world.today.isoformat()},
        follow=True,
    )
    assert "Seule la version en vigueur de la charte se signe." in _messages(response)
    assert not CharterAcceptance.objects.filter(person=world.people[0]).exists()


@pytest.mark.parametrize("members", [3, 30])
def test_charter_detail_query_count_does_not_grow(
    client_of_role, django_assert_num_queries, members
):
    world = clubhouse_world(members=members)
    client = client_of_role(Role.COORDINATOR)
    # session, user, two-factor check; the charter with its collective; the version in
    # force; count of signatures; the page of signatures; the unsigned members; the
    # unsigned members again for the form's choices
    with django_assert_num_queries(9):
        response = client.get(_url("charter_detail", world.charter.pk))
    assert response.status_code == 200


def test_leaving_the_cooperative_goes_through_the_register(client_of_role):
    cooperative = CollectiveFactory(cooperative=True)
    person = CollectivePersonFactory(collective=cooperative)
    client = client_of_role(Role.COORDINATOR)
    html = _text(client.get(_url("person_detail", person.pk)))
    assert _url("person_leave", person.pk) not in html
    for response in [
        client.get(_url("person_leave", person.pk), follow=True),
        client.post(_url("person_leave", person.pk), {"on": "2020-01-01"}, follow=True),
        client.post(_url("person_come_back", person.pk), follow=True),
    ]:
        assert any("registre des associé·es" in message for message in _messages(response))
    person.refresh_from_db()
    assert person.left_on is None
