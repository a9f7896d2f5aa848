"""Periodic work of the peer-support app (Celery beat, see coop/celery.py). Each task
calls a service that claims its rows with a conditional update: safe to run twice."""

from celery import shared_task

from peer_support.services import followups_anonymise_expired, referral_remind_due


@shared_task
def anonymise_expired_followups() -> int:
    """The retention rule: anonymise the follow-ups closed more than
    PEER_SUPPORT_RETENTION_YEARS ago (daily)."""
    return followups_anonymise_expired()


@shared_task
def remind_unanswered_referrals() -> int:
    """Remind mediators of referrals still waiting for the partner's answer (daily)."""
    return referral_remind_due()
