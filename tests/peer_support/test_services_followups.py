import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from members.enums import Role, Stage
from members.models import Member
from peer_support import services
from peer_support.enums import (
    AccessAction,
    AgeBand,
    Checkpoint,
    ConsentScope,
    Outcome,
)
from peer_support.models import AccessLog, CoMediator, FollowUp
from tests.members.factories import ProgrammeFactory, UserFactory
from tests.peer_support.factories import (
    FollowUpFactory,
    MeetingFactory,
    PeerMediatorFactory,
    days_ago,
    lead_user,
)

pytestmark = pytest.mark.django_db


def _open(user, **overrides):
    fields = {
        "pseudonym": "  Karim ",
        "birth_year": 1988,
        "gender": "man",
        "commune": "Saint-Denis",
        "postcode": "93200",
        "arrival_route": "psychiatric_service",
        "opened_on": days_ago(3),
        "housing": "supported",
        "resource": "aah",
        "care_follow_up": "mental_health",
        "consent_given_on": days_ago(3),
        "consent_explanation": "Ce qui est noté, qui le lit, ses droits d'accès et d'effacement.",
    }
    return services.followup_open(actor=user, **(fields | overrides))


def _log(followup):
    return list(
        AccessLog.objects.filter(followup=followup)
        .order_by("pk")
        .values_list("actor", "action", "record_type", "fields")
    )


def test_a_mediator_opens_a_follow_up_with_consent_and_entry_situation():
    mediator = PeerMediatorFactory()
    programme = ProgrammeFactory()
    followup = _open(
        mediator.user,
        programme=programme,
        research_consent_given_on=days_ago(3),
        research_consent_explanation="Des chiffres anonymes, retrait possible.",
    )
    followup.refresh_from_db()
    assert followup.mediator == mediator
    assert followup.pseudonym == "Karim"
    assert followup.department == "93"
    assert followup.age_band == AgeBand.of(1988, days_ago(3).year)
    assert followup.programme == programme
    entry = followup.situations.get()
    assert (entry.checkpoint, entry.recorded_on, entry.housing, entry.resource) == (
        Checkpoint.ENTRY,
        days_ago(3),
        "supported",
        "aah",
    )
    assert set(followup.consents.in_force().values_list("scope", flat=True)) == {
        ConsentScope.PROCESSING,
        ConsentScope.RESEARCH,
    }
    assert _log(followup) == [(mediator.user_id, AccessAction.CREATE, "peer_support.followup", "")]


def test_opening_without_research_consent_leaves_the_person_out_of_research():
    followup = _open(PeerMediatorFactory().user)
    assert not FollowUp.objects.for_research().filter(pk=followup.pk).exists()


def test_opening_refuses_bad_input_with_french_messages():
    user = PeerMediatorFactory().user
    with pytest.raises(ValidationError) as error:
        _open(
            user,
            pseudonym="   ",
            birth_year=1890,
            postcode="931",
            arrival_route="",
            housing="",
            opened_on=days_ago(-1),
            consent_explanation=" ",
            consent_given_on=days_ago(-2),
            commune="x" * 121,
        )
    messages = error.value.message_dict
    assert set(messages) == {
        "commune",
        "pseudonym",
        "birth_year",
        "postcode",
        "arrival_route",
        "housing",
        "opened_on",
        "consent_explanation",
        "consent_given_on",
    }
    assert messages["pseudonym"] == ["Indiquez un prénom ou un pseudonyme."]
    assert messages["opened_on"] == ["Le début du suivi ne peut pas être dans le futur."]
    # The consent comes first: not after the opening.
    with pytest.raises(ValidationError) as error:
        _open(user, consent_given_on=days_ago(1), opened_on=days_ago(3))
    assert "consent_given_on" in error.value.message_dict
    # A research consent needs its explanation.
    with pytest.raises(ValidationError) as error:
        _open(user, research_consent_given_on=days_ago(3))
    assert "research_consent_explanation" in error.value.message_dict
    # A programme that does not run at the opening date.
    ended = ProgrammeFactory(starts_on=days_ago(900), ends_on=days_ago(400))
    with pytest.raises(ValidationError) as error:
        _open(user, programme=ended)
    assert "programme" in error.value.message_dict
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize(
    "role", [Role.PEER_SUPPORT_LEAD, Role.COORDINATOR, Role.ENTREPRENEUR, Role.ADMINISTRATOR]
)
def test_only_a_peer_mediator_opens_a_follow_up(role):
    with pytest.raises(PermissionDenied):
        _open(UserFactory(role=role))


