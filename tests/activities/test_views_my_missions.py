"""The entrepreneur's side of missions, on a phone: "Mes missions", a mission's page for
someone working on it, and proposing a mission for a client they found."""

import datetime
import html as html_lib

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.enums import MissionStatus, SessionStatus
from activities.models import Mission
from coop.models import Client, ClientContact
from members.enums import Role
from tests.activities.factories import ClientFactory, MissionFactory, SessionFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

MY_URL = reverse("activities:my_missions")
PROPOSE_URL = reverse("activities:mission_propose")
NOT_ENTREPRENEURS = [role for role in Role if role != Role.ENTREPRENEUR]
SIRET_MESSAGE = "Saisissez un numéro SIRET français valide."


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _monday() -> datetime.date:
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday())


def _day(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def member(client):
    """An entrepreneur in CAPE, logged in."""
    member = MemberFactory(path="cape")
    client.force_login(member.user)
    return member


def _log_url(mission: Mission) -> str:
    return reverse("activities:session_log", kwargs={"mission_pk": mission.pk})


def _titles(missions) -> list[str]:
    return [mission.title for mission in missions]


# --- who may reach the pages ------------------------------------------------------------


@pytest.mark.parametrize("url", [MY_URL, PROPOSE_URL])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", NOT_ENTREPRENEURS)
@pytest.mark.parametrize("url", [MY_URL, PROPOSE_URL])
def test_other_roles_are_refused(client_of_role, role, url):
    assert client_of_role(role).get(url).status_code == 403


def test_wrong_methods(client, member):
    assert client.post(MY_URL).status_code == 405
    assert client.put(PROPOSE_URL).status_code == 405


# --- "Mes missions" -------------------------------------------------------------------------


def test_missions_of_this_week_and_next(client, member):
    monday = _monday()
    ongoing = MissionFactory(
        title="En cours, sans fin", entrepreneurs=[member], status=MissionStatus.IN_PROGRESS
    )
    next_week = MissionFactory(
        title="Semaine prochaine",
        entrepreneurs=[member],
        starts_on=monday + datetime.timedelta(days=9),
    )
    MissionFactory(
        title="Finie le mois dernier",
        entrepreneurs=[member],
        starts_on=monday - datetime.timedelta(days=60),
        ends_on=monday - datetime.timedelta(days=1),
    )
    MissionFactory(
        title="Plus tard",
        entrepreneurs=[member],
        starts_on=monday + datetime.timedelta(days=14),
    )
    MissionFactory(title="Réalisée", entrepreneurs=[member], status=MissionStatus.DELIVERED)
    MissionFactory(title="D'une autre personne")
    response = client.get(MY_URL)
    assert response.status_code == 200
    assert _titles(response.context["current"]) == ["En cours, sans fin", "Semaine prochaine"]
    assert _titles(response.context["later"]) == ["Plus tard"]
    html = _text(response)
    assert f'href="{_log_url(ongoing)}"' in html
    assert f'href="{_log_url(next_week)}"' in html
    assert "Noter une séance" in html
    assert f'href="{PROPOSE_URL}"' in html
    assert "D'une autre personne" not in html
    assert "Réalisée" not in html


def test_next_steps_in_plain_words(client, member):
    fresh = MissionFactory(title="Nouvelle", entrepreneurs=[member], planned_sessions=3)
    started = MissionFactory(title="Commencée", entrepreneurs=[member], planned_sessions=3)
    SessionFactory(mission=started, entrepreneur=member)
    returned = MissionFactory(title="À corriger", entrepreneurs=[member])
    SessionFactory(
        mission=returned,
        entrepreneur=member,
        status=SessionStatus.RETURNED,
        return_reason="Il manque le public.",
    )
    done = MissionFactory(title="Complète", entrepreneurs=[member], planned_sessions=1)
    SessionFactory(mission=done, entrepreneur=member)
    upcoming = MissionFactory(
        title="Bientôt", entrepreneurs=[member], starts_on=_monday() + datetime.timedelta(days=13)
    )
    steps = {m.pk: m.next_step for m in client.get(MY_URL).context["current"]}
    assert steps[fresh.pk] == "Après la première séance, notez-la ici."
    assert steps[started.pk] == "Encore 2 séances prévues."
    assert steps[returned.pk] == "Une séance est à corriger."
    assert steps[done.pk].startswith("Toutes les séances prévues sont notées.")
    assert steps[upcoming.pk].startswith("Elle commence le ")
    assert reverse("activities:my_sessions") in client.get(MY_URL).content.decode()


def test_proposals_waiting_and_refused_with_the_reason(client, member):
    MissionFactory(title="En attente", entrepreneurs=[member], status=MissionStatus.PROPOSED)
    MissionFactory(
        title="Pas retenue",
        entrepreneurs=[member],
        status=MissionStatus.REFUSED,
        refusal_reason="Ce client est suivi par une autre coopérative.",
    )
    MissionFactory(title="Refusée à quelqu'un d'autre", status=MissionStatus.REFUSED)
    response = client.get(MY_URL)
    assert _titles(response.context["proposed"]) == ["En attente"]
    assert _titles(response.context["refused"]) == ["Pas retenue"]
    html = _text(response)
    assert "Ce client est suivi par une autre coopérative." in html
    assert "quelqu'un d'autre" not in html


def test_empty_page_still_offers_to_propose(client, member):
    html = _text(client.get(MY_URL))
    assert "Pas de mission cette semaine ni la suivante." in html
    assert "Proposer une mission" in html


@pytest.mark.parametrize("missions", [2, 20])
def test_my_missions_query_count_does_not_grow(client, member, django_assert_num_queries, missions):
    for index in range(missions):
        mission = MissionFactory(entrepreneurs=[member])
        SessionFactory(mission=mission, entrepreneur=member)
        MissionFactory(entrepreneurs=[member], status=MissionStatus.PROPOSED)
        MissionFactory(entrepreneurs=[member], status=MissionStatus.REFUSED, refusal_reason="Non.")
        MissionFactory(entrepreneurs=[member], starts_on=_day(30 + index))
    # session, user; the missions of the period (with client and session counts), the
    # later ones, the proposals waiting, the refused ones
    with django_assert_num_queries(6):
        response = client.get(MY_URL)
    assert len(response.context["current"]) == missions


# --- a mission's page, for the entrepreneur on it ---------------------------------------------


def test_an_entrepreneur_reads_their_mission_with_their_own_sessions(client, member):
    colleague = MemberFactory(path="cape")
    mission = MissionFactory(title="À deux", entrepreneurs=[member, colleague])
    mine = SessionFactory(mission=mission, entrepreneur=member, duration_minutes=90)
    SessionFactory(mission=mission, entrepreneur=colleague, duration_minutes=300)
    response = client.get(reverse("activities:mission_detail", args=[mission.pk]))
    assert response.status_code == 200
    assert list(response.context["page"]) == [mine]
    assert response.context["totals"]["minutes"] == 90
    html = _text(response)
    assert f'href="{_log_url(mission)}"' in html
    assert "Mes séances" in html
    for absent in ["Modifier la mission", "Passer en cours", "Valider", "Refuser"]:
        assert absent not in html
    assert reverse("members:member_detail", args=[colleague.pk]) not in html


def test_an_entrepreneur_never_sees_another_ones_missions(client, member):
    other = MissionFactory(title="Mission d'une autre")
    assert client.get(reverse("activities:mission_detail", args=[other.pk])).status_code == 404
    assert "Mission d'une autre" not in _text(client.get(MY_URL))


def test_a_proposed_mission_has_no_log_button(client, member):
    mission = MissionFactory(entrepreneurs=[member], status=MissionStatus.PROPOSED)
    html = _text(client.get(reverse("activities:mission_detail", args=[mission.pk])))
    assert _log_url(mission) not in html


@pytest.mark.parametrize("sessions", [2, 20])
def test_entrepreneur_mission_page_query_count(client, member, django_assert_num_queries, sessions):
    mission = MissionFactory(entrepreneurs=[member, MemberFactory(path="cape")])
    SessionFactory.create_batch(sessions, mission=mission, entrepreneur=member)
    # session, user; the mission with client, programme and author; its entrepreneurs;
    # its themes; count of own sessions; the page of them; totals; people reached
    with django_assert_num_queries(9):
        response = client.get(reverse("activities:mission_detail", args=[mission.pk]))
    assert response.status_code == 200


# --- proposing a mission ----------------------------------------------------------------------


def _proposal(**overrides) -> dict:
    return {
        "client": "",
        "title": "Atelier écrans au centre social",
        "kind": "prevention_workshop",
        "themes": ["screens"],
        "starts_on": _day(10).isoformat(),
        "ends_on": "",
        "planned_sessions": "2",
        "agreed_price": "480",
        "description": "",
        "nouveau-name": "",
        "nouveau-kind": "",
        "nouveau-commune": "",
        "nouveau-postcode": "",
        "nouveau-siret": "",
        "nouveau-contact_name": "",
        "nouveau-contact_email": "",
        "nouveau-contact_phone": "",
    } | overrides


NEW_CLIENT = {
    "nouveau-name": "Centre social Les Blés d'or",
    "nouveau-kind": "association",
    "nouveau-commune": "Bagnolet",
    "nouveau-postcode": "93170",
    "nouveau-siret": "732 829 320 00074",
    "nouveau-contact_name": "Sofia Marin",
    "nouveau-contact_email": "sofia@bles.exemple.fr",
    "nouveau-contact_phone": "06 11 22 33 44",
}


def test_the_form_offers_only_the_clients_they_see(client, member):
    mine = MissionFactory(entrepreneurs=[member]).client
    created = ClientFactory(created_by=member.user)
    ClientFactory(name="Client d'une autre")
    response = client.get(PROPOSE_URL)
    assert set(response.context["form"].fields["client"].queryset) == {mine, created}
    assert "Client d'une autre" not in _text(response)


def test_propose_for_a_known_client(client, member):
    known = MissionFactory(entrepreneurs=[member]).client
    response = client.post(PROPOSE_URL, _proposal(client=known.pk), follow=True)
    mission = Mission.objects.get(title="Atelier écrans au centre social")
    assert mission.status == MissionStatus.PROPOSED
    assert mission.client == known
    assert list(mission.entrepreneurs.all()) == [member]
    assert mission.proposed_by == member.user
    assert response.redirect_chain[-1][0] == MY_URL
    assert "Un·e chargé·e d'accompagnement va la lire et la valider." in _text(response)
    assert Client.objects.count() == 1


def test_propose_with_a_new_client_creates_both(client, member):
    response = client.post(PROPOSE_URL, _proposal(**NEW_CLIENT, agreed_price="1 250,50"))
    assert response.status_code == 302
    new_client = Client.objects.get()
    assert new_client.name == "Centre social Les Blés d'or"
    assert new_client.siret == "73282932000074"
    assert new_client.created_by == member.user
    contact = ClientContact.objects.get()
    assert (contact.client, contact.name, contact.email) == (
        new_client,
        "Sofia Marin",
        "sofia@bles.exemple.fr",
    )
    mission = Mission.objects.get()
    assert mission.client == new_client
    assert mission.status == MissionStatus.PROPOSED
    assert str(mission.agreed_price) == "1250.50"
    # The new client is now among the ones they may choose.
    assert new_client in client.get(PROPOSE_URL).context["form"].fields["client"].queryset


def test_a_wrong_siret_is_said_and_nothing_is_created(client, member):
    response = client.post(PROPOSE_URL, _proposal(**NEW_CLIENT | {"nouveau-siret": "123"}))
    assert response.status_code == 200
    assert response.context["new_client"].errors["siret"] == [SIRET_MESSAGE]
    html = _text(response)
    assert SIRET_MESSAGE in html
    assert 'value="Centre social Les Blés d\'or"' in html
    assert 'value="Atelier écrans au centre social"' in html
    assert not Client.objects.exists()
    assert not Mission.objects.exists()


def test_a_new_client_needs_name_kind_commune_and_postcode(client, member):
    response = client.post(PROPOSE_URL, _proposal(**{"nouveau-contact_email": "a@b.fr"}))
    assert response.status_code == 200
    assert set(response.context["new_client"].errors) == {
        "name",
        "kind",
        "commune",
        "postcode",
        "contact_name",
    }
    assert not Mission.objects.exists()


def test_a_known_client_and_a_new_one_is_one_too_many(client, member):
    known = ClientFactory(created_by=member.user)
    response = client.post(PROPOSE_URL, _proposal(client=known.pk, **NEW_CLIENT))
    assert response.status_code == 200
    assert "laissez vide la partie « Nouveau client »" in _text(response)
    assert not Mission.objects.exists()


def test_another_ones_client_cannot_be_chosen(client, member):
    stranger = ClientFactory()
    response = client.post(PROPOSE_URL, _proposal(client=stranger.pk))
    assert response.status_code == 200
    assert "client" in response.context["form"].errors
    assert not Mission.objects.exists()


def test_a_siret_already_known_is_refused_on_its_field(client, member):
    ClientFactory(siret="73282932000074")
    response = client.post(PROPOSE_URL, _proposal(**NEW_CLIENT))
    assert response.status_code == 200
    assert "déjà ce numéro SIRET" in response.context["new_client"].errors["siret"][0]
    assert not Mission.objects.exists()


def test_client_and_mission_are_created_together_or_not_at_all(client):
    """Without an open member record the mission is refused: the new client is not kept."""
    exited = MemberFactory(path="exited")
    client.force_login(exited.user)
    response = client.post(PROPOSE_URL, _proposal(**NEW_CLIENT))
    assert response.status_code == 200
    assert "Votre fiche de membre n'est pas encore ouverte." in _text(response)
    assert not Client.objects.exists()
    assert not Mission.objects.exists()


def test_mission_errors_keep_the_new_client(client, member):
    response = client.post(
        PROPOSE_URL,
        _proposal(**NEW_CLIENT, title="", planned_sessions="0", agreed_price="beaucoup"),
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "planned_sessions", "agreed_price"}
    assert 'value="Sofia Marin"' in _text(response)
    assert not Client.objects.exists()
