"""Meetings' pages: creation, the meeting's page, agenda, convocation, attendance,
decisions, closing, the minutes as a PDF; and "Mes instances" on the phone."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coop import governance
from coop.enums import DecisionKind, MeetingAttendance
from coop.models import AgendaItem, Decision, Meeting
from members.enums import Role
from tests.coop.factories_collectives import CollectiveFactory, CollectivePersonFactory
from tests.coop.factories_governance import (
    AgendaItemFactory,
    AssociateFactory,
    BodyFactory,
    MeetingFactory,
    SeatFactory,
    at_six_pm,
    convene,
    days_from_today,
    held_meeting,
    let_time_pass,
    pdf_text,
)

pytestmark = pytest.mark.django_db

READERS = [Role.COORDINATOR, Role.ADMINISTRATOR, Role.PEER_SUPPORT_LEAD]
NO_BODIES = [Role.ENTREPRENEUR, Role.ACCOUNTANT, Role.FUNDER, Role.RESEARCHER]
MANAGERS = [Role.COORDINATOR, Role.PEER_SUPPORT_LEAD]
NOT_MANAGERS = [Role.ADMINISTRATOR, *NO_BODIES]
NOT_ENTREPRENEURS = [role for role in Role if role != Role.ENTREPRENEUR]

# The coordinators' pages of a meeting that answer GET.
MEETING_PAGES = [
    "meeting_detail",
    "meeting_edit",
    "agenda_item_add",
    "meeting_convene",
    "meeting_attendance",
    "decision_add",
    "meeting_close",
]
MANAGE_PAGES = MEETING_PAGES[1:]


def _url(name, *args):
    return reverse(f"coop:{name}", args=args)


def _html(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _council(members: int, **fields):
    body = BodyFactory(**fields)
    for _ in range(members):
        SeatFactory(body=body)
    return body


# --- anonymous, roles, strangers, methods ----------------------------------------------------


@pytest.mark.parametrize("name", MEETING_PAGES)
def test_anonymous_goes_to_login(client, name):
    response = client.get(_url(name, MeetingFactory().pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", NO_BODIES)
@pytest.mark.parametrize("name", MEETING_PAGES)
def test_refused_to_roles_without_bodies(client_of_role, role, name):
    assert client_of_role(role).get(_url(name, MeetingFactory().pk)).status_code == 403


@pytest.mark.parametrize("name", MANAGE_PAGES)
def test_administrators_only_read(client_of_role, name):
    client = client_of_role(Role.ADMINISTRATOR)
    meeting = MeetingFactory()
    assert client.get(_url("meeting_detail", meeting.pk)).status_code == 200
    assert client.get(_url(name, meeting.pk)).status_code == 403


@pytest.mark.parametrize("name", MEETING_PAGES)
def test_peer_support_lead_does_not_reach_the_cooperatives_meetings(client_of_role, name):
    meeting = MeetingFactory(body=BodyFactory(board=True))
    assert client_of_role(Role.PEER_SUPPORT_LEAD).get(_url(name, meeting.pk)).status_code == 404


@pytest.mark.parametrize("name", MEETING_PAGES)
def test_unknown_meeting(client_of_role, name):
    assert client_of_role(Role.COORDINATOR).get(_url(name, 999999)).status_code == 404


def test_detail_refuses_post(client_of_role):
    response = client_of_role(Role.COORDINATOR).post(_url("meeting_detail", MeetingFactory().pk))
    assert response.status_code == 405


@pytest.mark.parametrize("name", MANAGE_PAGES)
def test_forms_refuse_put(client_of_role, name):
    response = client_of_role(Role.COORDINATOR).put(_url(name, MeetingFactory().pk))
    assert response.status_code == 405


# --- creation and preparation --------------------------------------------------------------


def test_create_meeting(client_of_role):
    body = _council(2)
    day = days_from_today(20)
    response = client_of_role(Role.PEER_SUPPORT_LEAD).post(
        _url("meeting_create", body.pk),
        {"title": "Conseil d'automne", "date": day.isoformat(), "time": "18:30", "place": "Club"},
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("meeting_detail", meeting.pk)
    assert timezone.localtime(meeting.starts_at).hour == 18


def test_create_meeting_in_the_past_keeps_what_was_typed(client_of_role):
    body = _council(1)
    response = client_of_role(Role.COORDINATOR).post(
        _url("meeting_create", body.pk),
        {"title": "Conseil", "date": "2020-01-10", "time": "18:30", "place": "Salle verte"},
    )
    assert response.status_code == 200
    assert "choisissez une date à venir" in _html(response)
    assert response.context["form"]["place"].value() == "Salle verte"


def test_create_meeting_refused_to_non_managers(client_of_role):
    assert (
        client_of_role(Role.ADMINISTRATOR).get(_url("meeting_create", BodyFactory().pk)).status_code
        == 403
    )


def test_detail_for_readers_before_convocation(client_of_role):
    meeting = MeetingFactory(body=_council(2), title="Conseil de rentrée")
    AgendaItemFactory(meeting=meeting, title="Planning de l'atelier cuisine")
    for role in READERS:
        response = client_of_role(role).get(_url("meeting_detail", meeting.pk))
        html = _html(response)
        assert response.status_code == 200
        assert "Planning de l&#x27;atelier cuisine" in html
        assert "à envoyer au plus tard le" in html
        assert (_url("meeting_convene", meeting.pk) in html) is (role in MANAGERS)


def test_detail_says_when_it_is_too_late(client_of_role):
    meeting = MeetingFactory(body=_council(2), starts_at=at_six_pm(days_from_today(3)))
    AgendaItemFactory(meeting=meeting)
    html = _html(client_of_role(Role.COORDINATOR).get(_url("meeting_detail", meeting.pk)))
    assert "Trop tard pour convoquer" in html
    assert _url("meeting_convene", meeting.pk) not in html


def test_edit_meeting(client_of_role):
    meeting = MeetingFactory(body=_council(1))
    day = days_from_today(40)
    response = client_of_role(Role.COORDINATOR).post(
        _url("meeting_edit", meeting.pk),
        {"title": "Conseil déplacé", "date": day.isoformat(), "time": "10:00", "place": "Mairie"},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.place == "Mairie" and timezone.localtime(meeting.starts_at).date() == day


def test_edit_after_convocation_is_refused(client_of_role):
    meeting = convene(MeetingFactory(body=_council(1)))
    response = client_of_role(Role.COORDINATOR).post(
        _url("meeting_edit", meeting.pk),
        {"title": "Autre", "date": days_from_today(50).isoformat(), "time": "10:00", "place": "X"},
    )
    assert response.status_code == 200
    assert "La convocation est partie" in _html(response)


def test_agenda_item_add_and_bad_input(client_of_role):
    meeting = MeetingFactory(body=_council(1))
    client = client_of_role(Role.COORDINATOR)
    response = client.post(_url("agenda_item_add", meeting.pk), {"title": "", "description": "x"})
    assert response.status_code == 200
    assert response.context["form"]["description"].value() == "x"
    response = client.post(
        _url("agenda_item_add", meeting.pk), {"title": "Budget 2027", "description": ""}
    )
    assert response.status_code == 302
    assert meeting.agenda_items.get().title == "Budget 2027"


def test_agenda_item_remove(client_of_role):
    item = AgendaItemFactory(meeting=MeetingFactory(body=_council(1)))
    client = client_of_role(Role.COORDINATOR)
    assert client.get(_url("agenda_item_remove", item.pk)).status_code == 405
    response = client.post(_url("agenda_item_remove", item.pk))
    assert response.status_code == 302
    assert not AgendaItem.objects.exists()


def test_agenda_item_remove_after_convocation(client_of_role):
    meeting = convene(MeetingFactory(body=_council(1)))
    item = meeting.agenda_items.get()
    client = client_of_role(Role.COORDINATOR)
    response = client.post(_url("agenda_item_remove", item.pk), follow=True)
    assert "La convocation est partie" in " ".join(_messages(response))
    assert AgendaItem.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_agenda_item_remove_refused(client_of_role, role):
    item = AgendaItemFactory()
    assert client_of_role(role).post(_url("agenda_item_remove", item.pk)).status_code == 403


def test_agenda_item_remove_of_the_cooperative_for_the_peer_support_lead(client_of_role):
    item = AgendaItemFactory(meeting=MeetingFactory(body=BodyFactory(board=True)))
    assert (
        client_of_role(Role.PEER_SUPPORT_LEAD).post(_url("agenda_item_remove", item.pk)).status_code
        == 404
    )


def test_agenda_item_remove_anonymous(client):
    assert client.post(_url("agenda_item_remove", AgendaItemFactory().pk)).status_code == 302


# --- convocation ---------------------------------------------------------------------------------


def test_convocation_page_lists_who_will_be_convened(client_of_role):
    body = _council(2)
    without = SeatFactory(body=body, person__email="")
    meeting = MeetingFactory(body=body)
    AgendaItemFactory(meeting=meeting, title="Budget")
    html = _html(client_of_role(Role.COORDINATOR).get(_url("meeting_convene", meeting.pk)))
    assert "3 personnes convoquées" in html
    assert "sans adresse e-mail : à convoquer par courrier" in html
    assert str(without.person) in html
    assert "Délai légal respecté" in html


def test_convocation_sends_the_emails(client_of_role, settings):
    settings.EMAIL_BACKEND = "coop.mail.OutboxBackend"
    from coop.models import OutgoingEmail

    meeting = MeetingFactory(body=_council(3))
    AgendaItemFactory(meeting=meeting)
    client = client_of_role(Role.COORDINATOR)
    response = client.post(_url("meeting_convene", meeting.pk))
    assert response.status_code == 302
    assert OutgoingEmail.objects.count() == 3
    assert "envoyée par e-mail à 3 personnes" in " ".join(
        _messages(client.get(response["Location"]))
    )


def test_convocation_too_late_is_refused_with_a_clear_message(client_of_role):
    meeting = MeetingFactory(body=_council(2), starts_at=at_six_pm(days_from_today(2)))
    AgendaItemFactory(meeting=meeting)
    response = client_of_role(Role.COORDINATOR).post(_url("meeting_convene", meeting.pk))
    assert response.status_code == 200
    html = _html(response)
    assert "Convocation refusée : elle doit partir au moins 7 jours avant la réunion" in html
    assert mail.outbox == []
    meeting.refresh_from_db()
    assert not meeting.is_convened


# --- attendance, decisions, closing -----------------------------------------------------------


def test_attendance_page_and_quorum_message(client_of_role):
    meeting = let_time_pass(convene(MeetingFactory(body=_council(3))))
    people = list(meeting.participants.order_by("name", "pk"))
    client = client_of_role(Role.COORDINATOR)
    assert client.get(_url("meeting_attendance", meeting.pk)).status_code == 200
    response = client.post(
        _url("meeting_attendance", meeting.pk),
        {
            f"attendance_{people[0].pk}": MeetingAttendance.PRESENT,
            f"proxy_{people[0].pk}": "",
            f"attendance_{people[1].pk}": MeetingAttendance.REPRESENTED,
            f"proxy_{people[1].pk}": f"{people[0].name} (n° 1)",
            f"attendance_{people[2].pk}": MeetingAttendance.ABSENT,
            f"proxy_{people[2].pk}": "",
        },
    )
    assert response.status_code == 302
    text = " ".join(_messages(client.get(response["Location"])))
    assert "2 membres présents ou représentés, le quorum (2) est atteint" in text


def test_attendance_bad_input_keeps_what_was_typed(client_of_role):
    meeting = let_time_pass(convene(MeetingFactory(body=_council(3))))
    people = list(meeting.participants.order_by("name", "pk"))
    response = client_of_role(Role.COORDINATOR).post(
        _url("meeting_attendance", meeting.pk),
        {
            f"attendance_{people[0].pk}": MeetingAttendance.PRESENT,
            f"attendance_{people[1].pk}": MeetingAttendance.REPRESENTED,
            f"proxy_{people[1].pk}": f"{people[0].name} (n° 1)",
            f"attendance_{people[2].pk}": MeetingAttendance.REPRESENTED,
            f"proxy_{people[2].pk}": f"{people[0].name} (n° 1)",
        },
    )
    assert response.status_code == 200
    assert "porterait 2 pouvoirs : 1 au plus par personne" in _html(response)
    assert response.context["form"][f"proxy_{people[2].pk}"].value() == f"{people[0].name} (n° 1)"


def test_attendance_proxy_typed_outside_the_list(client_of_role):
    meeting = let_time_pass(convene(MeetingFactory(body=_council(2))))
    people = list(meeting.participants.order_by("name", "pk"))
    response = client_of_role(Role.COORDINATOR).post(
        _url("meeting_attendance", meeting.pk),
        {
            f"attendance_{people[0].pk}": MeetingAttendance.PRESENT,
            f"attendance_{people[1].pk}": MeetingAttendance.REPRESENTED,
            f"proxy_{people[1].pk}": "Quelqu'un d'autre",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"proxy_{people[1].pk}"] == [
        "Choisissez une personne de la liste."
    ]
    html = _html(response)
    assert '<datalist id="personnes-convoquees">' in html
    assert f"{people[0].name} (n° 1)" in html


def test_attendance_before_convocation_sends_back(client_of_role):
    meeting = MeetingFactory(body=_council(2))
    response = client_of_role(Role.COORDINATOR).get(_url("meeting_attendance", meeting.pk))
    assert response.status_code == 302


def test_decision_add_and_result(client_of_role):
    meeting = held_meeting(_council(4), present=4)
    client = client_of_role(Role.COORDINATOR)
    item = meeting.agenda_items.get()
    response = client.post(
        _url("decision_add", meeting.pk),
        {
            "agenda_item": item.pk,
            "title": "Adopter le règlement intérieur",
            "text": "Le conseil adopte le règlement.",
            "kind": DecisionKind.ORDINARY,
            "votes_for": "3",
            "votes_against": "1",
            "votes_abstain": "0",
        },
    )
    assert response.status_code == 302
    assert "Décision n° 1 : adoptée." in _messages(client.get(response["Location"]))
    html = _html(client.get(_url("meeting_detail", meeting.pk)))
    assert "Adopter le règlement intérieur" in html and "Adoptée" in html


def test_decision_too_many_votes_keeps_what_was_typed(client_of_role):
    meeting = held_meeting(_council(4), present=3)
    response = client_of_role(Role.COORDINATOR).post(
        _url("decision_add", meeting.pk),
        {
            "agenda_item": meeting.agenda_items.get().pk,
            "title": "Budget",
            "kind": DecisionKind.ORDINARY,
            "votes_for": "3",
            "votes_against": "1",
            "votes_abstain": "0",
        },
    )
    assert response.status_code == 200
    assert "une personne, une voix" in _html(response)
    assert response.context["form"]["title"].value() == "Budget"
    assert not Decision.objects.exists()


def test_decision_without_quorum(client_of_role):
    meeting = held_meeting(_council(4), present=1)
    response = client_of_role(Role.COORDINATOR).post(
        _url("decision_add", meeting.pk),
        {
            "agenda_item": meeting.agenda_items.get().pk,
            "title": "Budget",
            "kind": DecisionKind.ORDINARY,
            "votes_for": "1",
            "votes_against": "0",
            "votes_abstain": "0",
        },
    )
    assert "Le quorum n&#x27;est pas atteint" in _html(response)


def test_close_and_minutes(client_of_role, tmp_path):
    meeting = held_meeting(_council(3), present=3, agenda=("Comptes 2025", "Questions diverses"))
    client = client_of_role(Role.COORDINATOR)
    governance.decision_record(
        actor=client.user,
        meeting=meeting,
        agenda_item=meeting.agenda_items.get(position=1),
        title="Approbation des comptes 2025",
        kind=DecisionKind.ORDINARY,
        votes_for=2,
        votes_against=0,
        votes_abstain=1,
    )
    draft = pdf_text(client.get(_url("meeting_minutes_pdf", meeting.pk)).content, tmp_path)
    assert "PROJET" in draft
    response = client.post(
        _url("meeting_close", meeting.pk),
        {"chair": "Awa Diallo", "secretary": "Jean Petit", "notes": "Bonne ambiance."},
    )
    assert response.status_code == 302
    response = client.get(_url("meeting_minutes_pdf", meeting.pk))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert "PROJET" not in text
    assert "Procès-verbal" in text and meeting.title in text
    assert "3 personnes convoquées ; 3 présentes, 0 représentées." in text
    assert "Le quorum (50 %, soit 2 membres présents ou représentés) est atteint" in text
    assert "Décision n° 1 : Approbation des comptes 2025" in text
    assert "Pour : 2 — contre : 0 — abstentions : 1." in text
    assert "La décision est adoptée." in text
    assert "Point d'information, sans vote." in text
    assert "Awa Diallo" in text and "Bonne ambiance." in text


def test_close_bad_input(client_of_role):
    meeting = held_meeting(_council(2), present=2)
    response = client_of_role(Role.COORDINATOR).post(
        _url("meeting_close", meeting.pk), {"chair": "", "secretary": "Jean", "notes": "Notes"}
    )
    assert response.status_code == 200
    assert response.context["form"]["notes"].value() == "Notes"
    meeting.refresh_from_db()
    assert not meeting.is_closed


def test_minutes_before_convocation(client_of_role):
    response = client_of_role(Role.COORDINATOR).get(
        _url("meeting_minutes_pdf", MeetingFactory().pk)
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.ACCOUNTANT, Role.FUNDER, Role.RESEARCHER])
def test_minutes_refused(client_of_role, role):
    meeting = held_meeting(_council(1), present=1)
    assert client_of_role(role).get(_url("meeting_minutes_pdf", meeting.pk)).status_code == 403


@pytest.mark.parametrize("participants", [3, 25])
def test_detail_query_count(client_of_role, django_assert_num_queries, participants):
    meeting = held_meeting(_council(participants), present=participants)
    client = client_of_role(Role.COORDINATOR)
    for index in range(3):
        governance.decision_record(
            actor=client.user,
            meeting=meeting,
            agenda_item=meeting.agenda_items.get(),
            title=f"Décision {index}",
            kind=DecisionKind.ORDINARY,
            votes_for=1,
            votes_against=0,
            votes_abstain=0,
        )
    # session, user, two-factor check, the meeting (body, collective), its participants
    # (proxy holders), agenda, decisions (agenda items), elections
    with django_assert_num_queries(8):
        response = client.get(_url("meeting_detail", meeting.pk))
    assert response.status_code == 200


# --- "Mes instances" ------------------------------------------------------------------------------


def _member_client(client_of_role, collective):
    client = client_of_role(Role.ENTREPRENEUR)
    client.person = CollectivePersonFactory(collective=collective, user=client.user)
    return client


def test_my_bodies_anonymous(client):
    assert client.get(_url("my_bodies")).status_code == 302


@pytest.mark.parametrize("role", NOT_ENTREPRENEURS)
def test_my_bodies_refused_to_other_roles(client_of_role, role):
    assert client_of_role(role).get(_url("my_bodies")).status_code == 403


def test_my_bodies_refuses_post(client_of_role):
    assert client_of_role(Role.ENTREPRENEUR).post(_url("my_bodies")).status_code == 405


def test_my_bodies_lists_my_bodies_meetings_and_shares(client_of_role):
    collective = CollectiveFactory()
    client = _member_client(client_of_role, collective)
    council = BodyFactory(collective=collective, name="Conseil du Club Soleil")
    SeatFactory(body=council, person=client.person, ends_on=days_from_today(300))
    SeatFactory(body=council)
    assembly = BodyFactory(collective=collective, assembly=True, name="Assemblée du club")
    past = held_meeting(council, present=2, agenda=("Fête du club",))
    governance.decision_record(
        actor=past.created_by,
        meeting=past,
        agenda_item=past.agenda_items.get(),
        title="Organiser la fête",
        kind=DecisionKind.ORDINARY,
        votes_for=2,
        votes_against=0,
        votes_abstain=0,
    )
    upcoming = convene(MeetingFactory(body=assembly, title="AG de printemps"))
    MeetingFactory(body=assembly, title="Réunion pas encore convoquée")
    BodyFactory(name="Conseil d'un autre club")
    coop_associate = AssociateFactory(
        person=CollectivePersonFactory(
            collective=CollectiveFactory(cooperative=True), user=client.user
        ),
        shares=3,
        paid_amount=Decimal("120"),
    )
    response = client.get(_url("my_bodies"))
    assert response.status_code == 200
    html = _html(response)
    assert "Conseil du Club Soleil" in html and "Assemblée du club" in html
    assert "Conseil d&#x27;un autre club" not in html
    assert "Élu·e, jusqu&#x27;au" in html or "Élu·e, jusqu'au" in html
    assert _url("my_meeting", past.pk) in html and "1 décision" in html
    assert _url("my_meeting", upcoming.pk) in html and "à venir" in html
    assert "pas encore convoquée" not in html
    assert "J'ai 3 parts dans la coopérative." in html
    assert "Il reste 180,00 € à verser." in html
    assert coop_associate.pk


def test_my_bodies_without_any(client_of_role):
    html = _html(client_of_role(Role.ENTREPRENEUR).get(_url("my_bodies")))
    assert "aucune instance" in html


@pytest.mark.parametrize("bodies", [1, 8])
def test_my_bodies_query_count(client_of_role, django_assert_num_queries, bodies):
    collective = CollectiveFactory()
    client = _member_client(client_of_role, collective)
    BodyFactory(collective=collective, assembly=True)
    for index in range(bodies):
        body = BodyFactory(collective=collective, name=f"Commission {index}")
        SeatFactory(body=body, person=client.person)
        for _ in range(3):
            convene(MeetingFactory(body=body))
    # session, user, my bodies, my seats, their latest meetings (decision counts), my
    # associate record
    with django_assert_num_queries(6):
        response = client.get(_url("my_bodies"))
    assert response.status_code == 200


def test_my_meeting_shows_decisions_and_my_attendance(client_of_role, tmp_path):
    collective = CollectiveFactory()
    client = _member_client(client_of_role, collective)
    council = BodyFactory(collective=collective)
    SeatFactory(body=council, person=client.person)
    SeatFactory(body=council)
    meeting = held_meeting(council, present=2)
    governance.decision_record(
        actor=meeting.created_by,
        meeting=meeting,
        agenda_item=meeting.agenda_items.get(),
        title="Ouvrir le samedi",
        kind=DecisionKind.ORDINARY,
        votes_for=1,
        votes_against=1,
        votes_abstain=0,
    )
    response = client.get(_url("my_meeting", meeting.pk))
    assert response.status_code == 200
    html = _html(response)
    assert "Ouvrir le samedi" in html and "Non, c'est refusé" in html
    assert "Présent·e" in html
    # The minutes are the members' once the meeting is closed.
    assert _url("meeting_minutes_pdf", meeting.pk) not in html
    assert client.get(_url("meeting_minutes_pdf", meeting.pk)).status_code == 404
    governance.meeting_close(actor=meeting.created_by, meeting=meeting, chair="Awa")
    assert _url("meeting_minutes_pdf", meeting.pk) in _html(
        client.get(_url("my_meeting", meeting.pk))
    )
    text = pdf_text(client.get(_url("meeting_minutes_pdf", meeting.pk)).content, tmp_path)
    assert "Ouvrir le samedi" in text and "La décision est rejetée." in text


def test_my_meeting_of_another_body_is_not_found(client_of_role):
    client = _member_client(client_of_role, CollectiveFactory())
    stranger = held_meeting(_council(1), present=1)
    assert client.get(_url("my_meeting", stranger.pk)).status_code == 404
    assert client.get(_url("meeting_minutes_pdf", stranger.pk)).status_code == 404


def test_my_meeting_not_convened_is_not_found(client_of_role):
    collective = CollectiveFactory()
    client = _member_client(client_of_role, collective)
    assembly = BodyFactory(collective=collective, assembly=True)
    meeting = MeetingFactory(body=assembly)
    assert client.get(_url("my_meeting", meeting.pk)).status_code == 404


@pytest.mark.parametrize("role", NOT_ENTREPRENEURS)
def test_my_meeting_refused_to_other_roles(client_of_role, role):
    meeting = held_meeting(_council(1), present=1)
    assert client_of_role(role).get(_url("my_meeting", meeting.pk)).status_code == 403


def test_my_meeting_anonymous_and_method(client, client_of_role):
    meeting = held_meeting(_council(1), present=1)
    assert client.get(_url("my_meeting", meeting.pk)).status_code == 302
    assert client_of_role(Role.ENTREPRENEUR).post(_url("my_meeting", meeting.pk)).status_code == 405


def test_upcoming_meeting_for_a_member(client_of_role):
    collective = CollectiveFactory()
    client = _member_client(client_of_role, collective)
    assembly = BodyFactory(collective=collective, assembly=True)
    meeting = convene(MeetingFactory(body=assembly, starts_at=at_six_pm(days_from_today(20))))
    html = _html(client.get(_url("my_meeting", meeting.pk)))
    assert "je suis convoqué·e." in html
    assert "donner pouvoir" in html
    assert "Ce qui a été décidé" not in html
    assert meeting.starts_at > timezone.now() + datetime.timedelta(days=19)


@pytest.mark.parametrize("name", ["meeting_attendance", "decision_add", "meeting_close"])
def test_session_pages_say_why_they_are_closed(client_of_role, name):
    client = client_of_role(Role.COORDINATOR)
    upcoming = convene(MeetingFactory(body=_council(1)))
    response = client.get(_url(name, upcoming.pk), follow=True)
    assert "cela se note ce jour-là ou après" in " ".join(_messages(response))
    closed = held_meeting(_council(1), present=1)
    governance.meeting_close(actor=closed.created_by, meeting=closed, chair="Awa")
    response = client.get(_url(name, closed.pk), follow=True)
    assert response.redirect_chain[-1][0] == _url("meeting_detail", closed.pk)
    assert "réunion est clôturée" in " ".join(_messages(response))