def test_reading_and_listing_write_the_access_log():
    followup = FollowUpFactory()
    other = FollowUpFactory(mediator=followup.mediator)
    user = followup.mediator.user
    services.followup_read(actor=user, followup=followup)
    assert services.followup_list_read(actor=user, followups=[followup, other]) == 2
    assert _log(followup) == [
        (user.pk, AccessAction.VIEW, "peer_support.followup", ""),
        (user.pk, AccessAction.LIST, "peer_support.followup", ""),
    ]
    with pytest.raises(PermissionDenied):
        services.followup_read(actor=PeerMediatorFactory().user, followup=followup)


def test_rectify_changes_only_what_is_given_and_logs_the_field_names():
    followup = FollowUpFactory(pseudonym="Nadia", birth_year=1984)
    user = followup.mediator.user
    services.followup_update(
        actor=user,
        followup=followup,
        pseudonym="Nadia B.",
        birth_year=1994,
        postcode="75019",
        commune="Paris 19e",
        housing="stable",
        gender=followup.gender,
    )
    followup.refresh_from_db()
    assert (followup.pseudonym, followup.department) == ("Nadia B.", "75")
    assert followup.age_band == AgeBand.of(1994, followup.opened_on.year)
    assert followup.situations.get(checkpoint=Checkpoint.ENTRY).housing == "stable"
    assert _log(followup)[-1] == (
        user.pk,
        AccessAction.CHANGE,
        "peer_support.followup",
        "birth_year,commune,housing,postcode,pseudonym",
    )
    # Nothing changed: nothing logged.
    count = AccessLog.objects.count()
    services.followup_update(actor=user, followup=followup, pseudonym="Nadia B.")
    assert AccessLog.objects.count() == count
    with pytest.raises(TypeError):
        services.followup_update(actor=user, followup=followup, mediator=followup.mediator)


def test_rectify_keeps_the_dates_coherent():
    followup = FollowUpFactory()
    MeetingFactory(followup=followup, date=days_ago(100))
    user = followup.mediator.user
    with pytest.raises(ValidationError) as error:
        services.followup_update(actor=user, followup=followup, opened_on=days_ago(90))
    assert error.value.message_dict["opened_on"][0].startswith("Une rencontre a eu lieu avant")
    services.followup_update(actor=user, followup=followup, opened_on=days_ago(150))
    assert followup.situations.get(checkpoint=Checkpoint.ENTRY).recorded_on == days_ago(150)


def test_the_lead_rectifies_a_colleague_does_not():
    followup = FollowUpFactory()
    services.followup_update(actor=lead_user(), followup=followup, gender="non_binary")
    with pytest.raises(PermissionDenied):
        services.followup_update(
            actor=PeerMediatorFactory().user, followup=followup, gender="woman"
        )
    with pytest.raises(PermissionDenied):
        services.followup_update(
            actor=lead_user(), followup=FollowUpFactory(erased=True), gender="woman"
        )


def test_close_with_an_outcome_not_before_the_last_meeting():
    followup = FollowUpFactory()
    MeetingFactory(followup=followup, date=days_ago(5))
    user = followup.mediator.user
    with pytest.raises(ValidationError) as error:
        services.followup_close(
            actor=user, followup=followup, closed_on=days_ago(6), outcome=Outcome.RELAY
        )
    assert "dernière rencontre" in error.value.message_dict["closed_on"][0]
    with pytest.raises(ValidationError) as error:
        services.followup_close(actor=user, followup=followup, closed_on=days_ago(1), outcome="")
    assert "outcome" in error.value.message_dict
    services.followup_close(
        actor=user,
        followup=followup,
        closed_on=days_ago(1),
        outcome=Outcome.RELAY,
        outcome_note="  Le CMP prend le relais. ",
    )
    followup.refresh_from_db()
    assert (followup.closed_on, followup.outcome, followup.outcome_note) == (
        days_ago(1),
        Outcome.RELAY,
        "Le CMP prend le relais.",
    )
    assert _log(followup)[-1][1:] == (
        AccessAction.CHANGE,
        "peer_support.followup",
        "closed_on,outcome,outcome_note",
    )
    # Closed: not closed again, and nothing more is logged on it.
    with pytest.raises(PermissionDenied):
        services.followup_close(
            actor=user, followup=followup, closed_on=days_ago(0), outcome=Outcome.RELAY
        )


def test_transfer_to_another_mediator_by_the_lead():
    followup = FollowUpFactory(with_comediator=True)
    comediator = followup.comediations.get().member
    former = followup.mediator
    with pytest.raises(PermissionDenied):
        services.followup_transfer(actor=former.user, followup=followup, mediator=comediator)
    lead = lead_user()
    services.followup_transfer(actor=lead, followup=followup, mediator=comediator)
    followup.refresh_from_db()
    assert followup.mediator == comediator
    assert not followup.comediations.exists()
    assert not FollowUp.objects.visible_to(former.user).exists()
    assert FollowUp.objects.visible_to(comediator.user).get() == followup
    plain = Member.objects.filter(pk=PeerMediatorFactory().pk)
    plain.update(is_peer_mediator=False)
    with pytest.raises(ValidationError):
        services.followup_transfer(actor=lead, followup=followup, mediator=plain.get())
    with pytest.raises(ValidationError):
        services.followup_transfer(actor=lead, followup=followup, mediator=comediator)


