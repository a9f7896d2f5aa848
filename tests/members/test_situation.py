"""An entrepreneur's situation at entry, at the exit, 28 days and 6 months after: the
model's invariants, the service's rules (refused with a French message), rectification,
and the seed step."""

import datetime
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import PROTECT
from django.utils import timezone
from faker import Faker

from coop.seed import seed_programmes
from members import services
from members.enums import ConsentScope, Resource, Role, SituationCheckpoint
from members.models import Member, MemberSituation
from members.seed import seed_members, seed_path
from members.seed.situation import seed_situations
from members.services.situation import situation_opens_on, situation_record
from peer_support.enums import Resource as FollowUpResource
from tests.members.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)


def _today():
    return timezone.localdate()


def _exited(days_ago: int = 400) -> Member:
    """A member who left `days_ago` days ago, after an information meeting 800 days ago."""
    member = MemberFactory(information_meeting_on=_today() - datetime.timedelta(days=800))
    services.member_exit(
        actor=member.coordinator,
        member=member,
        on=_today() - datetime.timedelta(days=days_ago),
        reason="employment",
    )
    member.refresh_from_db()
    return member


def _record(member, checkpoint, recorded_on, resource=Resource.RSA, actor=None):
    return situation_record(
        actor=actor or member.coordinator,
        member=member,
        checkpoint=checkpoint,
        recorded_on=recorded_on,
        resource=resource,
    )


def _messages(error: ValidationError, field: str) -> list[str]:
    return error.value.message_dict[field]


def test_resources_have_the_keys_of_the_accompanied_people():
    """Research sets both side by side: the same keys, in the same order."""
    assert Resource.values == FollowUpResource.values


# --- the model ------------------------------------------------------------------------


def test_one_situation_per_checkpoint_in_the_database():
    member = MemberFactory()
    _record(member, SituationCheckpoint.ENTRY, member.information_meeting_on)
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberSituation.objects.create(
            member=member,
            checkpoint=SituationCheckpoint.ENTRY,
            recorded_on=_today(),
            resource=Resource.AAH,
            recorded_by=member.coordinator,
        )


def test_unknown_answers_are_refused_by_the_database():
    member = MemberFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberSituation.objects.create(
            member=member,
            checkpoint=SituationCheckpoint.ENTRY,
            recorded_on=_today(),
            resource="lottery",
            recorded_by=member.coordinator,
        )


def test_a_member_with_situations_is_never_silently_removed():
    # Asserted on the field, not by deleting: a delete collects every related model.
    assert MemberSituation._meta.get_field("member").remote_field.on_delete is PROTECT


def test_for_research_keeps_only_consent_in_force():
    consenting, never, withdrawn = MemberFactory(), MemberFactory(), MemberFactory()
    for member in (consenting, never, withdrawn):
        _record(member, SituationCheckpoint.ENTRY, member.information_meeting_on)
    for member in (consenting, withdrawn):
        services.consent_record(
            actor=member.coordinator,
            member=member,
            scope=ConsentScope.RESEARCH,
            given_on=member.information_meeting_on,
            explanation="Des chiffres anonymes.",
        )
    consent = withdrawn.consents.get()
    services.consent_withdraw(actor=withdrawn.coordinator, consent=consent, on=_today())
    kept = MemberSituation.objects.for_research()
    assert list(kept.values_list("member", flat=True)) == [consenting.pk]


# --- the service ----------------------------------------------------------------------


def test_record_the_situation_at_entry():
    member = MemberFactory()
    situation = _record(member, SituationCheckpoint.ENTRY, _today(), Resource.AAH)
    situation.refresh_from_db()
    assert situation.member == member
    assert situation.checkpoint == SituationCheckpoint.ENTRY
    assert situation.resource == Resource.AAH
    assert situation.recorded_on == _today()
    assert situation.recorded_by == member.coordinator
    assert situation.rectified_at is None


def test_recording_a_checkpoint_again_rectifies_it():
    member = MemberFactory()
    first = _record(member, SituationCheckpoint.ENTRY, _today() - ONE_DAY, Resource.RSA)
    other = UserFactory(role=Role.COORDINATOR)
    again = _record(member, SituationCheckpoint.ENTRY, _today(), Resource.NONE, actor=other)
    assert again.pk == first.pk
    again.refresh_from_db()
    assert (again.resource, again.recorded_on, again.recorded_by) == (
        Resource.NONE,
        _today(),
        other,
    )
    assert again.rectified_at is not None
    assert MemberSituation.objects.count() == 1


def test_entry_before_the_information_meeting_is_refused():
    member = MemberFactory()
    with pytest.raises(ValidationError) as error:
        _record(member, SituationCheckpoint.ENTRY, member.information_meeting_on - ONE_DAY)
    date = member.information_meeting_on.strftime("%d/%m/%Y")
    assert _messages(error, "recorded_on") == [
        f"La situation à l'entrée se recueille à partir de la réunion d'information (le {date})."
    ]
    assert not MemberSituation.objects.exists()


