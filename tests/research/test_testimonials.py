"""Testimonials for the funders' reports: chosen only with the person's recorded consent,
under a changed first name that is not theirs, in a text that does not name them; linking
one to a person is in that person's access log; a withdrawal is kept, never deleted."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from members.enums import Role
from members.models import AccessLog as MemberAccessLog
from peer_support.enums import AccessAction
from peer_support.models import AccessLog as FollowUpAccessLog
from research.models import Testimonial as Chosen  # not "Test…": pytest would collect it
from research.services import testimonials as service  # its "testimonial_…" would be collected
from tests.members.factories import MemberFactory, ProgrammeFactory, UserFactory
from tests.peer_support.factories import FollowUpFactory, lead_user
from tests.research.factories import ProgrammeMemberFactory
from tests.research.factories_reports import ChosenTestimonialFactory

pytestmark = pytest.mark.django_db

D = datetime.date
TEXT = "Avant, je ne sortais plus de chez moi. Ici, on m'a confié un atelier au collège."


@pytest.fixture
def programme():
    return ProgrammeFactory(starts_on=D(2026, 1, 1))


@pytest.fixture
def coordinator():
    return UserFactory(role=Role.COORDINATOR)


@pytest.fixture
def member(programme):
    member = MemberFactory(first_name="Élodie", last_name="Vasquez-Loriot")
    ProgrammeMemberFactory(programme=programme, member=member)
    return member


def _add(actor, programme, **kwargs):
    kwargs.setdefault("text", TEXT)
    kwargs.setdefault("changed_first_name", "Camille")
    kwargs.setdefault("consent_given_on", D(2026, 2, 1))
    kwargs.setdefault("consent_explanation", "Montré aux financeurs sous un autre prénom.")
    return service.testimonial_add(actor=actor, programme=programme, **kwargs)


def test_a_coordinator_chooses_a_members_testimonial(coordinator, programme, member):
    testimonial = _add(coordinator, programme, member=member, changed_first_name=" Camille ")

    assert testimonial.changed_first_name == "Camille"
    assert testimonial.chosen_by == coordinator
    assert testimonial.in_force
    log = MemberAccessLog.objects.get(record_type="research.testimonial")
    assert (log.actor, log.member, log.record_id) == (coordinator, member, testimonial.pk)


@pytest.mark.parametrize("name", ["Élodie", "elodie", "  ÉLODIE "])
def test_the_changed_first_name_is_not_the_real_one(coordinator, programme, member, name):
    with pytest.raises(ValidationError) as error:
        _add(coordinator, programme, member=member, changed_first_name=name)
    assert "différent du vrai prénom" in str(error.value.message_dict["changed_first_name"])
    assert not Chosen.objects.exists()


@pytest.mark.parametrize(
    "text", ["Merci à Elodie pour tout.", "Signé : vasquez-loriot", "VASQUEZ-LORIOT, 2026"]
)
def test_the_text_does_not_name_the_person(coordinator, programme, member, text):
    with pytest.raises(ValidationError) as error:
        _add(coordinator, programme, member=member, text=text)
    assert "prénom ou le nom" in str(error.value.message_dict["text"])


def test_a_name_inside_a_word_is_not_a_name(coordinator, programme):
    member = MemberFactory(first_name="Al", last_name="Ré")
    ProgrammeMemberFactory(programme=programme, member=member)
    assert _add(coordinator, programme, member=member, text="Une réalité nouvelle.").pk


def test_only_a_member_of_the_programme(coordinator, programme):
    stranger = MemberFactory(first_name="Zoé", last_name="Hors-Programme")
    with pytest.raises(ValidationError) as error:
        _add(coordinator, programme, member=stranger)
    assert "member" in error.value.message_dict


def test_consent_and_choice_are_not_in_the_future(coordinator, programme):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    with pytest.raises(ValidationError) as error:
        _add(coordinator, programme, consent_given_on=tomorrow, chosen_on=tomorrow)
    assert {"consent_given_on", "chosen_on"} <= set(error.value.message_dict)


def test_chosen_before_the_consent_is_refused(coordinator, programme):
    with pytest.raises(ValidationError) as error:
        _add(coordinator, programme, consent_given_on=D(2026, 2, 1), chosen_on=D(2026, 1, 15))
    assert "accord de la personne recueilli" in str(error.value)


@pytest.mark.parametrize(
    "role", [Role.ENTREPRENEUR, Role.FUNDER, Role.RESEARCHER, Role.ACCOUNTANT, Role.ADMINISTRATOR]
)
def test_only_coordinators_choose(programme, role):
    with pytest.raises(PermissionDenied):
        _add(UserFactory(role=role), programme)


def test_an_accompanied_persons_testimonial_is_recorded_by_the_lead(programme, coordinator):
    followup = FollowUpFactory(programme=programme, pseudonym="Ophélie")
    lead = lead_user()

    with pytest.raises(PermissionDenied):
        _add(coordinator, programme, followup=followup)
    with pytest.raises(PermissionDenied):
        _add(followup.mediator.user, programme, followup=followup)
    with pytest.raises(ValidationError) as error:
        _add(lead, programme, followup=followup, changed_first_name="ophelie")
    assert "changed_first_name" in error.value.message_dict

    testimonial = _add(lead, programme, followup=followup, changed_first_name="Rose")

    log = FollowUpAccessLog.objects.get(record_type="research.testimonial")
    assert (log.actor, log.followup, log.action) == (lead, followup, AccessAction.CREATE)
    assert testimonial.followup == followup


def test_a_follow_up_of_another_programme_is_refused(programme):
    followup = FollowUpFactory(programme=ProgrammeFactory(), pseudonym="Ophélie")
    with pytest.raises(ValidationError) as error:
        _add(lead_user(), programme, followup=followup)
    assert "followup" in error.value.message_dict


def test_never_a_member_and_an_accompanied_person_at_once(programme, member):
    followup = FollowUpFactory(programme=programme, pseudonym="Ophélie")
    with pytest.raises(ValidationError):
        _add(lead_user(), programme, followup=followup, member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChosenTestimonialFactory(programme=programme, member=member, followup=followup)


def test_the_database_keeps_a_name_and_the_dates_in_order(programme):
    with pytest.raises(IntegrityError), transaction.atomic():
        ChosenTestimonialFactory(programme=programme, changed_first_name="")
    with pytest.raises(IntegrityError), transaction.atomic():
        ChosenTestimonialFactory(
            programme=programme, consent_given_on=D(2026, 2, 1), withdrawn_on=D(2026, 1, 1)
        )


def test_a_withdrawal_is_kept(coordinator, programme, member):
    testimonial = _add(coordinator, programme, member=member)

    service.testimonial_withdraw(actor=coordinator, testimonial=testimonial, on=D(2026, 3, 1))
    service.testimonial_withdraw(actor=coordinator, testimonial=testimonial, on=D(2026, 4, 1))

    testimonial.refresh_from_db()
    assert testimonial.withdrawn_on == D(2026, 3, 1)
    assert not Chosen.objects.in_force().exists()
    assert MemberAccessLog.objects.filter(record_type="research.testimonial").count() == 2
    with pytest.raises(PermissionDenied):
        service.testimonial_withdraw(actor=UserFactory(role=Role.FUNDER), testimonial=testimonial)


def test_who_reads_testimonials(programme, coordinator):
    ChosenTestimonialFactory(programme=programme)
    assert Chosen.objects.visible_to(coordinator).count() == 1
    assert Chosen.objects.visible_to(lead_user()).count() == 1
    for role in (Role.FUNDER, Role.RESEARCHER, Role.ENTREPRENEUR, Role.ADMINISTRATOR):
        assert not Chosen.objects.visible_to(UserFactory(role=role)).exists()


def test_an_erased_followup_gives_no_testimonial():
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from peer_support.enums import ErasureReason
    from research.services.testimonials import testimonial_add
    from tests.members.factories import ProgrammeFactory
    from tests.peer_support.factories import FollowUpFactory, lead_user

    programme = ProgrammeFactory()
    followup = FollowUpFactory(programme=programme)
    followup.__class__.objects.filter(pk=followup.pk).update(
        erased_at=timezone.now(),
        erasure_reason=ErasureReason.PERSON_REQUEST,
        pseudonym="",
        birth_year=None,
        commune="",
        postcode="",
    )
    followup.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        testimonial_add(
            actor=lead_user(),
            programme=programme,
            text="Le groupe m'a redonné confiance.",
            changed_first_name="Camille",
            consent_given_on=timezone.localdate(),
            consent_explanation="Pour le rapport au financeur, sous un autre prénom.",
            followup=followup,
        )
    assert "effacé" in str(refused.value)
