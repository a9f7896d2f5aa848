"""The demo and load-test data set of the members app (`manage.py seed`), by idea:
the accounts, then people on the cooperative's path; `texts` holds the French words both
draw from.

Everything, TOTP secrets included, comes from the `rng` and `faker` given, and dates are
counted from today: the same seed gives the same data.
"""

from members.seed.accounts import DEMO_LOGINS, DEMO_PASSWORD, SIZES, DemoLogin, seed_members
from members.seed.path import draw_plan, seed_path

__all__ = [
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "SIZES",
    "DemoLogin",
    "draw_plan",
    "seed_members",
    "seed_path",
]
