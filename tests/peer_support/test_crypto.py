import uuid

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from coop.checks import check_encryption_keys
from peer_support import crypto, services
from peer_support.enums import GoalKind, GoalStatus, Outcome, PartnerKind, ReferralStatus
from peer_support.fields import EncryptedTextField
from peer_support.management.commands.peer_support_rotate_keys import encrypted_fields
from peer_support.models import (
    Consent,
    FollowUp,
    Goal,
    GoalProgress,
    Meeting,
    PeerWorkshop,
    Referral,
)
from tests.peer_support.factories import (
    FollowUpFactory,
    MeetingFactory,
    PeerMediatorFactory,
    days_ago,
)

pytestmark = pytest.mark.django_db

# Every encrypted column of the app, with the clear text a test writes into it.
TEXTS = {
    (FollowUp, "pseudonym"): "Mireille-Zoé",
    (FollowUp, "outcome_note"): "Relais pris par le CMP de Bagnolet, elle va mieux.",
    (Consent, "explanation"): "Expliqué : qui lit le suivi, ses droits, la durée.",
    (Goal, "free_text"): "Revoir mes enfants le week-end",
    (GoalProgress, "note"): "Premier week-end chez sa sœur avec les enfants.",
    (Meeting, "note"): "Rechute la semaine dernière, honte, pas de reproche.",
    (Meeting, "next_steps"): "Rendez-vous au CSAPA jeudi, je l'accompagne.",
    (Referral, "partner_name"): "CSAPA La Corde Raide",
    (Referral, "shared_info"): "Consommation d'héroïne, demande de méthadone.",
    (Referral, "refusal_reason"): "Pas de place avant trois mois.",
    (PeerWorkshop, "note"): "Groupe soudé, beaucoup de rires.",
}


def _write_every_encrypted_field():
    mediator = PeerMediatorFactory()
    user = mediator.user
    followup = services.followup_open(
        actor=user,
        pseudonym=TEXTS[FollowUp, "pseudonym"],
        birth_year=1979,
        gender="woman",
        commune="Bagnolet",
        postcode="93170",
        arrival_route="addiction_care",
        opened_on=days_ago(60),
        housing="emergency",
        resource="rsa",
        care_follow_up="interrupted",
        consent_given_on=days_ago(60),
        consent_explanation=TEXTS[Consent, "explanation"],
    )
    goal = services.goal_set(
        actor=user,
        followup=followup,
        kind=GoalKind.FREE,
        free_text=TEXTS[Goal, "free_text"],
        set_on=days_ago(50),
    )
    services.goal_progress_record(
        actor=user,
        goal=goal,
        status=GoalStatus.IN_PROGRESS,
        on=days_ago(20),
        note=TEXTS[GoalProgress, "note"],
    )
    services.meeting_log(
        actor=user,
        followup=followup,
        client_token=uuid.uuid4(),
        date=days_ago(10),
        duration_minutes=45,
        mode="outside",
        note=TEXTS[Meeting, "note"],
        next_steps=TEXTS[Meeting, "next_steps"],
    )
    referral = services.referral_send(
        actor=user,
        followup=followup,
        partner_kind=PartnerKind.ADDICTION_CARE,
        partner_name=TEXTS[Referral, "partner_name"],
        consent_given_on=days_ago(9),
        shared_info=TEXTS[Referral, "shared_info"],
        sent_on=days_ago(9),
    )
    services.referral_answer(
        actor=user,
        referral=referral,
        status=ReferralStatus.REFUSED,
        answered_on=days_ago(5),
        refusal_reason=TEXTS[Referral, "refusal_reason"],
    )
    services.followup_close(
        actor=user,
        followup=followup,
        closed_on=days_ago(1),
        outcome=Outcome.RELAY,
        outcome_note=TEXTS[FollowUp, "outcome_note"],
    )
    services.workshop_create(
        actor=user,
        kind="peer_to_peer",
        title="Parler de la honte",
        date=days_ago(3),
        duration_minutes=90,
        note=TEXTS[PeerWorkshop, "note"],
    )
    return followup


