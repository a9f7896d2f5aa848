"""The testimonials pages: coordinators choose members' testimonials (or a partner's
words), the peer-support lead records accompanied people's; nobody else reaches them;
the pages never show the person's real name, only that someone is linked."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from members.enums import Role
from research.models import Testimonial as Chosen  # not "Test…": pytest would collect it
from tests.members.factories import MemberFactory, ProgrammeFactory
from tests.peer_support.factories import FollowUpFactory
from tests.research.factories import ProgrammeMemberFactory
from tests.research.factories_reports import ChosenTestimonialFactory

pytestmark = pytest.mark.django_db

D = datetime.date
MANAGERS = [Role.COORDINATOR, Role.PEER_SUPPORT_LEAD]
REFUSED = [Role.ADMINISTRATOR, Role.ENTREPRENEUR, Role.ACCOUNTANT, Role.FUNDER, Role.RESEARCHER]
TEXT = "Avant, je ne sortais plus de chez moi. Ici, on m'a confié un atelier au collège."


def _url(name, *args):
    return reverse(f"research:{name}", args=args)


def _html(response) -> str:
    return response.content.decode()


def _programme(**kwargs):
    return ProgrammeFactory(starts_on=D(2026, 1, 1), **kwargs)


def _as_reader(client, programme):
    """A funder's or researcher's account attached to the programme: still refused."""
    programme.readers.add(client.user)
    return client


def _member_in(programme, **kwargs):
    member = MemberFactory(**kwargs)
    ProgrammeMemberFactory(programme=programme, member=member)
    return member


def _data(**kwargs):
    data = {
        "text": TEXT,
        "changed_first_name": "Camille",
        "consent_given_on": "2026-02-01",
        "consent_explanation": "Montré aux financeurs sous un autre prénom.",
        "chosen_on": "2026-02-03",
    }
    data.update(kwargs)
    return data


# --- who reaches the pages ----------------------------------------------------------------


def _pages(programme, testimonial):
    return [
        _url("testimonial_index"),
        _url("testimonial_list", programme.pk),
        _url("testimonial_add", programme.pk),
        _url("testimonial_withdraw", programme.pk, testimonial.pk),
    ]


def test_anonymous_goes_to_login(client):
    programme = _programme()
    for url in _pages(programme, ChosenTestimonialFactory(programme=programme)):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("role", REFUSED)
def test_other_roles_refused(client_of_role, role):
    programme = _programme()
    client = _as_reader(client_of_role(role), programme)
    pages = _pages(programme, ChosenTestimonialFactory(programme=programme))
    for url in pages:
        assert client.get(url).status_code == 403
    for url in pages[2:]:  # the forms
        assert client.post(url, _data(withdrawn_on="2026-03-01")).status_code == 403
    assert Chosen.objects.in_force().count() == 1
    assert not Chosen.objects.filter(changed_first_name="Camille").exists()


@pytest.mark.parametrize("role", MANAGERS)
def test_wrong_method(client_of_role, role):
    programme = _programme()
    client = client_of_role(role)
    testimonial = ChosenTestimonialFactory(programme=programme)
    assert client.post(_url("testimonial_index")).status_code == 405
    assert client.post(_url("testimonial_list", programme.pk)).status_code == 405
    assert client.delete(_url("testimonial_add", programme.pk)).status_code == 405
    assert client.put(_url("testimonial_withdraw", programme.pk, testimonial.pk)).status_code == 405


@pytest.mark.parametrize("role", MANAGERS)
def test_unknown_programme_or_another_programmes_testimonial(client_of_role, role):
    client = client_of_role(role)
    programme = _programme()
    elsewhere = ChosenTestimonialFactory(programme=_programme())
    assert client.get(_url("testimonial_list", 999)).status_code == 404
    assert client.get(_url("testimonial_add", 999)).status_code == 404
    url = _url("testimonial_withdraw", programme.pk, elsewhere.pk)
    assert client.get(url).status_code == 404
    assert client.post(url, {"withdrawn_on": "2026-03-01"}).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.withdrawn_on is None


# --- the index and the list -----------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
def test_index(client_of_role, role):
    shown = _programme(name="Pairs en Bretagne")
    ChosenTestimonialFactory(programme=shown)
    ChosenTestimonialFactory(programme=shown, withdrawn=True)
    html = _html(client_of_role(role).get(_url("testimonial_index")))
    assert "Pairs en Bretagne" in html
    assert "1 témoignage en vigueur" in html
    assert _url("testimonial_list", shown.pk) in html


@pytest.mark.parametrize("role", MANAGERS)
def test_list_never_names_the_person(client_of_role, role):
    programme = _programme()
    member = _member_in(programme, first_name="Élodie", last_name="Vasquez-Loriot")
    followup = FollowUpFactory(programme=programme, pseudonym="Ophélie")
    ChosenTestimonialFactory(programme=programme, member=member, changed_first_name="Camille")
    ChosenTestimonialFactory(programme=programme, followup=followup, changed_first_name="Rose")
    ChosenTestimonialFactory(programme=programme, changed_first_name="Lou", withdrawn=True)
    ChosenTestimonialFactory(programme=_programme(), changed_first_name="Ailleurs")

    html = _html(client_of_role(role).get(_url("testimonial_list", programme.pk)))

    assert "Camille" in html and "Rose" in html and "Lou" in html and "Ailleurs" not in html
    folded = html.casefold()
    assert "élodie" not in folded and "vasquez" not in folded and "ophélie" not in folded
    assert "Membre lié" in html and "Personne accompagnée liée" in html
    assert "accord retiré" in html


def test_list_offers_withdrawal_to_whoever_chose(client_of_role):
    """A coordinator withdraws a member's (or a partner's) testimonial; the lead an
    accompanied person's: the services refuse the other way round."""
    programme = _programme()
    of_member = ChosenTestimonialFactory(programme=programme, member=_member_in(programme))
    of_followup = ChosenTestimonialFactory(
        programme=programme, followup=FollowUpFactory(programme=programme)
    )
    withdrawn = ChosenTestimonialFactory(programme=programme, withdrawn=True)

    html = _html(client_of_role(Role.COORDINATOR).get(_url("testimonial_list", programme.pk)))
    assert _url("testimonial_withdraw", programme.pk, of_member.pk) in html
    assert _url("testimonial_withdraw", programme.pk, of_followup.pk) not in html
    assert _url("testimonial_withdraw", programme.pk, withdrawn.pk) not in html

    html = _html(client_of_role(Role.PEER_SUPPORT_LEAD).get(_url("testimonial_list", programme.pk)))
    assert _url("testimonial_withdraw", programme.pk, of_member.pk) not in html
    assert _url("testimonial_withdraw", programme.pk, of_followup.pk) in html