def test_comediators_added_and_removed_by_the_main_mediator():
    followup = FollowUpFactory()
    user = followup.mediator.user
    colleague = PeerMediatorFactory()
    services.comediator_add(actor=user, followup=followup, member=colleague)
    assert FollowUp.objects.visible_to(colleague.user).get() == followup
    with pytest.raises(ValidationError):
        services.comediator_add(actor=user, followup=followup, member=colleague)
    with pytest.raises(ValidationError):
        services.comediator_add(actor=user, followup=followup, member=followup.mediator)
    # A co-mediator does not choose the team.
    with pytest.raises(PermissionDenied):
        services.comediator_add(
            actor=colleague.user, followup=followup, member=PeerMediatorFactory()
        )
    left = PeerMediatorFactory(path="exited")
    assert left.stage == Stage.EXITED
    with pytest.raises(ValidationError):
        services.comediator_add(actor=user, followup=followup, member=left)
    services.comediator_remove(actor=user, followup=followup, member=colleague)
    assert not CoMediator.objects.exists()
    assert not FollowUp.objects.visible_to(colleague.user).exists()
    with pytest.raises(ValidationError):
        services.comediator_remove(actor=user, followup=followup, member=colleague)
    assert [row[3] for row in _log(followup)] == ["comediators", "comediators"]


def test_later_situations_after_closing():
    followup = FollowUpFactory(closed=True, closed_on=days_ago(200), opened_on=days_ago(400))
    user = followup.mediator.user
    fields = {"housing": "stable", "resource": "employment", "care_follow_up": "addiction"}
    day_28 = services.followup_record_later_situation(
        actor=user,
        followup=followup,
        checkpoint=Checkpoint.DAY_28,
        recorded_on=days_ago(170),
        **fields,
    )
    assert day_28.checkpoint == Checkpoint.DAY_28
    # Recorded again: rectified, not duplicated.
    services.followup_record_later_situation(
        actor=user,
        followup=followup,
        checkpoint=Checkpoint.DAY_28,
        recorded_on=days_ago(171),
        **(fields | {"housing": "family_or_friends"}),
    )
    assert followup.situations.get(checkpoint=Checkpoint.DAY_28).housing == "family_or_friends"
    assert [row[1] for row in _log(followup)] == [AccessAction.CREATE, AccessAction.CHANGE]
    with pytest.raises(ValidationError) as error:
        services.followup_record_later_situation(
            actor=user,
            followup=followup,
            checkpoint=Checkpoint.MONTH_6,
            recorded_on=days_ago(190),
            **fields,
        )
    assert "à partir du" in error.value.message_dict["recorded_on"][0]
    with pytest.raises(ValidationError):
        services.followup_record_later_situation(
            actor=user,
            followup=followup,
            checkpoint=Checkpoint.ENTRY,
            recorded_on=days_ago(1),
            **fields,
        )
    running = FollowUpFactory(mediator=followup.mediator)
    with pytest.raises(ValidationError):
        services.followup_record_later_situation(
            actor=user,
            followup=running,
            checkpoint=Checkpoint.DAY_28,
            recorded_on=days_ago(1),
            **fields,
        )


def test_research_consent_withdrawn_then_given_again():
    followup = FollowUpFactory()
    user = followup.mediator.user
    assert FollowUp.objects.for_research().filter(pk=followup.pk).exists()
    with pytest.raises(ValidationError):
        services.research_consent_record(
            actor=user, followup=followup, given_on=days_ago(1), explanation="Encore"
        )
    with pytest.raises(ValidationError) as error:
        services.research_consent_withdraw(
            actor=user, followup=followup, on=followup.opened_on - datetime.timedelta(days=1)
        )
    assert "on" in error.value.message_dict
    consent = services.research_consent_withdraw(actor=user, followup=followup, on=days_ago(2))
    assert consent.withdrawn_on == days_ago(2)
    assert not FollowUp.objects.for_research().filter(pk=followup.pk).exists()
    with pytest.raises(ValidationError):
        services.research_consent_withdraw(actor=user, followup=followup, on=days_ago(1))
    services.research_consent_record(
        actor=user, followup=followup, given_on=timezone.localdate(), explanation="Redonné"
    )
    assert FollowUp.objects.for_research().filter(pk=followup.pk).exists()
    assert followup.consents.filter(scope=ConsentScope.RESEARCH).count() == 2
    with pytest.raises(PermissionDenied):
        services.research_consent_withdraw(
            actor=PeerMediatorFactory().user, followup=followup, on=days_ago(0)
        )
