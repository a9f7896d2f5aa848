"""A Celery worker in its own process, for the test that kills one in the middle of a
snapshot: `python -m tests.research.worker_process <queue> hang|build`.

"hang" stops forever at the PDF step (the test kills the process there, as a machine
would lose it); "build" finishes. The figures and the PDF are replaced by light ones:
their own tests are elsewhere; this one is about the message and the claim. The broker
gives an unacknowledged message back after 3 seconds instead of an hour."""

import datetime
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from coop.celery import app  # noqa: E402
from research.services import snapshots  # noqa: E402

VISIBILITY_SECONDS = 3


def _hang(snapshot):
    while True:
        time.sleep(1)


def main(queue: str, mode: str) -> None:
    snapshots.publication_compute = lambda *args, **kwargs: {
        "tables": {},
        "indicators": [],
        "threshold": 11,
        "previous": None,
    }
    snapshots._render_pdf = _hang if mode == "hang" else (lambda snapshot: b"%PDF-1.7\n")
    snapshots.STALE_AFTER = datetime.timedelta(seconds=VISIBILITY_SECONDS - 1)
    app.conf.update(
        broker_url=os.environ["REDIS_URL"],
        task_always_eager=False,
        broker_transport_options={
            "visibility_timeout": VISIBILITY_SECONDS,
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
        },
    )
    app.worker_main(
        [
            "worker",
            "--queues",
            queue,
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ]
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