def test_an_erased_follow_ups_testimonial_shows_as_gone(client_of_role):
    programme = _programme()
    followup = FollowUpFactory(programme=programme, erased=True)
    ChosenTestimonialFactory(programme=programme, followup=followup)
    html = _html(client_of_role(Role.PEER_SUPPORT_LEAD).get(_url("testimonial_list", programme.pk)))
    assert "suivi effacé" in html and "badge--success" not in html


def test_the_programme_page_links_to_its_testimonials(client_of_role):
    programme = _programme()
    link = _url("testimonial_list", programme.pk)
    assert link in _html(
        client_of_role(Role.COORDINATOR).get(_url("programme_detail", programme.pk))
    )
    admin = client_of_role(Role.ADMINISTRATOR)
    assert link not in _html(admin.get(_url("programme_detail", programme.pk)))


@pytest.mark.parametrize("role", MANAGERS)
@pytest.mark.parametrize("size", [1, 6])
def test_list_query_count(client_of_role, django_assert_num_queries, role, size):
    programme = _programme()
    for _ in range(size):
        ChosenTestimonialFactory(programme=programme, member=_member_in(programme))
        ChosenTestimonialFactory(programme=programme, followup=FollowUpFactory(programme=programme))
    client = client_of_role(role)
    # session, user, two-factor check, the programme, the count and the page of
    # testimonials (with whether each follow-up was erased)
    with django_assert_num_queries(6):
        assert client.get(_url("testimonial_list", programme.pk)).status_code == 200


