"""The entrepreneur's own page, "Mon parcours", on a phone, in plain language — their
profile, path, contracts, documents, next appointments and workshops, nothing about
anyone else."""

import datetime
import html as html_lib

import pytest
from django.urls import reverse
from django.utils import timezone

from members.enums import AccessAction, Role
from members.models import AccessLog
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

URL = "members:my_profile"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def test_my_profile_anonymous(client):
    response = client.get(reverse(URL))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", list(Role))
def test_my_profile_for_each_role(client_of_role, role):
    expected = 200 if role == Role.ENTREPRENEUR else 403
    assert client_of_role(role).get(reverse(URL)).status_code == expected


def test_my_profile_wrong_method(client_of_role):
    assert client_of_role(Role.ENTREPRENEUR).post(reverse(URL)).status_code == 405


def test_my_profile_without_a_record_yet(client_of_role):
    MemberFactory()  # someone else's record
    response = client_of_role(Role.ENTREPRENEUR).get(reverse(URL))
    assert response.status_code == 200
    html = _text(response)
    assert "Votre dossier n'est pas encore ouvert." in html
    assert "Votre chargé·e d'accompagnement va bientôt l'ouvrir." in html


def test_my_profile_shows_my_path_and_nothing_of_others(client):
    member = MemberFactory(path="cape", first_name="Samia", phone="07 01 02 03 04")
    member.skills.add(SkillFactory(name="Animation de groupe"))
    document_create(member, title="Mon contrat CAPE")
    TrainingFactory(member=member, title="PSC1", kind="first_aid", expires_in=20)
    AppointmentFactory(member=member, topics="Notes de la chargée")
    AppointmentFactory(member=member, starts_at=timezone.now() - datetime.timedelta(days=5))
    mine = WorkshopFactory(subject="Construire son devis", programme=ProgrammeFactory())
    WorkshopRegistrationFactory(member=member, workshop=mine)
    WorkshopFactory(subject="Atelier où je ne suis pas inscrite")

    other = MemberFactory(first_name="Bérénice", last_name="Zanetti", path="cesa")
    other_document = document_create(other, title="Contrat de Bérénice")
    AppointmentFactory(member=other)
    WorkshopRegistrationFactory(member=other, workshop=WorkshopFactory(subject="Atelier d'autrui"))

    client.force_login(member.user)
    response = client.get(reverse(URL))

    assert response.status_code == 200
    html = _text(response)
    assert "Bonjour Samia." in html
    assert (
        f"Vous êtes à l'étape <strong>CAPE</strong> depuis le {member.stage_since:%d/%m/%Y}."
        in html
    )
    assert "fin prévue le" in html
    assert "Mon contrat CAPE" in html
    document = member.documents.get()
    assert reverse("members:document_download", args=[document.pk]) in html
    assert "PSC1" in html and "Expire bientôt" in html
    assert "Animation de groupe" in html
    assert "07 01 02 03 04" in html
    assert "Construire son devis" in html
    assert reverse("members:workshop_detail", args=[mine.pk]) in html
    assert len(response.context["upcoming_appointments"]) == 1
    # What the coordinator noted stays with the coordinators.
    assert "Notes de la chargée" not in html
    # Nobody else.
    assert "Zanetti" not in html and "Bérénice" not in html
    assert reverse("members:document_download", args=[other_document.pk]) not in html
    assert "Atelier d'autrui" not in html
    assert "Atelier où je ne suis pas inscrite" not in html
    # No coordinator's actions.
    assert "/parcours/" not in html
    assert reverse("members:member_edit", args=[member.pk]) not in html


def test_my_profile_reads_my_sensitive_profile_through_the_log(client):
    profile = SensitiveProfileFactory()
    member = profile.member
    client.force_login(member.user)
    response = client.get(reverse(URL))
    html = _text(response)
    assert "accompagné·e par un service d'addictologie ou de santé mentale" in html
    assert "Traitement du profil (ancien·ne usager·ère)" in html  # my own consents
    log = AccessLog.objects.get()
    assert (log.actor, log.action, log.member) == (member.user, AccessAction.VIEW, member)


def test_my_profile_without_sensitive_profile_logs_nothing(client):
    member = MemberFactory()
    client.force_login(member.user)
    html = _text(client.get(reverse(URL)))
    assert "santé mentale" not in html
    assert not AccessLog.objects.exists()


def test_my_profile_consents_say_how_to_withdraw(client):
    consent = ConsentFactory(scope="research")
    client.force_login(consent.member.user)
    html = _text(client.get(reverse(URL)))
    assert "Utilisation pour la recherche-action" in html
    assert "Vous pouvez retirer un accord à tout moment" in html


def test_my_profile_of_an_entrepreneur_who_left(client):
    member = MemberFactory(path="exited")
    client.force_login(member.user)
    response = client.get(reverse(URL))
    assert response.status_code == 200
    assert "Vous êtes à l'étape <strong>Sortie</strong>" in _text(response)


def test_my_profile_for_an_inactive_account_is_refused(client):
    member = MemberFactory()
    member.user.is_active = False
    member.user.save()
    client.force_login(member.user)
    response = client.get(reverse(URL))
    assert response.status_code == 302  # an inactive account is logged out


@pytest.mark.parametrize(("members", "history"), [(5, 2), (50, 20)])
def test_my_profile_query_count_does_not_grow(client, django_assert_num_queries, members, history):
    MemberFactory.create_batch(members - 1)
    member = MemberFactory(path="cesa")
    SensitiveProfileFactory(member=member)
    member.skills.add(*[SkillFactory() for _ in range(3)])
    for index in range(history):
        AppointmentFactory(
            member=member, starts_at=timezone.now() + datetime.timedelta(days=index - history // 2)
        )
        PathStepNoteFactory(member=member, recorded_by=UserFactory(role=Role.COORDINATOR))
        TrainingFactory(member=member)
        document_create(member, title=f"Document {index}")
        WorkshopRegistrationFactory(member=member, workshop=WorkshopFactory())
    client.force_login(member.user)
    # session, user; my record with my account and coordinator; skills, path steps,
    # contracts, trainings, documents, consents, appointments (with coordinator and
    # programme), workshop registrations (with workshop and programme); my sensitive
    # profile and the access-log row for its read
    with django_assert_num_queries(13):
        response = client.get(reverse(URL))
    assert response.status_code == 200