def test_entry_after_the_exit_is_refused():
    member = _exited(days_ago=100)
    with pytest.raises(ValidationError) as error:
        _record(member, SituationCheckpoint.ENTRY, member.exited_on + ONE_DAY)
    assert "avant la sortie" in _messages(error, "recorded_on")[0]


def test_a_future_date_is_refused():
    member = MemberFactory()
    with pytest.raises(ValidationError) as error:
        _record(member, SituationCheckpoint.ENTRY, _today() + ONE_DAY)
    assert _messages(error, "recorded_on") == ["La date de recueil ne peut pas être future."]


@pytest.mark.parametrize(
    "checkpoint",
    [SituationCheckpoint.EXIT, SituationCheckpoint.DAY_28, SituationCheckpoint.MONTH_6],
)
def test_a_later_checkpoint_before_the_exit_is_refused(checkpoint):
    member = MemberFactory(path="cesa")
    with pytest.raises(ValidationError) as error:
        _record(member, checkpoint, _today())
    assert _messages(error, "checkpoint") == [
        f"La situation « {checkpoint.label} » se recueille une fois la sortie enregistrée : "
        "enregistrez d'abord la sortie dans le parcours."
    ]
    assert not MemberSituation.objects.exists()


@pytest.mark.parametrize(
    ("checkpoint", "first_day"),
    [
        (SituationCheckpoint.EXIT, -14),
        (SituationCheckpoint.DAY_28, 21),
        (SituationCheckpoint.MONTH_6, 168),
    ],
)
def test_a_later_checkpoint_opens_on_its_first_day(checkpoint, first_day):
    member = _exited(days_ago=400)
    opens_on = member.exited_on + datetime.timedelta(days=first_day)
    assert situation_opens_on(member, checkpoint) == opens_on
    with pytest.raises(ValidationError) as error:
        _record(member, checkpoint, opens_on - ONE_DAY)
    assert _messages(error, "recorded_on") == [
        f"La situation « {checkpoint.label} » se recueille à partir du {opens_on:%d/%m/%Y}."
    ]
    situation = _record(member, checkpoint, opens_on, Resource.EMPLOYMENT)
    assert situation.checkpoint == checkpoint


def test_the_exit_situation_never_opens_before_the_information_meeting():
    member = MemberFactory(information_meeting_on=_today() - datetime.timedelta(days=5))
    services.member_exit(actor=member.coordinator, member=member, on=_today(), reason="health")
    member.refresh_from_db()
    assert situation_opens_on(member, SituationCheckpoint.EXIT) == member.information_meeting_on


def test_unknown_answers_are_refused_in_french():
    member = MemberFactory()
    with pytest.raises(ValidationError) as error:
        situation_record(
            actor=member.coordinator,
            member=member,
            checkpoint="someday",
            recorded_on=_today(),
            resource="lottery",
        )
    assert _messages(error, "checkpoint") == ["Choisissez le moment de la situation."]
    assert _messages(error, "resource") == ["Choisissez une réponse (ou « Non renseigné »)."]


@pytest.mark.parametrize("role", [r for r in Role if r != Role.COORDINATOR])
def test_only_a_coordinator_records_a_situation(role):
    member = MemberFactory()
    with pytest.raises(PermissionDenied):
        _record(member, SituationCheckpoint.ENTRY, _today(), actor=UserFactory(role=role))
    assert not MemberSituation.objects.exists()


# --- the seed step --------------------------------------------------------------------


def _seed(size: str, scale: float = 1.0):
    rng, faker = random.Random(2026), Faker("fr_FR")
    faker.seed_instance(2026)
    seed_members(rng=rng, faker=faker, size=size, scale=scale)
    seed_programmes(rng=rng, faker=faker, size=size)
    seed_path(rng=rng, faker=faker, size=size, scale=scale)
    seed_situations(rng=rng, faker=faker, size=size)


def _assert_seeded_situations_follow_the_rules():
    today = _today()
    situations = MemberSituation.objects.select_related("member")
    assert situations.exists()
    for situation in situations:
        member, checkpoint = situation.member, SituationCheckpoint(situation.checkpoint)
        opens_on = situation_opens_on(member, checkpoint)
        assert opens_on is not None
        assert opens_on <= situation.recorded_on <= today
        if checkpoint == SituationCheckpoint.ENTRY and member.exited_on:
            assert situation.recorded_on <= member.exited_on


def test_demo_seed_records_situations_through_the_service(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    _seed("demo")
    _assert_seeded_situations_follow_the_rules()
    members = Member.objects.count()
    entries = MemberSituation.objects.filter(checkpoint=SituationCheckpoint.ENTRY).count()
    assert members * 0.6 < entries <= members
    # Only people who left have a situation after leaving; some of them have one.
    later = MemberSituation.objects.exclude(checkpoint=SituationCheckpoint.ENTRY)
    assert later.exists()
    assert not later.filter(member__exited_on__isnull=True).exists()


def test_large_seed_writes_the_same_rules_in_bulk(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    _seed("large", scale=0.05)
    _assert_seeded_situations_follow_the_rules()
    checkpoints = set(MemberSituation.objects.values_list("checkpoint", flat=True))
    assert checkpoints == set(SituationCheckpoint.values)
