"""The coordinators' side of missions: the filtered list with its totals, creating and
changing a mission, its page, validating or refusing a proposal, moving it along."""

import datetime
import html as html_lib
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.enums import AudienceKind, MissionStatus, SessionStatus
from activities.models import Mission
from members.enums import Role
from tests.activities.factories import ClientFactory, MissionFactory, SessionFactory
from tests.members.factories import MemberFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("activities:mission_list")
CREATE_URL = reverse("activities:mission_create")

READERS = [Role.COORDINATOR, Role.ADMINISTRATOR, Role.ACCOUNTANT]
NOT_READERS = [role for role in Role if role not in READERS]
NOT_MANAGERS = [role for role in Role if role != Role.COORDINATOR]


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _day(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _titles(response) -> list[str]:
    return [mission.title for mission in response.context["page"]]


def _url(name: str, mission: Mission) -> str:
    return reverse(f"activities:{name}", args=[mission.pk])


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- who may reach the pages ------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["mission_list", "mission_create", "mission_detail", "mission_edit", "mission_refuse"]
)
def test_anonymous_is_sent_to_login(client, name):
    mission = MissionFactory()
    url = reverse(f"activities:{name}") if name in ("mission_list", "mission_create") else None
    response = client.get(url or _url(name, mission))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ["mission_accept", "mission_move"])
def test_anonymous_cannot_post(client, name):
    mission = MissionFactory(status=MissionStatus.PROPOSED)
    response = client.post(_url(name, mission), {"status": "in_progress"})
    assert response.status_code == 302
    mission.refresh_from_db()
    assert mission.status == MissionStatus.PROPOSED


@pytest.mark.parametrize("role", READERS)
def test_readers_see_the_list_and_the_page(client_of_role, role):
    mission = MissionFactory(title="Ateliers écrans")
    client = client_of_role(role)
    listing = _text(client.get(LIST_URL))
    assert "Ateliers écrans" in listing
    assert ("Nouvelle mission" in listing) == (role == Role.COORDINATOR)
    page = _text(client.get(_url("mission_detail", mission)))
    assert "Ateliers écrans" in page
    assert ("Modifier la mission" in page) == (role == Role.COORDINATOR)
    assert ("Passer en cours" in page) == (role == Role.COORDINATOR)


@pytest.mark.parametrize("role", NOT_READERS)
def test_other_roles_do_not_see_the_list(client_of_role, role):
    MissionFactory()
    assert client_of_role(role).get(LIST_URL).status_code == 403


@pytest.mark.parametrize("role", [Role.PEER_SUPPORT_LEAD, Role.FUNDER, Role.RESEARCHER])
def test_other_roles_do_not_see_a_mission(client_of_role, role):
    mission = MissionFactory()
    assert client_of_role(role).get(_url("mission_detail", mission)).status_code == 403


def test_an_entrepreneur_not_on_the_mission_gets_404(client):
    mission = MissionFactory()
    stranger = MemberFactory(path="cape")
    client.force_login(stranger.user)
    assert client.get(_url("mission_detail", mission)).status_code == 404


@pytest.mark.parametrize("role", NOT_MANAGERS)
@pytest.mark.parametrize("name", ["mission_create", "mission_edit", "mission_refuse"])
def test_only_coordinators_open_the_forms(client_of_role, role, name):
    mission = MissionFactory(status=MissionStatus.PROPOSED)
    url = CREATE_URL if name == "mission_create" else _url(name, mission)
    client = client_of_role(role)
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "Non."}).status_code == 403


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_only_coordinators_accept_and_move(client_of_role, role):
    proposed = MissionFactory(status=MissionStatus.PROPOSED)
    planned = MissionFactory()
    client = client_of_role(role)
    assert client.post(_url("mission_accept", proposed)).status_code == 403
    assert client.post(_url("mission_move", planned), {"status": "in_progress"}).status_code == 403
    proposed.refresh_from_db()
    planned.refresh_from_db()
    assert (proposed.status, planned.status) == (MissionStatus.PROPOSED, MissionStatus.PLANNED)


