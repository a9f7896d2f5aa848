import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from members.enums import Attendance, Role
from members.models import Workshop, WorkshopRegistration
from tests.members.factories import MemberFactory, ProgrammeFactory, WorkshopFactory

pytestmark = pytest.mark.django_db

READERS = [Role.COORDINATOR, Role.ADMINISTRATOR, Role.ENTREPRENEUR]
NO_WORKSHOPS = [Role.PEER_SUPPORT_LEAD, Role.ACCOUNTANT, Role.FUNDER, Role.RESEARCHER]
NOT_COORDINATORS = [role for role in Role if role != Role.COORDINATOR]


def _in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _url(name, workshop=None):
    return reverse(f"members:{name}", args=[workshop.pk] if workshop else [])


def _entrepreneur(client_of_role, **member_fields):
    """An entrepreneur's client, with their member record."""
    client = client_of_role(Role.ENTREPRENEUR)
    client.member = MemberFactory(user=client.user, **member_fields)
    return client


def _register(workshop, member, **kwargs):
    return WorkshopRegistration.objects.create(workshop=workshop, member=member, **kwargs)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- the list -------------------------------------------------------------------------


def test_list_anonymous(client):
    response = client.get(_url("workshop_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", READERS)
def test_list_for_readers(client_of_role, role):
    WorkshopFactory(subject="Parler de son parcours en public")
    response = client_of_role(role).get(_url("workshop_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Parler de son parcours en public" in html
    assert "9 h 30 – 12 h 00" in html and "14 h 00 – 16 h 30" in html
    assert "Maison des associations, Montreuil" in html
    assert "12 places libres" in html


@pytest.mark.parametrize("role", NO_WORKSHOPS)
def test_list_refused_to_other_roles(client_of_role, role):
    assert client_of_role(role).get(_url("workshop_list")).status_code == 403


def test_list_wrong_method(client_of_role):
    assert client_of_role(Role.COORDINATOR).post(_url("workshop_list")).status_code == 405


def test_list_splits_upcoming_and_past(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    WorkshopFactory(subject="Atelier de demain", date=_in_days(1))
    WorkshopFactory(subject="Atelier d'aujourd'hui", date=_in_days(0))
    WorkshopFactory(subject="Atelier de la semaine dernière", date=_in_days(-7))
    upcoming = client.get(_url("workshop_list")).content.decode()
    assert "Atelier de demain" in upcoming and "Atelier d&#x27;aujourd&#x27;hui" in upcoming
    assert "semaine dernière" not in upcoming
    # Today's first, then tomorrow's.
    assert upcoming.index("aujourd&#x27;hui") < upcoming.index("Atelier de demain")
    past = client.get(_url("workshop_list") + "?vue=passes").content.decode()
    assert "Atelier de la semaine dernière" in past
    assert "Atelier de demain" not in past
    assert 'href="?vue=passes" aria-current="page"' in past


def test_list_shows_places_left_and_full(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    half = WorkshopFactory(subject="À moitié plein", capacity=4)
    full = WorkshopFactory(subject="Plein", capacity=2)
    for _ in range(2):
        _register(half, MemberFactory())
        _register(full, MemberFactory())
    # An excused person frees their place.
    _register(half, MemberFactory(), attendance=Attendance.EXCUSED)
    page = client.get(_url("workshop_list")).context["page"]
    by_subject = {workshop.subject: workshop for workshop in page}
    assert by_subject["À moitié plein"].places_left == 2
    assert by_subject["Plein"].places_left == 0
    html = client.get(_url("workshop_list")).content.decode()
    assert "2 places libres" in html and "Complet" in html


def test_list_paginates_each_tab(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    for day in range(25):
        WorkshopFactory(date=_in_days(day), slots=False)
    for day in range(1, 4):
        WorkshopFactory(date=_in_days(-day), slots=False)
    first = client.get(_url("workshop_list"))
    assert len(first.context["page"].object_list) == 20
    assert 'href="?vue=a-venir&amp;page=2"' in first.content.decode()
    second = client.get(_url("workshop_list") + "?vue=a-venir&page=2")
    assert len(second.context["page"].object_list) == 5
    past = client.get(_url("workshop_list") + "?vue=passes&page=abc")
    assert past.status_code == 200
    assert len(past.context["page"].object_list) == 3


def test_list_buttons_for_an_entrepreneur(client_of_role):
    client = _entrepreneur(client_of_role)
    open_one = WorkshopFactory(subject="Ouvert")
    mine = WorkshopFactory(subject="Le mien")
    _register(mine, client.member)
    full = WorkshopFactory(subject="Complet", capacity=1)
    _register(full, MemberFactory())
    html = client.get(_url("workshop_list")).content.decode()
    assert _url("workshop_register", open_one) in html
    assert _url("workshop_unregister", mine) in html
    assert _url("workshop_register", mine) not in html
    assert _url("workshop_register", full) not in html
    assert "S'inscrire" in html and "Me désinscrire" in html
    assert "Vous êtes inscrit·e." in html
    assert "Nouvel atelier" not in html


def test_list_entrepreneur_without_member_record(client_of_role):
    client = client_of_role(Role.ENTREPRENEUR)
    workshop = WorkshopFactory()
    html = client.get(_url("workshop_list")).content.decode()
    assert _url("workshop_register", workshop) not in html
    assert "quand votre fiche de membre sera créée" in html


def test_list_past_shows_the_entrepreneurs_attendance(client_of_role):
    client = _entrepreneur(client_of_role)
    workshop = WorkshopFactory(date=_in_days(-3))
    _register(workshop, client.member, attendance=Attendance.PRESENT)
    html = client.get(_url("workshop_list") + "?vue=passes").content.decode()
    assert "Présent·e" in html
    assert _url("workshop_unregister", workshop) not in html


def test_list_coordinator_sees_the_create_button(client_of_role):
    html = client_of_role(Role.COORDINATOR).get(_url("workshop_list")).content.decode()
    assert _url("workshop_create") in html


@pytest.mark.parametrize("workshops", [5, 50])
def test_list_query_count_for_a_coordinator(client_of_role, django_assert_num_queries, workshops):
    client = client_of_role(Role.COORDINATOR)
    for day in range(workshops):
        workshop = WorkshopFactory(date=_in_days(day % 15))
        _register(workshop, MemberFactory())
    # session, user, two-factor check, count of workshops, the page of workshops (with
    # their places left, programme and coordinator), their slots
    with django_assert_num_queries(6):
        response = client.get(_url("workshop_list"))
    assert response.status_code == 200


@pytest.mark.parametrize("workshops", [5, 50])
def test_list_query_count_for_an_entrepreneur(client_of_role, django_assert_num_queries, workshops):
    client = _entrepreneur(client_of_role)
    for day in range(workshops):
        workshop = WorkshopFactory(date=_in_days(day % 15))
        if day % 2:
            _register(workshop, client.member)
    # session, user, own member record, count of workshops, the page of workshops (with
    # places left and own registration), their slots
    with django_assert_num_queries(6):
        response = client.get(_url("workshop_list"))
    assert response.status_code == 200


# --- the workshop page ----------------------------------------------------------------


def test_detail_anonymous(client):
    workshop = WorkshopFactory()
    response = client.get(_url("workshop_detail", workshop))
    assert response.status_code == 302


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMINISTRATOR])
def test_detail_staff_see_the_registrations(client_of_role, role):
    workshop = WorkshopFactory(
        subject="Devis et factures", date=datetime.date(2099, 11, 29), capacity=5
    )
    _register(workshop, MemberFactory(first_name="Nadia", last_name="Benali"))
    _register(
        workshop,
        MemberFactory(first_name="Karim", last_name="Haddad"),
        attendance=Attendance.EXCUSED,
    )
    response = client_of_role(role).get(_url("workshop_detail", workshop))
    assert response.status_code == 200
    html = response.content.decode()
    assert "dimanche 29 novembre 2099" in html
    assert "BENALI Nadia" in html and "HADDAD Karim" in html
    assert "Excusé·e" in html
    assert "4 places libres" in html
    assert _url("workshop_sign_in_sheet", workshop) in html
    manages = role == Role.COORDINATOR
    assert (_url("workshop_attendance", workshop) in html) is manages
    assert (_url("workshop_edit", workshop) in html) is manages
    assert ("Inscrire une personne" in html) is manages


@pytest.mark.parametrize("role", NO_WORKSHOPS)
def test_detail_refused_to_other_roles(client_of_role, role):
    workshop = WorkshopFactory()
    assert client_of_role(role).get(_url("workshop_detail", workshop)).status_code == 403


def test_detail_unknown(client_of_role):
    response = client_of_role(Role.ENTREPRENEUR).get(
        reverse("members:workshop_detail", args=[999999])
    )
    assert response.status_code == 404


def test_detail_wrong_method(client_of_role):
    workshop = WorkshopFactory()
    assert (
        client_of_role(Role.COORDINATOR).post(_url("workshop_detail", workshop)).status_code == 405
    )


def test_detail_entrepreneur_never_sees_the_other_participants(client_of_role):
    client = _entrepreneur(client_of_role, first_name="Léa", last_name="Moreau")
    workshop = WorkshopFactory(programme=ProgrammeFactory(name="Pairs en action"))
    _register(workshop, client.member)
    _register(workshop, MemberFactory(first_name="Zéphirin", last_name="Quatremarre"))
    _register(workshop, MemberFactory(candidate=True, first_name="Ysaline", last_name="Vauquois"))
    response = client.get(_url("workshop_detail", workshop))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vous êtes inscrit·e à cet atelier." in html
    assert "Zéphirin" not in html and "Quatremarre" not in html.upper()
    assert "Ysaline" not in html and "Vauquois" not in html
    assert "Pairs en action" in html
    assert _url("workshop_sign_in_sheet", workshop) not in html
    assert _url("workshop_attendance", workshop) not in html
    assert response.context["registrations"] == []
    assert _url("workshop_unregister", workshop) in html


def test_detail_entrepreneur_sees_past_attendance(client_of_role):
    client = _entrepreneur(client_of_role)
    workshop = WorkshopFactory(date=_in_days(-2))
    _register(workshop, client.member, attendance=Attendance.ABSENT)
    html = client.get(_url("workshop_detail", workshop)).content.decode()
    assert "Votre présence : Absent·e" in html
    assert _url("workshop_unregister", workshop) not in html


def test_detail_entrepreneur_sees_full(client_of_role):
    client = _entrepreneur(client_of_role)
    workshop = WorkshopFactory(capacity=1)
    _register(workshop, MemberFactory())
    html = client.get(_url("workshop_detail", workshop)).content.decode()
    assert "L'atelier est complet." in html
    assert _url("workshop_register", workshop) not in html


def test_detail_register_form_lists_current_members_not_registered(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    workshop = WorkshopFactory()
    registered = MemberFactory(last_name="Inscrite")
    _register(workshop, registered)
    free = MemberFactory(last_name="Disponible")
    gone = MemberFactory(last_name="Partie", path="exited")
    choices = client.get(_url("workshop_detail", workshop)).context["register_form"]
    members = set(choices.fields["member"].queryset)
    assert free in members
    assert registered not in members and gone not in members


@pytest.mark.parametrize("registrations", [5, 50])
def test_detail_query_count_for_a_coordinator(
    client_of_role, django_assert_num_queries, registrations
):
    client = client_of_role(Role.COORDINATOR)
    workshop = WorkshopFactory(capacity=60, programme=ProgrammeFactory())
    for _ in range(registrations):
        _register(workshop, MemberFactory())
    MemberFactory.create_batch(3)
    # session, user, two-factor check, the workshop (places left, programme, coordinator),
    # its slots, the registrations with their members, the members that may be registered
    with django_assert_num_queries(7):
        response = client.get(_url("workshop_detail", workshop))
    assert response.status_code == 200


@pytest.mark.parametrize("registrations", [5, 50])
def test_detail_query_count_for_an_entrepreneur(
    client_of_role, django_assert_num_queries, registrations
):
    client = _entrepreneur(client_of_role)
    workshop = WorkshopFactory(capacity=60)
    _register(workshop, client.member)
    for _ in range(registrations):
        _register(workshop, MemberFactory())
    # session, user, own member record, the workshop (places left, own registration),
    # its slots
    with django_assert_num_queries(5):
        response = client.get(_url("workshop_detail", workshop))
    assert response.status_code == 200


# --- registering oneself --------------------------------------------------------------


def test_register_anonymous(client):
    workshop = WorkshopFactory()
    response = client.post(_url("workshop_register", workshop))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not WorkshopRegistration.objects.exists()


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, *NO_WORKSHOPS])
def test_register_refused_to_other_roles(client_of_role, role):
    workshop = WorkshopFactory()
    member = MemberFactory()
    response = client_of_role(role).post(_url("workshop_register", workshop), {"member": member.pk})
    assert response.status_code == 403
    assert not WorkshopRegistration.objects.exists()


def test_register_wrong_method(client_of_role):
    client = _entrepreneur(client_of_role)
    assert client.get(_url("workshop_register", WorkshopFactory())).status_code == 405


def test_register_unknown_workshop(client_of_role):
    client = _entrepreneur(client_of_role)
    response = client.post(reverse("members:workshop_register", args=[999999]))
    assert response.status_code == 404


def test_entrepreneur_registers(client_of_role):
    client = _entrepreneur(client_of_role)
    workshop = WorkshopFactory(subject="Gérer son temps", date=datetime.date(2099, 3, 4))
    response = client.post(_url("workshop_register", workshop), follow=True)
    assert response.redirect_chain == [(_url("workshop_detail", workshop), 302)]
    assert WorkshopRegistration.objects.get().member == client.member
    assert _messages(response) == [
        "C'est noté : vous êtes inscrit·e à l'atelier « Gérer son temps » du mercredi 4 mars 2099."
    ]


def test_entrepreneur_registers_only_themself(client_of_role):
    client = _entrepreneur(client_of_role)
    other = MemberFactory()
    workshop = WorkshopFactory()
    client.post(_url("workshop_register", workshop), {"member": other.pk})
    assert [r.member for r in WorkshopRegistration.objects.all()] == [client.member]


def test_register_full_workshop(client_of_role):
    client = _entrepreneur(client_of_role)
    workshop = WorkshopFactory(capacity=1)
    _register(workshop, MemberFactory())
    response = client.post(_url("workshop_register", workshop), follow=True)
    assert _messages(response) == ["L'atelier est complet."]
    assert workshop.registrations.count() == 1


def test_register_twice(client_of_role):
    client = _entrepreneur(client_of_role)
    workshop = WorkshopFactory()
    _register(workshop, client.member)
    response = client.post(_url("workshop_register", workshop), follow=True)
    assert _messages(response) == ["Cette personne est déjà inscrite à cet atelier."]
    assert workshop.registrations.count() == 1


def test_register_past_workshop(client_of_role):
    client = _entrepreneur(client_of_role)
    workshop = WorkshopFactory(date=_in_days(-1))
    response = client.post(_url("workshop_register", workshop), follow=True)
    assert _messages(response) == ["Cet atelier est passé."]
    assert not WorkshopRegistration.objects.exists()


def test_register_without_member_record(client_of_role):
    client = client_of_role(Role.ENTREPRENEUR)
    workshop = WorkshopFactory()
    response = client.post(_url("workshop_register", workshop), follow=True)
    assert response.status_code == 200
    [message] = _messages(response)
    assert "votre fiche de membre n'est pas encore créée" in message
    assert not WorkshopRegistration.objects.exists()


# --- a coordinator registers someone --------------------------------------------------


def test_coordinator_registers_a_member(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(first_name="Nadia", last_name="Benali")
    workshop = WorkshopFactory(subject="Prendre la parole")
    response = client.post(_url("workshop_register", workshop), {"member": member.pk}, follow=True)
    assert response.redirect_chain == [(_url("workshop_detail", workshop), 302)]
    assert WorkshopRegistration.objects.get().member == member
    [message] = _messages(response)
    assert message.startswith("Nadia Benali est inscrit·e à l'atelier « Prendre la parole »")


def test_coordinator_registers_into_a_full_workshop(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    workshop = WorkshopFactory(capacity=1)
    _register(workshop, MemberFactory())
    member = MemberFactory()
    response = client.post(_url("workshop_register", workshop), {"member": member.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "L&#x27;atelier est complet." in html
    assert f'value="{member.pk}" selected' in html
    assert workshop.registrations.count() == 1


def test_coordinator_cannot_register_someone_twice_or_an_exited_member(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    workshop = WorkshopFactory()
    registered = MemberFactory()
    _register(workshop, registered)
    gone = MemberFactory(path="exited")
    for member in (registered, gone):
        response = client.post(_url("workshop_register", workshop), {"member": member.pk})
        assert response.status_code == 200
        assert "Sélectionnez un choix valide" in response.content.decode()
    assert workshop.registrations.count() == 1


def test_coordinator_register_without_a_choice(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    workshop = WorkshopFactory()
    response = client.post(_url("workshop_register", workshop), {"member": "abc"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not WorkshopRegistration.objects.exists()


# --- unregistering --------------------------------------------------------------------


def test_unregister_anonymous(client):
    workshop = WorkshopFactory()
    assert client.post(_url("workshop_unregister", workshop)).status_code == 302


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, *NO_WORKSHOPS])
def test_unregister_refused_to_other_roles(client_of_role, role):
    workshop = WorkshopFactory()
    registration = _register(workshop, MemberFactory())
    response = client_of_role(role).post(
        _url("workshop_unregister", workshop), {"registration": registration.pk}
    )
    assert response.status_code == 403
    assert WorkshopRegistration.objects.exists()


def test_unregister_wrong_method(client_of_role):
    client = _entrepreneur(client_of_role)
    assert client.get(_url("workshop_unregister", WorkshopFactory())).status_code == 405


def test_entrepreneur_unregisters(client_of_role):
    client = _entrepreneur(client_of_role)
    workshop = WorkshopFactory()
    _register(workshop, client.member)
    others = _register(workshop, MemberFactory())
    response = client.post(
        _url("workshop_unregister", workshop), {"registration": others.pk}, follow=True
    )
    assert response.redirect_chain == [(_url("workshop_detail", workshop), 302)]
    # Their own registration went, never the one whose id they sent.
    assert list(WorkshopRegistration.objects.all()) == [others]
    assert _messages(response) == [
        "Vous n'êtes plus inscrit·e à cet atelier. Votre place est libérée."
    ]


def test_entrepreneur_unregisters_when_not_registered(client_of_role):
    client = _entrepreneur(client_of_role)
    workshop = WorkshopFactory()
    _register(workshop, MemberFactory())
    response = client.post(_url("workshop_unregister", workshop), follow=True)
    assert _messages(response) == ["Vous n'êtes pas inscrit·e à cet atelier."]
    assert workshop.registrations.count() == 1


def test_unregister_after_the_day_is_refused(client_of_role):
    client = _entrepreneur(client_of_role)
    workshop = WorkshopFactory(date=_in_days(-1))
    _register(workshop, client.member)
    response = client.post(_url("workshop_unregister", workshop), follow=True)
    assert _messages(response) == ["Cet atelier est passé : la présence est déjà notée."]
    assert workshop.registrations.count() == 1


def test_coordinator_unregisters_a_member(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    workshop = WorkshopFactory()
    registration = _register(workshop, MemberFactory(first_name="Nadia", last_name="Benali"))
    response = client.post(
        _url("workshop_unregister", workshop), {"registration": registration.pk}, follow=True
    )
    assert _messages(response) == ["Nadia Benali n'est plus inscrit·e à cet atelier."]
    assert not WorkshopRegistration.objects.exists()


def test_coordinator_unregister_of_another_workshops_registration_is_404(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    workshop = WorkshopFactory()
    elsewhere = _register(WorkshopFactory(), MemberFactory())
    for value in (elsewhere.pk, "abc", ""):
        response = client.post(_url("workshop_unregister", workshop), {"registration": value})
        assert response.status_code == 404
    assert WorkshopRegistration.objects.count() == 1


# --- creating and changing a workshop -------------------------------------------------


def _workshop_data(**overrides):
    return {
        "subject": "Construire son budget",
        "description": "Pour préparer sa première année.",
        "date": _in_days(14).isoformat(),
        "place": "Local de la coopérative, Saint-Denis",
        "capacity": "10",
        "coordinator": "",
        "programme": "",
        "slot1_start": "09:30",
        "slot1_end": "12:00",
        "slot2_start": "14:00",
        "slot2_end": "16:30",
        "slot3_start": "",
        "slot3_end": "",
    } | overrides


def test_create_anonymous(client):
    assert client.get(_url("workshop_create")).status_code == 302


@pytest.mark.parametrize("role", NOT_COORDINATORS)
def test_create_refused_to_other_roles(client_of_role, role):
    client = client_of_role(role)
    assert client.get(_url("workshop_create")).status_code == 403
    assert client.post(_url("workshop_create"), _workshop_data()).status_code == 403
    assert not Workshop.objects.exists()


def test_create_wrong_method(client_of_role):
    assert client_of_role(Role.COORDINATOR).put(_url("workshop_create")).status_code == 405


def test_create_form(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    response = client.get(_url("workshop_create"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('type="time"') == 6
    assert response.context["form"]["coordinator"].value() == client.user.pk


def test_coordinator_creates_a_workshop(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    programme = ProgrammeFactory()
    response = client.post(
        _url("workshop_create"),
        _workshop_data(coordinator=client.user.pk, programme=programme.pk),
    )
    workshop = Workshop.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("workshop_detail", workshop)
    assert workshop.subject == "Construire son budget"
    assert workshop.coordinator == client.user
    assert workshop.programme == programme
    assert workshop.capacity == 10
    assert [(s.starts_at, s.ends_at) for s in workshop.slots.all()] == [
        (datetime.time(9, 30), datetime.time(12)),
        (datetime.time(14), datetime.time(16, 30)),
    ]


def test_create_bad_input_keeps_what_was_typed(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        _url("workshop_create"),
        _workshop_data(
            coordinator=client.user.pk,
            date=_in_days(-1).isoformat(),
            capacity="0",
            slot2_end="13:00",
            slot3_start="17:00",
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    errors = response.context["form"].errors
    assert errors["date"] == ["Cette date est passée : choisissez un jour à venir."]
    assert errors["capacity"] == ["Un atelier a au moins une place."]
    assert errors["slot2_end"] == ["La fin du créneau doit venir après son début."]
    assert errors["slot3_end"] == ["Indiquez aussi l'heure de fin."]
    assert 'value="Construire son budget"' in html
    assert 'value="13:00"' in html and 'value="17:00"' in html
    assert "Pour préparer sa première année.</textarea>" in html
    assert not Workshop.objects.exists()


def test_create_needs_a_slot(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        _url("workshop_create"),
        _workshop_data(
            coordinator=client.user.pk,
            slot1_start="",
            slot1_end="",
            slot2_start="",
            slot2_end="",
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["slot1_start"] == [
        "Indiquez au moins un créneau horaire."
    ]


def test_create_refuses_overlapping_slots(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        _url("workshop_create"),
        _workshop_data(coordinator=client.user.pk, slot2_start="11:00"),
    )
    assert response.status_code == 200
    assert "Deux créneaux se chevauchent." in response.content.decode()


def test_edit_refused_and_unknown(client_of_role):
    workshop = WorkshopFactory()
    for role in NOT_COORDINATORS:
        client = client_of_role(role)
        assert client.get(_url("workshop_edit", workshop)).status_code == 403
        client.logout()
    client = client_of_role(Role.COORDINATOR)
    assert client.get(reverse("members:workshop_edit", args=[999999])).status_code == 404
    assert client.delete(_url("workshop_edit", workshop)).status_code == 405


def test_coordinator_edits_a_workshop(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    workshop = WorkshopFactory()
    form = client.get(_url("workshop_edit", workshop))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'value="09:30"' in html and 'value="16:30"' in html
    response = client.post(
        _url("workshop_edit", workshop),
        _workshop_data(
            coordinator=workshop.coordinator_id,
            slot1_start="10:00",
            slot1_end="12:30",
            slot2_start="",
            slot2_end="",
        ),
    )
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.subject == "Construire son budget"
    assert [(s.starts_at, s.ends_at) for s in workshop.slots.all()] == [
        (datetime.time(10), datetime.time(12, 30))
    ]


def test_edit_keeps_a_past_date(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    workshop = WorkshopFactory(date=_in_days(-3))
    response = client.post(
        _url("workshop_edit", workshop),
        _workshop_data(coordinator=workshop.coordinator_id, date=_in_days(-3).isoformat()),
    )
    assert response.status_code == 302


def test_edit_capacity_below_registrations(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    workshop = WorkshopFactory(capacity=5, subject="Sujet d'origine")
    for _ in range(3):
        _register(workshop, MemberFactory())
    response = client.post(
        _url("workshop_edit", workshop),
        _workshop_data(coordinator=workshop.coordinator_id, capacity="2"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Modifier l'atelier « Sujet d&#x27;origine »" in html
    assert 'value="Construire son budget"' in html
    assert response.context["form"].errors["capacity"] == [
        "3 personnes sont déjà inscrites : il faut au moins autant de places."
    ]
    workshop.refresh_from_db()
    assert workshop.capacity == 5
    assert workshop.slots.count() == 2


# --- attendance -----------------------------------------------------------------------


def test_attendance_anonymous(client):
    assert client.get(_url("workshop_attendance", WorkshopFactory())).status_code == 302


@pytest.mark.parametrize("role", NOT_COORDINATORS)
def test_attendance_refused_to_other_roles(client_of_role, role):
    workshop = WorkshopFactory()
    registration = _register(workshop, MemberFactory())
    client = client_of_role(role)
    assert client.get(_url("workshop_attendance", workshop)).status_code == 403
    response = client.post(
        _url("workshop_attendance", workshop), {f"registration_{registration.pk}": "present"}
    )
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.attendance == Attendance.REGISTERED


def test_attendance_unknown_and_wrong_method(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    assert client.get(reverse("members:workshop_attendance", args=[999999])).status_code == 404
    assert client.put(_url("workshop_attendance", WorkshopFactory())).status_code == 405


def test_attendance_form(client_of_role):
    workshop = WorkshopFactory(date=_in_days(0))
    registration = _register(workshop, MemberFactory(first_name="Nadia", last_name="Benali"))
    response = client_of_role(Role.COORDINATOR).get(_url("workshop_attendance", workshop))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<legend>Nadia Benali</legend>" in html
    assert html.count(f'name="registration_{registration.pk}"') == 4
    assert 'class="button button--secondary field--check"' in html


def test_attendance_is_recorded(client_of_role):
    workshop = WorkshopFactory(date=_in_days(0))
    came = _register(workshop, MemberFactory())
    missed = _register(workshop, MemberFactory())
    elsewhere = _register(WorkshopFactory(), MemberFactory())
    response = client_of_role(Role.COORDINATOR).post(
        _url("workshop_attendance", workshop),
        {
            f"registration_{came.pk}": "present",
            f"registration_{missed.pk}": "absent",
            f"registration_{elsewhere.pk}": "present",
        },
        follow=True,
    )
    assert response.redirect_chain == [(_url("workshop_detail", workshop), 302)]
    assert _messages(response) == ["Les présences sont enregistrées (2 changements)."]
    came.refresh_from_db()
    missed.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (came.attendance, missed.attendance) == (Attendance.PRESENT, Attendance.ABSENT)
    assert elsewhere.attendance == Attendance.REGISTERED


def test_attendance_bad_input_keeps_the_choices(client_of_role):
    workshop = WorkshopFactory(date=_in_days(0))
    came = _register(workshop, MemberFactory())
    other = _register(workshop, MemberFactory())
    response = client_of_role(Role.COORDINATOR).post(
        _url("workshop_attendance", workshop),
        {f"registration_{came.pk}": "present", f"registration_{other.pk}": "peut-être"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"registration_{other.pk}"]
    assert response.context["form"][f"registration_{came.pk}"].value() == "present"
    came.refresh_from_db()
    assert came.attendance == Attendance.REGISTERED


def test_attendance_without_registrations(client_of_role):
    workshop = WorkshopFactory()
    response = client_of_role(Role.COORDINATOR).get(_url("workshop_attendance", workshop))
    assert "Personne n'est inscrit·e à cet atelier." in response.content.decode()