def _raw(model, field: str) -> list[str]:
    """The column as the database holds it, read without the ORM."""
    column = model._meta.get_field(field).column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {quote(model._meta.db_table)}")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def test_every_free_text_is_encrypted_in_the_database():
    _write_every_encrypted_field()
    # The test covers every encrypted column of peer support (the research app's, the
    # answers of accompanied people and the extracts' keys, are tested with it).
    declared = {
        (model, name)
        for model, names in encrypted_fields()
        for name in names
        if model._meta.app_label == "peer_support"
    }
    assert declared == set(TEXTS)
    for (model, field), text in TEXTS.items():
        stored = [value for value in _raw(model, field) if value]
        assert stored, f"{model.__name__}.{field} was not written"
        for value in stored:
            assert text not in value
            assert text.split()[0] not in value
            # A Fernet token: version byte 0x80, url-safe base64.
            assert value.startswith("gAAAAA")
        # The ORM gives the clear text back.
        assert text in set(model.objects.values_list(field, flat=True))


def test_empty_text_stays_empty_and_is_the_only_comparison():
    meeting = MeetingFactory(note="", next_steps="Rappeler vendredi")
    assert _raw(Meeting, "note") == [""]
    assert Meeting.objects.filter(note="").get() == meeting
    assert not Meeting.objects.filter(next_steps="").exists()
    with pytest.raises(FieldError):
        list(Meeting.objects.filter(next_steps="Rappeler vendredi"))
    with pytest.raises(FieldError):
        list(Meeting.objects.filter(next_steps__icontains="vendredi"))


def test_length_is_checked_on_the_clear_text():
    followup = FollowUpFactory.build(pseudonym="x" * 101)
    with pytest.raises(ValidationError) as error:
        followup.clean_fields(exclude=["mediator", "created_by"])
    assert "pseudonym" in error.value.message_dict
    assert EncryptedTextField(max_length=10).formfield().max_length == 10


def test_a_value_no_key_decrypts_says_which_column():
    MeetingFactory(note="Une note confidentielle")
    other_key = Fernet.generate_key().decode()
    with (
        override_settings(ENCRYPTION_KEYS=[other_key]),
        pytest.raises(crypto.DecryptionError, match="peer_support.Meeting.note"),
    ):
        Meeting.objects.get()


def test_missing_or_malformed_keys_stop_early():
    with override_settings(ENCRYPTION_KEYS=[]):
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt("x")
        assert [error.id for error in check_encryption_keys(None)] == ["coop.E002"]
    with override_settings(ENCRYPTION_KEYS=["not-a-key"]):
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt("x")
        assert [error.id for error in check_encryption_keys(None)] == ["coop.E004"]
    assert check_encryption_keys(None) == []


def test_rotation_re_encrypts_everything_with_the_new_key(capsys):
    old_key = settings.ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    followup = _write_every_encrypted_field()
    before = {key: _raw(*key) for key in TEXTS}

    with override_settings(ENCRYPTION_KEYS=[new_key, old_key]):
        # The site keeps working with both keys, before and after the rotation.
        assert FollowUp.objects.get(pk=followup.pk).pseudonym == TEXTS[FollowUp, "pseudonym"]
        call_command("peer_support_rotate_keys", "--batch-size", "1")
        output = capsys.readouterr().out
        assert "peer_support.Meeting: 1 rows re-encrypted, 0 already current" in output
        call_command("peer_support_rotate_keys")
        assert "Done: 0 rows re-encrypted." in capsys.readouterr().out

    with override_settings(ENCRYPTION_KEYS=[new_key]):
        for (model, field), text in TEXTS.items():
            assert text in set(model.objects.values_list(field, flat=True))
            after = [value for value in _raw(model, field) if value]
            assert not set(after) & set(before[model, field])
            for value in after:
                assert crypto.is_current(value)


def test_rotation_stops_on_a_value_no_key_decrypts():
    MeetingFactory(note="Écrite avec une clé perdue")
    other_key = Fernet.generate_key().decode()
    with (
        override_settings(ENCRYPTION_KEYS=[other_key]),
        pytest.raises(CommandError, match=r"peer_support_\w+ row \d+ cannot be decrypted"),
    ):
        call_command("peer_support_rotate_keys")


def test_fernet_token_keeps_no_trace_of_equal_texts():
    """The same note twice gives two different tokens: equal notes are not revealed."""
    MeetingFactory(note="Même texte")
    MeetingFactory(note="Même texte")
    first, second = _raw(Meeting, "note")
    assert first != second