def test_an_entrepreneur_on_the_mission_cannot_manage_it(client):
    member = MemberFactory(path="cape")
    mission = MissionFactory(entrepreneurs=[member])
    client.force_login(member.user)
    assert client.get(_url("mission_edit", mission)).status_code == 403
    assert client.post(_url("mission_move", mission), {"status": "in_progress"}).status_code == 403


@pytest.mark.parametrize(
    "name", ["mission_detail", "mission_edit", "mission_refuse", "mission_accept", "mission_move"]
)
def test_unknown_mission_is_404(client_of_role, name):
    client = client_of_role(Role.COORDINATOR)
    missing = reverse(f"activities:{name}", args=[999999])
    method = client.post if name in ("mission_accept", "mission_move") else client.get
    assert method(missing).status_code == 404


@pytest.mark.parametrize("name", ["mission_accept", "mission_move"])
def test_actions_refuse_get(client_of_role, name):
    mission = MissionFactory(status=MissionStatus.PROPOSED)
    assert client_of_role(Role.COORDINATOR).get(_url(name, mission)).status_code == 405


@pytest.mark.parametrize("name", ["mission_list", "mission_detail"])
def test_read_pages_refuse_post(client_of_role, name):
    mission = MissionFactory()
    url = LIST_URL if name == "mission_list" else _url(name, mission)
    assert client_of_role(Role.COORDINATOR).post(url).status_code == 405


@pytest.mark.parametrize("name", ["mission_create", "mission_edit", "mission_refuse"])
def test_forms_refuse_other_methods(client_of_role, name):
    mission = MissionFactory()
    url = CREATE_URL if name == "mission_create" else _url(name, mission)
    assert client_of_role(Role.COORDINATOR).delete(url).status_code == 405


# --- creating a mission ---------------------------------------------------------------------


def _mission_data(client, entrepreneurs, **overrides) -> dict:
    return {
        "client": client.pk,
        "title": "Prévention des écrans en 5e",
        "kind": "prevention_workshop",
        "entrepreneurs": [member.pk for member in entrepreneurs],
        "themes": ["screens", "mental_health"],
        "starts_on": _day(3).isoformat(),
        "ends_on": _day(60).isoformat(),
        "planned_sessions": "6",
        "agreed_price": "1 200,50",
        "programme": "",
        "description": "Six ateliers d'une heure.",
    } | overrides


def test_create_form_offers_current_members_with_an_account(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    current = MemberFactory(path="cape", last_name="Présente")
    exited = MemberFactory(path="exited", last_name="Partie")
    candidate = MemberFactory(candidate=True, last_name="Candidate")
    offered = set(client.get(CREATE_URL).context["form"].fields["entrepreneurs"].queryset)
    assert current in offered
    assert exited not in offered
    assert candidate not in offered


def test_create_form_lists_the_themes_as_checkboxes(client_of_role):
    html = _text(client_of_role(Role.COORDINATOR).get(CREATE_URL))
    assert 'type="checkbox" name="themes" value="screens"' in html
    assert "Santé mentale et déstigmatisation" in html


def test_create_a_planned_mission(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    known = ClientFactory()
    first, second = MemberFactory(path="cape"), MemberFactory(path="cesa")
    programme = ProgrammeFactory()
    response = client.post(
        CREATE_URL, _mission_data(known, [first, second], programme=programme.pk)
    )
    mission = Mission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("mission_detail", mission)
    assert mission.status == MissionStatus.PLANNED
    assert mission.agreed_price == Decimal("1200.50")
    assert set(mission.entrepreneurs.all()) == {first, second}
    assert {theme.theme for theme in mission.themes.all()} == {"screens", "mental_health"}
    assert mission.programme == programme
    assert mission.proposed_by == client.user
    page = _text(client.get(response["Location"]))
    assert "La mission est créée" in page
    assert "1 200,50 €" in page.replace("\xa0", " ")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("950", "950"), ("950,5", "950.50"), ("1 200,50 €", "1200.50"), ("1200.25", "1200.25")],
)
def test_price_accepts_the_french_way(client_of_role, typed, expected):
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        CREATE_URL, _mission_data(ClientFactory(), [MemberFactory(path="cape")], agreed_price=typed)
    )
    assert response.status_code == 302
    assert Mission.objects.get().agreed_price == Decimal(expected)


