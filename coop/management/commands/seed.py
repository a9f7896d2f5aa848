"""`manage.py seed`: fill an empty database with a realistic French data set.

    manage.py seed                 # the demo: about forty people, one login per role
    manage.py seed --size large    # DESIGN.md's scale, to measure pages and reports

Each app contributes one step, a function `(*, rng, faker, size)` that creates its data
and may return demo logins to print; steps run in the order of STEPS, inside one
transaction, drawing from one `random.Random` and one `Faker` seeded alike, so that the
same seed always gives the same data.
"""

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string
from faker import Faker

from members.models import User
from members.seed import SIZES, DemoLogin

# Later apps append their step; a step may read what earlier steps created.
STEPS = [
    "members.seed.seed_members",
    "coop.seed.seed_programmes",
    "members.seed.seed_path",
    "coop.seed.seed_clients",
    "activities.seed.seed_activities",
    "coop.seed_collectives.seed_collectives",
    "peer_support.seed.seed_peer_support",
    "coop.seed_invoicing.seed_invoicing",
    "coop.seed_governance.seed_governance",
    "members.seed.situation.seed_situations",
    "research.seed.seed_research",
    "research.seed_questionnaires.seed_questionnaires",
    "research.seed_snapshots.seed_snapshots",
]

DEFAULT_SEED = 2026
# How many recovery codes of each two-factor login the table shows.
SHOWN_RECOVERY_CODES = 2


class Command(BaseCommand):
    help = "Fill an empty database with demo data (--size demo) or load-test data (--size large)."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=SIZES, default="demo")
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="the same seed gives the same data"
        )

    def handle(self, *args, size: str, seed: int, **options):
        if User.objects.exists():
            raise CommandError(
                "The database already holds accounts: seed fills an empty database only. "
                "Start from an empty one (e.g. remove the SQLite file), run "
                "`manage.py migrate`, then `manage.py seed`."
            )
        rng = random.Random(seed)
        faker = Faker("fr_FR")
        faker.seed_instance(seed)

        logins: list[DemoLogin] = []
        started = time.monotonic()
        with transaction.atomic():
            for path in STEPS:
                step_started = time.monotonic()
                logins.extend(import_string(path)(rng=rng, faker=faker, size=size) or [])
                self.stdout.write(f"{path}: {time.monotonic() - step_started:.1f} s")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded the {size} data set (seed {seed}) in {time.monotonic() - started:.1f} s."
            )
        )
        if size == "demo":
            self._print_logins(logins)

    def _print_logins(self, logins: list[DemoLogin]) -> None:
        header = ("Role", "E-mail", "Password", "TOTP secret", "Recovery codes")
        rows = [
            (
                str(login["role"].label),
                login["email"],
                login["password"],
                login["totp_secret"] or "-",
                " ".join(login["recovery_codes"][:SHOWN_RECOVERY_CODES]) or "-",
            )
            for login in logins
        ]
        widths = [max(len(row[column]) for row in [header, *rows]) for column in range(5)]

        def line(cells) -> str:
            return "  ".join(
                cell.ljust(width) for cell, width in zip(cells, widths, strict=True)
            ).rstrip()

        self.stdout.write("")
        self.stdout.write("Demo logins:")
        self.stdout.write(line(header))
        self.stdout.write(line("-" * width for width in widths))
        for row in rows:
            self.stdout.write(line(row))
        self.stdout.write("")
        self.stdout.write(
            "Roles with two-factor: add the TOTP secret to an authenticator app, or print "
            "the current code (DEBUG=1):"
        )
        self.stdout.write("    .venv/bin/python manage.py demo_totp EMAIL")
        self.stdout.write(
            "A code works once; a new one comes every 30 seconds. A recovery code works once too."
        )
