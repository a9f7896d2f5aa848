import datetime

import pytest
from django.db.models import F
from django.utils import timezone

from coop.celery import app
from members.models import User
from peer_support import tasks
from peer_support.enums import ReferralStatus
from peer_support.models import REFERRAL_MAX_REMINDERS, REFERRAL_REMIND_AFTER_DAYS, Referral
from peer_support.services import referral_remind_due
from tests.peer_support.factories import (
    FollowUpFactory,
    PeerMediatorFactory,
    ReferralFactory,
    days_ago,
)

pytestmark = pytest.mark.django_db


def _unanswered(days: int, **kwargs) -> Referral:
    return ReferralFactory(sent_on=days_ago(days), consent_given_on=days_ago(days), **kwargs)


def test_reminder_of_an_unanswered_referral_is_sent_once(mailoutbox):
    referral = _unanswered(REFERRAL_REMIND_AFTER_DAYS)
    _unanswered(REFERRAL_REMIND_AFTER_DAYS - 1)  # not yet
    assert tasks.remind_unanswered_referrals.delay().get() == 1
    # The beat runs it again the same day (or two workers at once): nothing more.
    assert tasks.remind_unanswered_referrals.delay().get() == 0
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    followup = referral.followup
    assert message.to == [referral.sent_by.email]
    assert f"suivi n° {followup.pk}" in message.subject
    assert f"{referral.sent_on:%d/%m/%Y}" in message.body
    assert "depuis 14 jours" in message.body
    # An e-mail leaves the platform: no name, no partner, nothing of the referral.
    for secret in (followup.pseudonym, referral.partner_name, referral.shared_info, "CSAPA"):
        assert secret not in message.body and secret not in message.subject
    referral.refresh_from_db()
    assert (referral.reminders_sent, referral.last_reminded_on) == (1, timezone.localdate())


def test_reminders_come_back_every_fortnight_three_times_at_most(mailoutbox):
    referral = _unanswered(100)
    today = timezone.localdate()
    for week in range(0, 12):
        referral_remind_due(today=today + datetime.timedelta(weeks=week))
    referral.refresh_from_db()
    assert referral.reminders_sent == REFERRAL_MAX_REMINDERS == len(mailoutbox)
    assert referral.last_reminded_on == today + datetime.timedelta(weeks=4)


def test_no_reminder_once_answered_or_closed(mailoutbox):
    answered = _unanswered(30)
    Referral.objects.filter(pk=answered.pk).update(
        status=ReferralStatus.ACCEPTED, answered_on=days_ago(1)
    )
    _unanswered(30, followup=FollowUpFactory(closed=True, closed_on=days_ago(1)))
    _unanswered(30, followup=FollowUpFactory(erased=True))
    assert referral_remind_due() == 0
    assert mailoutbox == []


def test_a_claim_lost_to_another_worker_sends_nothing(mailoutbox, monkeypatch):
    """Two workers list the same referral; the second's conditional update finds it
    already counted and sends nothing."""
    referral = _unanswered(20)
    real_filter = Referral.objects.reminder_due

    def listed_then_claimed_elsewhere(**kwargs):
        listed = list(real_filter(**kwargs))
        Referral.objects.filter(pk=referral.pk).update(
            reminders_sent=F("reminders_sent") + 1, last_reminded_on=kwargs["today"]
        )
        return Referral.objects.filter(pk__in=[row.pk for row in listed])

    monkeypatch.setattr(Referral.objects, "reminder_due", listed_then_claimed_elsewhere)
    assert referral_remind_due() == 0
    assert mailoutbox == []


def test_the_reminder_goes_to_the_main_mediator_when_the_sender_left(mailoutbox):
    colleague = PeerMediatorFactory()
    followup = FollowUpFactory(with_comediator=colleague)
    referral = _unanswered(20, followup=followup, sent_by=colleague.user)
    assert referral_remind_due() == 1
    assert mailoutbox[-1].to == [colleague.user.email]
    followup.comediations.all().delete()
    Referral.objects.filter(pk=referral.pk).update(last_reminded_on=days_ago(20))
    assert referral_remind_due() == 1
    assert mailoutbox[-1].to == [followup.mediator.user.email]
    # Nobody left to remind: the reminder is counted, nothing is sent.
    User.objects.filter(pk=followup.mediator.user_id).update(is_active=False)
    Referral.objects.filter(pk=referral.pk).update(last_reminded_on=days_ago(20))
    assert referral_remind_due() == 0
    assert len(mailoutbox) == 2


def test_retention_task_runs_twice_anonymises_once():
    closed_on = timezone.localdate() - datetime.timedelta(days=800)
    followup = FollowUpFactory(
        opened_on=closed_on - datetime.timedelta(days=30), closed=True, closed_on=closed_on
    )
    assert tasks.anonymise_expired_followups.delay().get() == 1
    assert tasks.anonymise_expired_followups.delay().get() == 0
    followup.refresh_from_db()
    assert followup.is_erased


def test_both_tasks_are_in_the_beat_schedule():
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "peer_support.tasks.anonymise_expired_followups",
        "peer_support.tasks.remind_unanswered_referrals",
    } <= scheduled