def test_create_with_errors_keeps_what_was_typed(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    data = _mission_data(
        ClientFactory(),
        [],
        title="Atelier tabac",
        agreed_price="-3",
        ends_on=_day(-10).isoformat(),
    )
    response = client.post(CREATE_URL, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"entrepreneurs", "agreed_price", "ends_on"}
    assert "La fin de la mission vient après son début." in errors["ends_on"]
    html = _text(response)
    assert 'value="Atelier tabac"' in html
    assert 'value="screens" id="id_themes_4" checked' in html
    assert 'name="agreed_price" value="-3"' in html
    assert not Mission.objects.exists()


def test_create_form_can_start_from_a_client(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    known = ClientFactory()
    response = client.get(CREATE_URL, {"client": known.pk})
    assert response.context["form"].initial["client"] == known.pk


# --- changing a mission ---------------------------------------------------------------------


def test_edit_shows_the_mission_and_saves_changes(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    first, second = MemberFactory(path="cape"), MemberFactory(path="cape")
    mission = MissionFactory(title="Ancien titre", entrepreneurs=[first], themes=["alcohol"])
    form = client.get(_url("mission_edit", mission)).context["form"]
    assert form.initial["title"] == "Ancien titre"
    assert form.initial["entrepreneurs"] == [first.pk]
    response = client.post(
        _url("mission_edit", mission),
        _mission_data(mission.client, [second], title="Nouveau titre", themes=["tobacco"]),
    )
    assert response.status_code == 302
    mission.refresh_from_db()
    assert mission.title == "Nouveau titre"
    assert list(mission.entrepreneurs.all()) == [second]
    assert [theme.theme for theme in mission.themes.all()] == ["tobacco"]
    assert mission.status == MissionStatus.PLANNED


def test_edit_keeps_an_entrepreneur_who_left_since(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    left = MemberFactory(path="exited")
    mission = MissionFactory(entrepreneurs=[left])
    response = client.post(_url("mission_edit", mission), _mission_data(mission.client, [left]))
    assert response.status_code == 302


def test_a_refused_mission_is_not_edited(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    mission = MissionFactory(status=MissionStatus.REFUSED, refusal_reason="Hors champ.")
    member = mission.entrepreneurs.get()
    response = client.post(
        _url("mission_edit", mission), _mission_data(mission.client, [member], title="Autre")
    )
    assert response.status_code == 200
    assert "ne se modifie plus" in _text(response)
    mission.refresh_from_db()
    assert mission.title != "Autre"


# --- the mission page -----------------------------------------------------------------------


def test_page_shows_everything_with_session_totals(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    first = MemberFactory(path="cape", first_name="Nadia", last_name="Benali")
    second = MemberFactory(path="cape", first_name="Karim", last_name="Haddad")
    mission = MissionFactory(
        title="Ateliers écrans",
        entrepreneurs=[first, second],
        themes=["screens"],
        agreed_price=Decimal("2450.00"),
        status=MissionStatus.IN_PROGRESS,
    )
    SessionFactory(
        mission=mission,
        entrepreneur=first,
        duration_minutes=90,
        audiences={AudienceKind.PUPILS: 25, AudienceKind.PROFESSIONALS: 2},
    )
    SessionFactory(
        mission=mission,
        entrepreneur=second,
        duration_minutes=60,
        audiences={AudienceKind.PUPILS: 20},
        status=SessionStatus.VALIDATED,
    )
    SessionFactory(duration_minutes=300)  # another mission's
    response = client.get(_url("mission_detail", mission))
    assert response.context["totals"] | {} == {
        "sessions": 2,
        "minutes": 150,
        "hours": 2.5,
        "people": 47,
    }
    html = _text(response).replace("\xa0", " ")
    for expected in [
        "Ateliers écrans",
        "Nadia Benali",
        "Karim Haddad",
        "Écrans",
        "En cours",
        "2 450,00 €",
        "2,5 h",
        "90 minutes",
        "Validée",
        "À valider",
        "Marquer réalisée",
    ]:
        assert expected in html
    rows = {(row.entrepreneur, row.people_reached) for row in response.context["page"]}
    assert rows == {(first, 27), (second, 20)}


@pytest.mark.parametrize("sessions", [2, 20])
def test_page_query_count_does_not_grow(client_of_role, django_assert_num_queries, sessions):
    client = client_of_role(Role.COORDINATOR)
    members = [MemberFactory(path="cape") for _ in range(3)]
    mission = MissionFactory(entrepreneurs=members, programme=ProgrammeFactory())
    for index in range(sessions):
        SessionFactory(mission=mission, entrepreneur=members[index % 3])
    # session, user, two-factor check; the mission with its client, programme and author;
    # its entrepreneurs; its themes; count of sessions; the page of sessions (with their
    # entrepreneur and people reached); totals of sessions and hours; total of people
    with django_assert_num_queries(10):
        response = client.get(_url("mission_detail", mission))
    assert response.status_code == 200


# --- validating, refusing, moving -----------------------------------------------------------


def test_a_proposed_mission_offers_validate_and_refuse(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    mission = MissionFactory(status=MissionStatus.PROPOSED)
    html = _text(client.get(_url("mission_detail", mission)))
    assert 'action="{}"'.format(_url("mission_accept", mission)) in html
    assert 'href="{}"'.format(_url("mission_refuse", mission)) in html


def test_accept_plans_a_proposed_mission(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    mission = MissionFactory(status=MissionStatus.PROPOSED)
    response = client.post(_url("mission_accept", mission), follow=True)
    mission.refresh_from_db()
    assert mission.status == MissionStatus.PLANNED
    assert "La mission est validée : elle est planifiée." in _messages(response)


def test_accept_twice_says_why_not(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    mission = MissionFactory(status=MissionStatus.PLANNED)
    response = client.post(_url("mission_accept", mission), follow=True)
    assert "Seule une mission proposée peut être validée." in _messages(response)


def test_refuse_needs_a_reason_and_keeps_the_page(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    mission = MissionFactory(status=MissionStatus.PROPOSED)
    assert client.get(_url("mission_refuse", mission)).status_code == 200
    response = client.post(_url("mission_refuse", mission), {"reason": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    mission.refresh_from_db()
    assert mission.status == MissionStatus.PROPOSED


def test_refuse_with_a_reason(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    mission = MissionFactory(status=MissionStatus.PROPOSED)
    response = client.post(
        _url("mission_refuse", mission), {"reason": "Le client est hors de notre territoire."}
    )
    assert response.status_code == 302
    mission.refresh_from_db()
    assert mission.status == MissionStatus.REFUSED
    assert mission.refusal_reason == "Le client est hors de notre territoire."


def test_refusing_a_planned_mission_shows_the_services_message(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    mission = MissionFactory(status=MissionStatus.PLANNED)
    response = client.post(_url("mission_refuse", mission), {"reason": "Trop tard."})
    assert response.status_code == 200
    assert "Seule une mission proposée peut être refusée." in _text(response)
    assert "Trop tard.</textarea>" in _text(response)


@pytest.mark.parametrize(
    ("start", "target", "message"),
    [
        (MissionStatus.PLANNED, MissionStatus.IN_PROGRESS, "« En cours »"),
        (MissionStatus.IN_PROGRESS, MissionStatus.DELIVERED, "« Réalisée »"),
        (MissionStatus.DELIVERED, MissionStatus.IN_PROGRESS, "« En cours »"),
    ],
)
def test_moves(client_of_role, start, target, message):
    client = client_of_role(Role.COORDINATOR)
    mission = MissionFactory(status=start)
    response = client.post(_url("mission_move", mission), {"status": target}, follow=True)
    mission.refresh_from_db()
    assert mission.status == target
    assert f"La mission est maintenant {message}." in _messages(response)


def test_a_refused_move_shows_the_services_message(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    mission = MissionFactory(status=MissionStatus.PLANNED)
    response = client.post(
        _url("mission_move", mission), {"status": MissionStatus.DELIVERED}, follow=True
    )
    mission.refresh_from_db()
    assert mission.status == MissionStatus.PLANNED
    assert "Une mission « Planifiée » ne peut pas passer à « Réalisée »." in _messages(response)


def test_a_move_to_an_unknown_status_is_refused(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    mission = MissionFactory(status=MissionStatus.PLANNED)
    response = client.post(_url("mission_move", mission), {"status": "invoiced"}, follow=True)
    mission.refresh_from_db()
    assert mission.status == MissionStatus.PLANNED
    assert "Cet état n'existe pas : choisissez un des boutons." in _messages(response)


# --- the list: each filter, totals, query counts ---------------------------------------------


def test_filter_by_entrepreneur(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    nadia, karim = MemberFactory(path="cape"), MemberFactory(path="cape")
    MissionFactory(title="De Nadia", entrepreneurs=[nadia])
    MissionFactory(title="Des deux", entrepreneurs=[nadia, karim])
    MissionFactory(title="De Karim", entrepreneurs=[karim])
    nadia.first_name, nadia.last_name = "Nadia", "Ferrand"
    nadia.save()
    assert sorted(_titles(client.get(LIST_URL, {"entrepreneur": "nadia ferr"}))) == [
        "De Nadia",
        "Des deux",
    ]


@pytest.mark.parametrize(("search", "expected"), [("voltaire", ["A"]), ("73282932000074", ["B"])])
def test_filter_by_client(client_of_role, search, expected):
    client = client_of_role(Role.COORDINATOR)
    MissionFactory(title="A", client=ClientFactory(name="Lycée Voltaire"))
    MissionFactory(title="B", client=ClientFactory(name="Garage", siret="73282932000074"))
    assert _titles(client.get(LIST_URL, {"client": search})) == expected


def test_filter_by_kind(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MissionFactory(title="Atelier", kind="prevention_workshop")
    MissionFactory(title="Jardin", kind="gardening")
    assert _titles(client.get(LIST_URL, {"kind": "gardening"})) == ["Jardin"]


def test_filter_by_theme(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MissionFactory(title="Alcool et tabac", themes=["alcohol", "tobacco"])
    MissionFactory(title="Écrans", themes=["screens"])
    assert _titles(client.get(LIST_URL, {"theme": "tobacco"})) == ["Alcool et tabac"]


@pytest.mark.parametrize(
    ("department", "expected"),
    [("93", ["Montreuil"]), ("2A", ["Ajaccio"]), ("2b", ["Bastia"]), ("974", ["Saint-Denis"])],
)
def test_filter_by_territory_of_the_client(client_of_role, department, expected):
    client = client_of_role(Role.COORDINATOR)
    for title, postcode in [
        ("Montreuil", "93100"),
        ("Ajaccio", "20000"),
        ("Bastia", "20200"),
        ("Saint-Denis", "97400"),
        ("Paris", "75011"),
    ]:
        MissionFactory(title=title, client=ClientFactory(postcode=postcode))
    response = client.get(LIST_URL, {"territory": department})
    assert _titles(response) == expected
    assert "adresse du client" in _text(response)


def test_a_wrong_territory_says_how_to_write_it(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MissionFactory()
    response = client.get(LIST_URL, {"territory": "Seine"})
    assert _titles(response) == []
    assert "deux chiffres" in _text(response)
    assert response.context["extra_filters_open"]


def test_filter_by_period(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MissionFactory(title="Janvier", starts_on=datetime.date(2025, 1, 15))
    MissionFactory(title="Mars", starts_on=datetime.date(2025, 3, 10))
    MissionFactory(title="Juin", starts_on=datetime.date(2025, 6, 1))
    response = client.get(LIST_URL, {"starts_from": "2025-02-01", "starts_until": "2025-06-01"})
    assert _titles(response) == ["Juin", "Mars"]
    backwards = client.get(LIST_URL, {"starts_from": "2025-06-01", "starts_until": "2025-02-01"})
    assert _titles(backwards) == []
    assert "La fin de la période vient après son début." in _text(backwards)


def test_filter_by_status(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    MissionFactory(title="Proposée", status=MissionStatus.PROPOSED)
    MissionFactory(title="Planifiée")
    assert _titles(client.get(LIST_URL, {"status": "proposed"})) == ["Proposée"]


def test_totals_are_for_what_the_filter_shows(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    shown = MissionFactory(kind="prevention_workshop")
    also_shown = MissionFactory(kind="prevention_workshop")
    hidden = MissionFactory(kind="gardening")
    SessionFactory(
        mission=shown,
        duration_minutes=120,
        audiences={AudienceKind.PUPILS: 25, AudienceKind.PROFESSIONALS: 3},
    )
    SessionFactory(mission=shown, duration_minutes=45, audiences={AudienceKind.PUPILS: 10})
    SessionFactory(mission=also_shown, duration_minutes=75, audiences={AudienceKind.PUPILS: 1})
    SessionFactory(mission=hidden, duration_minutes=600, audiences={AudienceKind.PUPILS: 99})
    response = client.get(LIST_URL, {"kind": "prevention_workshop"})
    assert response.context["page"].paginator.count == 2
    totals = response.context["totals"]
    assert (totals["sessions"], totals["minutes"], totals["people"]) == (3, 240, 39)
    html = _text(response)
    assert "4 h" in html
    rows = {mission.pk: mission.session_count for mission in response.context["page"]}
    assert rows == {shown.pk: 2, also_shown.pk: 1}


def test_totals_with_nothing_shown(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    response = client.get(LIST_URL, {"territory": "xx"})
    assert response.context["totals"]["sessions"] == 0
    assert response.context["totals"]["people"] == 0


def test_list_paginates_and_keeps_the_filters(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    known = ClientFactory()
    MissionFactory.create_batch(51, client=known, kind="sewing")
    first = client.get(LIST_URL, {"kind": "sewing"})
    assert len(first.context["page"]) == 50
    assert 'href="?kind=sewing&amp;page=2"' in first.content.decode()
    assert len(client.get(LIST_URL, {"kind": "sewing", "page": 2}).context["page"]) == 1


@pytest.mark.parametrize("missions", [5, 50])
def test_list_query_count_does_not_grow(client_of_role, django_assert_num_queries, missions):
    client = client_of_role(Role.COORDINATOR)
    members = [MemberFactory(path="cape") for _ in range(3)]
    for index in range(missions):
        mission = MissionFactory(entrepreneurs=members[: 1 + index % 3])
        if index % 2:
            SessionFactory(mission=mission, entrepreneur=members[0])
    # session, user, two-factor check; count of missions; the page of missions (with
    # their client and session count); their entrepreneurs; totals of sessions and hours;
    # total of people reached
    with django_assert_num_queries(8):
        response = client.get(LIST_URL, {"theme": "alcohol", "territory": "93"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == missions
