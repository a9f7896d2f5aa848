"""Celery tasks of the structure surveys."""

from celery import shared_task

from research.services.surveys import survey_reminders_send_due

__all__ = ["survey_reminders_send"]


@shared_task
def survey_reminders_send() -> int:
    """The reminders of the surveys of partner structures (beat: every morning). Safe to
    run twice: each reminder step of a structure is claimed once (research.services.surveys)."""
    return survey_reminders_send_due()
