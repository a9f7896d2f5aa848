import pytest
from django.urls import reverse
from django.utils.html import escape

from members.enums import Role

pytestmark = pytest.mark.django_db

# Which navigation entries each role sees (labels as shown in French).
EXPECTED_NAVIGATION = {
    Role.ADMINISTRATOR: [
        "Accueil",
        "Membres",
        "Ateliers",
        "Missions",
        "Séances",
        "Clients",
        "Factures",
        "Trésorerie",
        "Collectifs",
        "Instances",
        "Associé·es et parts",
        "Programmes",
        "Indicateurs",
        "Rapports d'impact",
        "Comptes",
        "Administration",
        "Mon compte",
    ],
    Role.COORDINATOR: [
        "Accueil",
        "Tableau de bord",
        "Membres",
        "Ateliers",
        "Missions",
        "Séances",
        "Clients",
        "Factures",
        "Paiements et relances",
        "Dépenses des comptes",
        "Trésorerie",
        "Comptabilité",
        "Collectifs",
        "Instances",
        "Associé·es et parts",
        "Pair-aidance en chiffres",
        "Questionnaires",
        "Programmes",
        "Indicateurs",
        "Rapports d'impact",
        "Témoignages",
        "Demandes d'extraction",
        "Comptes",
        "Mon compte",
    ],
    Role.ENTREPRENEUR: [
        "Accueil",
        "Noter une séance",
        "Mes missions",
        "Mes devis et factures",
        "Ma trésorerie",
        "Mes collectifs",
        "Mes instances",
        "Mon parcours",
        "Ateliers",
        "Mes questionnaires",
        "Mon compte",
    ],
    Role.PEER_SUPPORT_LEAD: [
        "Accueil",
        "Collectifs",
        "Instances",
        "Accompagnements",
        "Journal des accès",
        "Pair-aidance en chiffres",
        "Témoignages",
        "Mon compte",
    ],
    Role.ACCOUNTANT: [
        "Accueil",
        "Missions",
        "Séances",
        "Clients",
        "Factures",
        "Paiements et relances",
        "Dépenses des comptes",
        "Trésorerie",
        "Comptabilité",
        "Associé·es et parts",
        "Mon compte",
    ],
    Role.FUNDER: ["Accueil", "Espace financeur", "Mes programmes", "Mon compte"],
    Role.RESEARCHER: [
        "Accueil",
        "Questionnaires",
        "Mes programmes",
        "Indicateurs",
        "Mes extractions",
        "Mon compte",
    ],
}


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=/"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_only_its_navigation(client_of_role, role):
    client = client_of_role(role)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    labels = [str(item["label"]) for item in response.context["navigation"]]
    assert labels == EXPECTED_NAVIGATION[role]
    assert escape(client.user.get_role_display()) in response.content.decode()


def test_post_is_refused(client_of_role):
    client = client_of_role(Role.ENTREPRENEUR)
    assert client.post(reverse("home")).status_code == 405


def test_page_has_landmarks_and_skip_link(client_of_role):
    html = client_of_role(Role.ENTREPRENEUR).get(reverse("home")).content.decode()
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html
    assert '<main id="contenu"' in html
    assert '<nav id="menu-principal"' in html and 'aria-label="Menu principal"' in html
    assert 'aria-current="page"' in html
    assert "<script>" not in html and " onclick=" not in html


def test_home_query_count_is_constant(client_of_role, django_assert_num_queries):
    client = client_of_role(Role.COORDINATOR)
    # session, user, the two-factor check of the middleware
    with django_assert_num_queries(3):
        client.get(reverse("home"))


def test_content_security_policy_forbids_inline_script(client_of_role):
    response = client_of_role(Role.ENTREPRENEUR).get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize("role", list(Role))
def test_my_account_page_for_every_role(client_of_role, role):
    response = client_of_role(role).get(reverse("members:my_account"))
    assert response.status_code == 200
    assert "Double authentification" in response.content.decode()


def test_my_account_anonymous(client):
    assert client.get(reverse("members:my_account")).status_code == 302


def test_entrepreneurs_find_the_calendar_feed_from_their_account(client_of_role):
    html = client_of_role(Role.ENTREPRENEUR).get(reverse("members:my_account")).content.decode()
    assert reverse("activities:calendar_settings") in html
    html = client_of_role(Role.FUNDER).get(reverse("members:my_account")).content.decode()
    assert reverse("activities:calendar_settings") not in html
