"""A worker killed in the middle of a snapshot: the message comes back (acks_late), the
next worker builds it, and there is still one snapshot. Real Redis, real worker
processes, real SIGKILL; PostgreSQL so that the processes share the test database (CI
has both; elsewhere these tests are skipped)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from coop.celery import app as celery_app
from research.enums import SnapshotStatus
from research.models import Snapshot
from research.services import snapshots
from research.tasks_reports import snapshot_make
from tests.members.factories import ProgrammeFactory

REDIS_URL = os.environ.get("REDIS_URL")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a running Redis)"),
    pytest.mark.django_db(transaction=True),
]


def _wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def _worker(queue: str, mode: str, log: Path) -> subprocess.Popen:
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{db['PORT'] or 5432}"
        f"/{db['NAME']}",
        REDIS_URL=REDIS_URL,
    )
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "tests.research.worker_process", queue, mode],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def test_a_killed_worker_s_snapshot_is_built_once_by_the_next(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("worker processes share the test database: PostgreSQL")
    programme = ProgrammeFactory()
    start, end = snapshots.month_bounds(2025, 10)
    snapshot = snapshots.snapshot_request(programme=programme, start=start, end=end)
    queue = f"tests-killed-{os.getpid()}"
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    first = second = None
    try:
        snapshot_make.apply_async(args=[snapshot.pk], queue=queue)
        log = tmp_path / "workers.log"
        first = _worker(queue, "hang", log)
        # The first worker reaches the PDF step: figures computed, nothing stored yet.
        assert _wait_for(lambda: Snapshot.objects.get(pk=snapshot.pk).progress >= 75), (
            log.read_text()
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        snapshot.refresh_from_db()
        assert snapshot.status == SnapshotStatus.BUILDING
        assert snapshot.data == {} and not snapshot.pdf

        second = _worker(queue, "build", log)
        assert _wait_for(
            lambda: Snapshot.objects.get(pk=snapshot.pk).status == SnapshotStatus.READY
        ), log.read_text()
    finally:
        for process in (first, second):
            if process is not None:
                _stop(process)
        celery_app.conf.update(saved)
    assert Snapshot.objects.count() == 1
    snapshot.refresh_from_db()
    assert snapshot.version == 1 and snapshot.pdf_sha256