@pytest.mark.parametrize("size", [1, 6])
def test_index_query_count(client_of_role, django_assert_num_queries, size):
    for _ in range(size):
        ChosenTestimonialFactory(programme=_programme())
    client = client_of_role(Role.COORDINATOR)
    # session, user, two-factor check, the programmes with their testimonials in force
    with django_assert_num_queries(4):
        assert client.get(_url("testimonial_index")).status_code == 200


# --- adding -----------------------------------------------------------------------------------


def test_a_coordinator_adds_a_members_testimonial(client_of_role):
    programme = _programme()
    member = _member_in(programme, first_name="Élodie", last_name="Vasquez-Loriot")
    _member_in(_programme(), last_name="Hors-Programme")
    client = client_of_role(Role.COORDINATOR)

    page = _html(client.get(_url("testimonial_add", programme.pk)))
    # Coordinators see the members anyway: the choice is by name; no follow-up field.
    assert "VASQUEZ-LORIOT Élodie" in page and "HORS-PROGRAMME" not in page
    assert 'name="followup"' not in page

    response = client.post(_url("testimonial_add", programme.pk), _data(member=member.pk))

    assert response.status_code == 302
    assert response["Location"] == _url("testimonial_list", programme.pk)
    testimonial = Chosen.objects.get()
    assert (testimonial.member, testimonial.changed_first_name) == (member, "Camille")
    assert testimonial.chosen_by == client.user
    assert testimonial.chosen_on == D(2026, 2, 3)
    assert "Camille" in _html(client.get(response["Location"]))


def test_a_coordinator_adds_a_partners_words(client_of_role):
    programme = _programme()
    client = client_of_role(Role.COORDINATOR)
    response = client.post(_url("testimonial_add", programme.pk), _data())
    assert response.status_code == 302
    testimonial = Chosen.objects.get()
    assert testimonial.member is None and testimonial.followup is None


def test_the_lead_adds_an_accompanied_persons_testimonial(client_of_role):
    programme = _programme()
    followup = FollowUpFactory(programme=programme, pseudonym="Ophélie")
    client = client_of_role(Role.PEER_SUPPORT_LEAD)

    page = _html(client.get(_url("testimonial_add", programme.pk)))
    assert 'name="followup"' in page and 'name="member"' not in page
    assert "Ophélie" not in page

    response = client.post(_url("testimonial_add", programme.pk), _data(followup=followup.pk))

    assert response.status_code == 302
    assert Chosen.objects.get().followup == followup


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Indiquez le numéro du suivi"),
        ("abc", "en chiffres"),
        ("999999", "Aucun suivi de ce programme"),
    ],
)
def test_the_lead_types_a_wrong_follow_up_number(client_of_role, value, message):
    programme = _programme()
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    response = client.post(_url("testimonial_add", programme.pk), _data(followup=value))
    assert response.status_code == 200
    assert message in _html(response)
    assert not Chosen.objects.exists()


def test_the_lead_cannot_link_another_programmes_or_an_erased_follow_up(client_of_role):
    programme = _programme()
    elsewhere = FollowUpFactory(programme=_programme())
    erased = FollowUpFactory(programme=programme, erased=True)
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    for followup in (elsewhere, erased):
        response = client.post(_url("testimonial_add", programme.pk), _data(followup=followup.pk))
        assert "Aucun suivi de ce programme" in _html(response)
    assert not Chosen.objects.exists()


def test_bad_input_keeps_what_was_typed(client_of_role):
    programme = _programme()
    member = _member_in(programme, first_name="Élodie", last_name="Vasquez-Loriot")
    client = client_of_role(Role.COORDINATOR)
    typed = "Merci à Elodie, ici j'ai repris confiance."

    response = client.post(
        _url("testimonial_add", programme.pk),
        _data(member=member.pk, text=typed, changed_first_name="élodie"),
    )

    assert response.status_code == 200
    html = _html(response)
    assert "différent du vrai prénom" in html
    assert "prénom ou le nom de la personne" in html
    assert "Merci à Elodie, ici j&#x27;ai repris confiance." in html
    assert "Montré aux financeurs sous un autre prénom." in html
    assert not Chosen.objects.exists()


