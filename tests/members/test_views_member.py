"""The member page and the coordinators' pages that change a member's record: creation,
editing, consents, the sensitive profile (health data) and trainings."""

import datetime
import html as html_lib

import pytest
from django.urls import reverse
from django.utils import timezone

from members.enums import AccessAction, Role, Stage
from members.models import AccessLog, Consent, Member, PathStep, SensitiveProfile, Training
from tests.members.factories import (
    AppointmentFactory,
    MemberFactory,
    ProgrammeFactory,
    UserFactory,
    WorkshopFactory,
)
from tests.members.factories_extra import (
    ConsentFactory,
    PathStepNoteFactory,
    SensitiveProfileFactory,
    SkillFactory,
    TrainingFactory,
    WorkshopRegistrationFactory,
    document_create,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _day(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _text(response) -> str:
    """The page as a person reads it (entities such as &#x27; turned back to text)."""
    return html_lib.unescape(response.content.decode())


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _expected_for_manage_page(role: Role) -> int:
    """Coordinators change members; entrepreneurs never see a member id (404); every
    other role is refused."""
    return {Role.COORDINATOR: 200, Role.ENTREPRENEUR: 404}.get(role, 403)


# --- creating a member ----------------------------------------------------------------


def _member_data(**overrides):
    return {
        "first_name": "Nadia",
        "last_name": "Benali",
        "email": "nadia.benali@exemple.fr",
        "phone": "06 12 34 56 78",
        "gender": "woman",
        "birth_year": "1984",
        "commune": "Montreuil",
        "postcode": "93100",
        "activity": "peer_mediation",
        "is_peer_mediator": "on",
        "information_meeting_on": _day(-3),
    } | overrides


def test_member_create_anonymous(client):
    response = client.get(reverse("members:member_create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", list(Role))
def test_member_create_for_each_role(client_of_role, role):
    expected = 200 if role == Role.COORDINATOR else 403
    assert client_of_role(role).get(reverse("members:member_create")).status_code == expected


def test_member_create_wrong_method(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    assert client.put(reverse("members:member_create")).status_code == 405


def test_member_create_form_defaults_to_me_and_today(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    form = client.get(reverse("members:member_create")).context["form"]
    assert form["coordinator"].value() == client.user.pk
    assert form["information_meeting_on"].value() == timezone.localdate()


def test_member_create_registers_a_candidate(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    skills = [SkillFactory(name="Animation de groupe"), SkillFactory(name="Écoute")]
    response = client.post(
        reverse("members:member_create"),
        _member_data(coordinator=client.user.pk, skills=[skill.pk for skill in skills]),
    )
    member = Member.objects.get(last_name="Benali")
    assert response.status_code == 302
    assert response["Location"] == reverse("members:member_detail", args=[member.pk])
    assert member.stage == Stage.WELCOME
    assert member.stage_since == timezone.localdate() - datetime.timedelta(days=3)
    assert member.coordinator == client.user
    assert member.user is None
    assert member.is_peer_mediator and not member.is_care_professional
    assert set(member.skills.all()) == set(skills)
    assert PathStep.objects.filter(member=member, stage=Stage.WELCOME).count() == 1
    page = client.get(response["Location"])
    assert "La fiche de Nadia Benali est créée." in _text(page)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"postcode": "9310"}, "postcode", "Le code postal a cinq chiffres."),
        ({"postcode": "93A00"}, "postcode", "Le code postal a cinq chiffres."),
        ({"information_meeting_on": _day(1)}, "information_meeting_on", "pas de date future"),
        ({"birth_year": "1850"}, "birth_year", "L'année de naissance est comprise entre"),
        ({"last_name": ""}, "last_name", "Ce champ est obligatoire."),
        ({"email": "pas-une-adresse"}, "email", "adresse de courriel valide"),
    ],
)
def test_member_create_bad_input_keeps_what_was_typed(client_of_role, overrides, field, message):
    client = client_of_role(Role.COORDINATOR)
    response = client.post(
        reverse("members:member_create"), _member_data(coordinator=client.user.pk) | overrides
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    html = _text(response)
    assert 'value="Nadia"' in html
    assert 'value="Montreuil"' in html
    assert not Member.objects.exists()


def test_member_create_refuses_a_coordinator_who_is_not_one(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    entrepreneur = UserFactory(role=Role.ENTREPRENEUR)
    response = client.post(
        reverse("members:member_create"), _member_data(coordinator=entrepreneur.pk)
    )
    assert response.status_code == 200
    assert "coordinator" in response.context["form"].errors


# --- the member page ------------------------------------------------------------------


def test_member_detail_anonymous(client):
    member = MemberFactory()
    response = client.get(reverse("members:member_detail", args=[member.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", list(Role))
def test_member_detail_for_each_role(client_of_role, role):
    member = MemberFactory()
    expected = {Role.COORDINATOR: 200, Role.ADMINISTRATOR: 200, Role.ENTREPRENEUR: 404}.get(
        role, 403
    )
    response = client_of_role(role).get(reverse("members:member_detail", args=[member.pk]))
    assert response.status_code == expected


def test_member_detail_entrepreneur_gets_404_even_for_their_own_id(client):
    member = MemberFactory()
    client.force_login(member.user)
    assert client.get(reverse("members:member_detail", args=[member.pk])).status_code == 404
    other = MemberFactory()
    assert client.get(reverse("members:member_detail", args=[other.pk])).status_code == 404


def test_member_detail_unknown_id(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    assert client.get(reverse("members:member_detail", args=[999999])).status_code == 404


def test_member_detail_wrong_method(client_of_role):
    member = MemberFactory()
    client = client_of_role(Role.COORDINATOR)
    assert client.post(reverse("members:member_detail", args=[member.pk])).status_code == 405


def test_member_detail_shows_the_whole_history(client_of_role, private_media):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(path="cape", phone="06 11 22 33 44")
    member.skills.add(SkillFactory(name="Animation de groupe"))
    TrainingFactory(member=member, title="PSC1", kind="first_aid", expires_in=-5)
    TrainingFactory(member=member, title="SST", kind="first_aid", expires_in=30)
    TrainingFactory(member=member, title="DU Pair-aidance", expires_in=None)
    document_create(member, title="Contrat CAPE signé")
    ConsentFactory(member=member, scope="research", explanation="Pour la recherche-action.")
    programme = ProgrammeFactory(name="Pairs en Seine")
    AppointmentFactory(member=member, topics="Projet de prévention", programme=programme)
    AppointmentFactory(
        member=member,
        starts_at=timezone.now() - datetime.timedelta(days=20),
        status="held",
        next_steps="Préparer le devis",
    )
    WorkshopRegistrationFactory(member=member, workshop=WorkshopFactory(subject="Devis"))
    WorkshopRegistrationFactory(
        member=member,
        workshop=WorkshopFactory(
            subject="Premiers pas", date=timezone.localdate() - datetime.timedelta(days=9)
        ),
        attendance="present",
    )

    response = client.get(reverse("members:member_detail", args=[member.pk]))

    assert response.status_code == 200
    html = _text(response)
    assert member.full_name in html
    assert "06 11 22 33 44" in html
    assert "Animation de groupe" in html
    assert "CAPE" in html and "fin prévue le" in html
    assert "Expiré : à renouveler" in html
    assert "Expire bientôt" in html
    assert "Contrat CAPE signé" in html
    assert reverse("members:document_download", args=[member.documents.get().pk]) in html
    assert "Utilisation pour la recherche-action" in html
    assert "Pour la recherche-action." in html
    assert "Projet de prévention" in html and "Préparer le devis" in html
    assert "Pairs en Seine" in html
    assert "Devis" in html and "Premiers pas" in html and "Présent·e" in html
    assert len(response.context["upcoming_appointments"]) == 1
    assert len(response.context["past_appointments"]) == 1
    # Dates the French way.
    assert member.stage_since.strftime("%d/%m/%Y") in html


def test_member_detail_contract_renewal_numbers(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(path="cape")
    from members import services

    current = member.contracts.get()
    services.cape_renew(
        actor=member.coordinator,
        member=member,
        planned_end_date=current.planned_end_date + datetime.timedelta(days=90),
    )
    response = client.get(reverse("members:member_detail", args=[member.pk]))
    numbers = [row["renewal_number"] for row in response.context["contract_rows"]]
    assert numbers == [0, 1]
    assert "renouvellement n° 1" in _text(response)


@pytest.mark.parametrize(
    ("path", "offered", "not_offered"),
    [
        (None, {"cape", "sortie"}, {"renouvellement", "cesa", "associe"}),
        ("cape", {"renouvellement", "cesa", "sortie"}, {"cape", "associe"}),
        ("cesa", {"associe", "sortie"}, {"cape", "renouvellement", "cesa"}),
        ("associate", {"sortie"}, {"cape", "renouvellement", "cesa", "associe"}),
        ("exited", set(), {"cape", "renouvellement", "cesa", "associe", "sortie"}),
    ],
)
def test_member_detail_offers_only_the_possible_moves(client_of_role, path, offered, not_offered):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(path=path)
    html = _text(client.get(reverse("members:member_detail", args=[member.pk])))
    for move in offered:
        assert reverse("members:member_path", args=[member.pk, move]) in html
    for move in not_offered:
        assert reverse("members:member_path", args=[member.pk, move]) not in html


def test_member_detail_offers_no_third_renewal(client_of_role):
    from members import services

    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(path="cape")
    for _ in range(2):
        current = member.contracts.get(end_date__isnull=True)
        services.cape_renew(
            actor=member.coordinator,
            member=member,
            planned_end_date=current.planned_end_date + datetime.timedelta(days=60),
        )
    html = _text(client.get(reverse("members:member_detail", args=[member.pk])))
    assert reverse("members:member_path", args=[member.pk, "renouvellement"]) not in html
    assert reverse("members:member_path", args=[member.pk, "cesa"]) in html


def test_member_detail_coordinator_reads_the_sensitive_profile_and_it_is_logged(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    profile = SensitiveProfileFactory()
    response = client.get(reverse("members:member_detail", args=[profile.member.pk]))
    html = _text(response)
    assert "Profil de santé" in html
    assert "santé mentale : oui" in html
    log = AccessLog.objects.get()
    assert (log.actor, log.action, log.member) == (client.user, AccessAction.VIEW, profile.member)
    assert (log.record_type, log.record_id) == ("members.sensitiveprofile", profile.pk)
    client.get(reverse("members:member_detail", args=[profile.member.pk]))
    assert AccessLog.objects.count() == 2


def test_member_detail_administrator_never_reads_the_sensitive_profile(client_of_role):
    client = client_of_role(Role.ADMINISTRATOR)
    profile = SensitiveProfileFactory()
    AppointmentFactory(member=profile.member, topics="Parle de sa cure")
    response = client.get(reverse("members:member_detail", args=[profile.member.pk]))
    assert response.status_code == 200
    html = _text(response)
    assert "santé mentale : oui" not in html
    assert "Parle de sa cure" not in html  # coordinators' notes stay with coordinators
    assert "Traitement du profil" not in html  # the health consent would give it away
    assert response.context["sensitive_profile"] is None
    assert not AccessLog.objects.exists()
    # Read-only: no action leads to a change.
    assert reverse("members:member_edit", args=[profile.member.pk]) not in html
    assert reverse("members:training_add", args=[profile.member.pk]) not in html
    assert "/parcours/" not in html


def test_member_detail_shows_a_candidate_without_account(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(candidate=True, first_name="Lina", last_name="Roux")
    response = client.get(reverse("members:member_detail", args=[member.pk]))
    assert response.status_code == 200
    assert "pas encore (candidat·e)" in _text(response)


def _member_with_history(size: int):
    """A CESA holder with `size` appointments, path notes, trainings, documents, consents
    and workshop registrations."""
    member = MemberFactory(path="cesa")
    member.skills.add(*[SkillFactory() for _ in range(3)])
    SensitiveProfileFactory(member=member)
    programme = ProgrammeFactory()
    for index in range(size):
        AppointmentFactory(
            member=member,
            programme=programme,
            starts_at=timezone.now() + datetime.timedelta(days=index - size // 2),
        )
        PathStepNoteFactory(member=member)
        TrainingFactory(member=member, expires_in=index * 10)
        document_create(member, title=f"Document {index}")
        WorkshopRegistrationFactory(member=member, workshop=WorkshopFactory(programme=programme))
    return member


@pytest.mark.parametrize(("members", "history"), [(5, 2), (50, 20)])
def test_member_detail_query_count_does_not_grow(
    client_of_role, django_assert_num_queries, private_media, members, history
):
    client = client_of_role(Role.COORDINATOR)
    MemberFactory.create_batch(members - 1, path="cape")
    member = _member_with_history(history)
    # session, user, two-factor check; the member with their account and coordinator;
    # skills, path steps, contracts, trainings, documents, consents (with who recorded
    # them), appointments (with coordinator and programme), workshop registrations (with
    # workshop and programme), situations (with who recorded them); the sensitive profile
    # and the access-log row for its read
    with django_assert_num_queries(15):
        response = client.get(reverse("members:member_detail", args=[member.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize(("members", "history"), [(5, 2), (50, 20)])
def test_member_detail_query_count_for_an_administrator(
    client_of_role, django_assert_num_queries, private_media, members, history
):
    client = client_of_role(Role.ADMINISTRATOR)
    MemberFactory.create_batch(members - 1)
    member = _member_with_history(history)
    # as for a coordinator, without the sensitive profile and its access-log row
    with django_assert_num_queries(13):
        response = client.get(reverse("members:member_detail", args=[member.pk]))
    assert response.status_code == 200


# --- editing a member -----------------------------------------------------------------


def test_member_edit_anonymous(client):
    member = MemberFactory()
    response = client.get(reverse("members:member_edit", args=[member.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", list(Role))
def test_member_edit_for_each_role(client_of_role, role):
    member = MemberFactory()
    response = client_of_role(role).get(reverse("members:member_edit", args=[member.pk]))
    assert response.status_code == _expected_for_manage_page(role)


def test_member_edit_entrepreneur_own_and_other_id_404(client):
    member, other = MemberFactory(), MemberFactory()
    client.force_login(member.user)
    for target in (member, other):
        assert client.get(reverse("members:member_edit", args=[target.pk])).status_code == 404
        data = {"first_name": "X"}
        response = client.post(reverse("members:member_edit", args=[target.pk]), data)
        assert response.status_code == 404
    member.refresh_from_db()
    assert member.first_name != "X"


def test_member_edit_wrong_method(client_of_role):
    member = MemberFactory()
    client = client_of_role(Role.COORDINATOR)
    assert client.delete(reverse("members:member_edit", args=[member.pk])).status_code == 405


def test_member_edit_changes_the_record_but_not_the_stage(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(path="cape")
    other_coordinator = UserFactory(role=Role.COORDINATOR)
    skill = SkillFactory(name="Couture")
    data = _member_data(
        first_name="Nadia",
        coordinator=other_coordinator.pk,
        skills=[skill.pk],
        is_care_professional="on",
        stage="associate",
    )
    response = client.post(reverse("members:member_edit", args=[member.pk]), data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.first_name == "Nadia"
    assert member.coordinator == other_coordinator
    assert member.is_care_professional
    assert list(member.skills.all()) == [skill]
    assert member.stage == Stage.CAPE


def test_member_edit_bad_input_keeps_what_was_typed(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory(last_name="Martin")
    data = _member_data(last_name="Durand", postcode="123", coordinator=member.coordinator.pk)
    response = client.post(reverse("members:member_edit", args=[member.pk]), data)
    assert response.status_code == 200
    assert "Le code postal a cinq chiffres." in _text(response)
    assert 'value="Durand"' in _text(response)
    member.refresh_from_db()
    assert member.last_name == "Martin"


def test_member_edit_form_has_no_stage_and_no_meeting_date(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    form = client.get(reverse("members:member_edit", args=[member.pk])).context["form"]
    assert "stage" not in form.fields
    assert "information_meeting_on" not in form.fields


# --- consents -------------------------------------------------------------------------


def test_consent_record_anonymous(client):
    member = MemberFactory()
    response = client.get(reverse("members:consent_record", args=[member.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("role", list(Role))
def test_consent_record_for_each_role(client_of_role, role):
    member = MemberFactory()
    response = client_of_role(role).get(reverse("members:consent_record", args=[member.pk]))
    assert response.status_code == _expected_for_manage_page(role)


def test_consent_record_wrong_method(client_of_role):
    member = MemberFactory()
    client = client_of_role(Role.COORDINATOR)
    assert client.put(reverse("members:consent_record", args=[member.pk])).status_code == 405


def test_consent_record_happy_path(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    data = {
        "scope": "research",
        "given_on": _day(-1),
        "explanation": "Les données servent à la recherche, sans nom.",
    }
    response = client.post(reverse("members:consent_record", args=[member.pk]), data)
    assert response.status_code == 302
    consent = Consent.objects.get(member=member)
    assert consent.scope == "research"
    assert consent.recorded_by == client.user
    assert consent.given_on == timezone.localdate() - datetime.timedelta(days=1)


def test_consent_record_refuses_a_second_one_in_force(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    consent = ConsentFactory(scope="research")
    data = {"scope": "research", "given_on": _day(0), "explanation": "Encore une fois."}
    response = client.post(reverse("members:consent_record", args=[consent.member.pk]), data)
    assert response.status_code == 200
    html = _text(response)
    assert "Ce consentement est déjà en vigueur." in html
    assert "Encore une fois." in html
    assert Consent.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"given_on": _day(2)}, "Un consentement ne se date pas dans le futur."),
        ({"explanation": ""}, "Ce champ est obligatoire."),
    ],
)
def test_consent_record_bad_input(client_of_role, overrides, message):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    data = {"scope": "health_profile", "given_on": _day(0), "explanation": "Expliqué."} | overrides
    response = client.post(reverse("members:consent_record", args=[member.pk]), data)
    assert response.status_code == 200
    assert message in _text(response)
    assert not Consent.objects.exists()


def test_consent_withdraw_anonymous(client):
    consent = ConsentFactory()
    response = client.post(reverse("members:consent_withdraw", args=[consent.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", [role for role in Role if role != Role.COORDINATOR])
def test_consent_withdraw_refused_to_other_roles(client_of_role, role):
    consent = ConsentFactory()
    response = client_of_role(role).post(
        reverse("members:consent_withdraw", args=[consent.pk]), {"on": _day(0)}
    )
    assert response.status_code == (404 if role == Role.ENTREPRENEUR else 403)
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_consent_withdraw_entrepreneur_own_consent_404(client):
    consent = ConsentFactory()
    client.force_login(consent.member.user)
    response = client.post(reverse("members:consent_withdraw", args=[consent.pk]), {"on": _day(0)})
    assert response.status_code == 404


def test_consent_withdraw_wrong_method(client_of_role):
    consent = ConsentFactory()
    client = client_of_role(Role.COORDINATOR)
    assert client.get(reverse("members:consent_withdraw", args=[consent.pk])).status_code == 405


def test_consent_withdraw_unknown_id(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    response = client.post(reverse("members:consent_withdraw", args=[999999]), {"on": _day(0)})
    assert response.status_code == 404


def test_consent_withdraw_health_profile_erases_the_flag(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    profile = SensitiveProfileFactory()
    consent = profile.member.consents.get()
    response = client.post(reverse("members:consent_withdraw", args=[consent.pk]), {"on": _day(0)})
    assert response.status_code == 302
    assert response["Location"] == reverse("members:member_detail", args=[profile.member.pk])
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate()
    assert not SensitiveProfile.objects.exists()
    assert AccessLog.objects.filter(action=AccessAction.CHANGE).count() == 1
    page = _text(client.get(response["Location"]))
    assert "Le retrait du consentement est enregistré." in page
    assert "Non renseigné." in page


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (-60, "Un consentement est retiré après avoir été donné."),
        (3, "Un retrait ne se date pas dans le futur."),
        ("", "Ce champ est obligatoire."),
    ],
)
def test_consent_withdraw_refused_dates(client_of_role, on, message):
    client = client_of_role(Role.COORDINATOR)
    consent = ConsentFactory()  # given 30 days ago
    data = {"on": _day(on) if on != "" else ""}
    response = client.post(reverse("members:consent_withdraw", args=[consent.pk]), data)
    assert response.status_code == 302
    page = _text(client.get(response["Location"]))
    assert message in page
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_consent_withdraw_twice_is_refused(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    consent = ConsentFactory(withdrawn_on=timezone.localdate())
    response = client.post(
        reverse("members:consent_withdraw", args=[consent.pk]), {"on": _day(0)}, follow=True
    )
    assert "Ce consentement est déjà retiré." in _text(response)


# --- the sensitive profile ------------------------------------------------------------


def test_sensitive_profile_edit_anonymous(client):
    member = MemberFactory()
    response = client.get(reverse("members:sensitive_profile_edit", args=[member.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("role", list(Role))
def test_sensitive_profile_edit_for_each_role(client_of_role, role):
    profile = SensitiveProfileFactory()
    response = client_of_role(role).get(
        reverse("members:sensitive_profile_edit", args=[profile.member.pk])
    )
    assert response.status_code == _expected_for_manage_page(role)
    if role != Role.COORDINATOR:
        assert not AccessLog.objects.exists()


def test_sensitive_profile_edit_wrong_method(client_of_role):
    member = MemberFactory()
    client = client_of_role(Role.COORDINATOR)
    url = reverse("members:sensitive_profile_edit", args=[member.pk])
    assert client.put(url).status_code == 405


def test_sensitive_profile_edit_get_reads_through_the_log(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    profile = SensitiveProfileFactory()
    response = client.get(reverse("members:sensitive_profile_edit", args=[profile.member.pk]))
    assert response.context["form"]["is_former_service_user"].value() is True
    log = AccessLog.objects.get()
    assert (log.actor, log.action, log.record_id) == (client.user, AccessAction.VIEW, profile.pk)


def test_sensitive_profile_edit_refused_without_consent(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    url = reverse("members:sensitive_profile_edit", args=[member.pk])
    response = client.post(url, {"is_former_service_user": "on"})
    assert response.status_code == 200
    assert "Enregistrez d'abord le consentement" in _text(response)
    assert response.context["form"]["is_former_service_user"].value() is True
    assert not SensitiveProfile.objects.exists()


def test_sensitive_profile_edit_with_consent(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    ConsentFactory(member=member)
    url = reverse("members:sensitive_profile_edit", args=[member.pk])
    response = client.post(url, {"is_former_service_user": "on"})
    assert response.status_code == 302
    assert SensitiveProfile.objects.get(member=member).is_former_service_user
    log = AccessLog.objects.get()
    assert (log.actor, log.action) == (client.user, AccessAction.CHANGE)


def test_sensitive_profile_edit_unticking_says_no(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    profile = SensitiveProfileFactory()
    url = reverse("members:sensitive_profile_edit", args=[profile.member.pk])
    response = client.post(url, {})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.is_former_service_user is False


# --- trainings ------------------------------------------------------------------------


def test_training_add_anonymous(client):
    member = MemberFactory()
    assert client.get(reverse("members:training_add", args=[member.pk])).status_code == 302


@pytest.mark.parametrize("role", list(Role))
def test_training_add_for_each_role(client_of_role, role):
    member = MemberFactory()
    response = client_of_role(role).get(reverse("members:training_add", args=[member.pk]))
    assert response.status_code == _expected_for_manage_page(role)


def test_training_add_wrong_method(client_of_role):
    member = MemberFactory()
    client = client_of_role(Role.COORDINATOR)
    assert client.put(reverse("members:training_add", args=[member.pk])).status_code == 405


def test_training_add_happy_path(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    data = {
        "kind": "first_aid",
        "title": "PSC1",
        "organisation": "Croix-Rouge",
        "obtained_on": _day(-10),
        "expires_on": _day(700),
    }
    response = client.post(reverse("members:training_add", args=[member.pk]), data)
    assert response.status_code == 302
    training = Training.objects.get()
    assert (training.member, training.title, training.organisation) == (
        member,
        "PSC1",
        "Croix-Rouge",
    )
    assert training.expires_on == timezone.localdate() + datetime.timedelta(days=700)


def test_training_add_without_expiry(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    data = {"kind": "peer_support_du", "title": "DU", "obtained_on": _day(-10), "expires_on": ""}
    response = client.post(reverse("members:training_add", args=[member.pk]), data)
    assert response.status_code == 302
    assert Training.objects.get().expires_on is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"expires_on": _day(-20)}, "La date d'expiration précède la date d'obtention."),
        ({"obtained_on": _day(5), "expires_on": ""}, "une fois obtenue"),
        ({"kind": "inconnu"}, "Sélectionnez un choix valide."),
    ],
)
def test_training_add_bad_input_keeps_what_was_typed(client_of_role, overrides, message):
    client = client_of_role(Role.COORDINATOR)
    member = MemberFactory()
    data = {
        "kind": "first_aid",
        "title": "Sauveteur secouriste du travail",
        "obtained_on": _day(-10),
        "expires_on": _day(30),
    } | overrides
    response = client.post(reverse("members:training_add", args=[member.pk]), data)
    assert response.status_code == 200
    html = _text(response)
    assert message in html
    assert "Sauveteur secouriste du travail" in html
    assert not Training.objects.exists()
