"""Celery tasks of the monthly reports. They take ids, call the services (which are
safe to run twice) and never produce a report twice."""

import logging

from celery import shared_task
from django.utils import timezone
from kombu.exceptions import OperationalError

from research.enums import SnapshotStatus
from research.services import snapshots

logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs) -> bool:
    """Queue a task; when the broker is down, say so and go on: the snapshot stays
    waiting and the next daily run (or the coordinator) starts it again."""
    try:
        task.delay(*args, **kwargs)
    except (OperationalError, OSError) as exc:
        logger.warning("%s kept for later: broker unreachable (%s)", task.name, exc)
        return False
    return True


@shared_task(
    bind=True,
    # Acknowledged once done: a worker killed midway leaves the message to another.
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=3,
    default_retry_delay=300,
)
def snapshot_make(self, snapshot_id: int, send: bool = False) -> str:
    try:
        snapshot = snapshots.snapshot_build(snapshot_id=snapshot_id)
    except Exception as exc:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            logger.exception("Snapshot %s failed", snapshot_id)
            snapshots.snapshot_fail(snapshot_id=snapshot_id, error=str(exc))
            return SnapshotStatus.FAILED
        raise self.retry(exc=exc) from exc
    if send and snapshot.status == SnapshotStatus.READY:
        snapshots.snapshot_send(
            snapshot_id=snapshot_id,
            notify=snapshots.notifies(snapshot, timezone.localdate()),
        )
        return SnapshotStatus.SENT
    return snapshot.status


@shared_task
def monthly_snapshots() -> int:
    """Every morning at 06:00 Europe/Paris (beat): on the first of the month it starts
    the month just finished for every running programme; the other days it catches up
    what an outage of Redis or of the worker left undone."""
    due = snapshots.monthly_due(today=timezone.localdate())
    for snapshot_id in due:
        enqueue(snapshot_make, snapshot_id, send=True)
    return len(due)