def test_dates_in_the_wrong_order_or_the_future(client_of_role):
    programme = _programme()
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        _url("testimonial_add", programme.pk),
        _data(consent_given_on="2026-02-10", chosen_on="2026-02-01"),
    )
    assert "accord de la personne recueilli" in _html(response)
    later = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(
        _url("testimonial_add", programme.pk), _data(consent_given_on=later, chosen_on=later)
    )
    assert "au plus tard d&#x27;aujourd&#x27;hui" in _html(response)
    response = client.post(_url("testimonial_add", programme.pk), _data(consent_given_on="hier"))
    assert response.status_code == 200
    assert not Chosen.objects.exists()


def test_a_member_outside_the_programme_is_refused(client_of_role):
    programme = _programme()
    stranger = _member_in(_programme())
    client = client_of_role(Role.COORDINATOR)
    response = client.post(_url("testimonial_add", programme.pk), _data(member=stranger.pk))
    assert "Ce membre ne fait pas partie du programme." in _html(response)
    assert not Chosen.objects.exists()


# --- withdrawing ------------------------------------------------------------------------------


def test_a_coordinator_withdraws_a_consent(client_of_role):
    programme = _programme()
    testimonial = ChosenTestimonialFactory(programme=programme, member=_member_in(programme))
    client = client_of_role(Role.COORDINATOR)
    url = _url("testimonial_withdraw", programme.pk, testimonial.pk)

    assert client.get(url).status_code == 200
    response = client.post(url, {"withdrawn_on": "2026-03-01"})

    assert response.status_code == 302
    testimonial.refresh_from_db()
    assert testimonial.withdrawn_on == D(2026, 3, 1)
    # A second click changes nothing and says so.
    response = client.post(url, {"withdrawn_on": "2026-04-01"}, follow=True)
    assert "déjà retiré" in _html(response)
    testimonial.refresh_from_db()
    assert testimonial.withdrawn_on == D(2026, 3, 1)


def test_the_lead_withdraws_an_accompanied_persons_consent(client_of_role):
    programme = _programme()
    testimonial = ChosenTestimonialFactory(
        programme=programme, followup=FollowUpFactory(programme=programme)
    )
    client = client_of_role(Role.PEER_SUPPORT_LEAD)
    url = _url("testimonial_withdraw", programme.pk, testimonial.pk)
    assert client.post(url, {"withdrawn_on": "2026-03-01"}).status_code == 302
    testimonial.refresh_from_db()
    assert testimonial.withdrawn_on == D(2026, 3, 1)


def test_each_withdraws_only_what_they_chose(client_of_role):
    programme = _programme()
    of_member = ChosenTestimonialFactory(programme=programme, member=_member_in(programme))
    of_followup = ChosenTestimonialFactory(
        programme=programme, followup=FollowUpFactory(programme=programme)
    )
    lead = client_of_role(Role.PEER_SUPPORT_LEAD)
    assert lead.get(_url("testimonial_withdraw", programme.pk, of_member.pk)).status_code == 403
    coordinator = client_of_role(Role.COORDINATOR)
    url = _url("testimonial_withdraw", programme.pk, of_followup.pk)
    assert coordinator.post(url, {"withdrawn_on": "2026-03-01"}).status_code == 403
    assert Chosen.objects.in_force().count() == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [("", "Ce champ est obligatoire."), ("2025-12-01", "retiré après avoir été donné")],
)
def test_a_wrong_withdrawal_date(client_of_role, value, message):
    programme = _programme()
    testimonial = ChosenTestimonialFactory(programme=programme)
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        _url("testimonial_withdraw", programme.pk, testimonial.pk), {"withdrawn_on": value}
    )
    assert response.status_code == 200
    assert message in _html(response)
    assert f'value="{value}"' in _html(response)
    testimonial.refresh_from_db()
    assert testimonial.withdrawn_on is None
