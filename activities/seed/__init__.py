"""Missions, delivered sessions and expenses of the demo and load-test data set
(`manage.py seed`), by idea: `profiles` says how each kind of mission runs (and in which
French words), `draw` draws the missions and their sessions, `write` writes them.

Each mission is drawn first as a `MissionDraw`: an entrepreneur on their path (CAPE, CESA
or associate on every day of it; only people still in the cooperative on open missions),
a client near them, the kind their trade calls for, themes, visit days, an agreed price
and the programme it belongs to. Its sessions (audiences, themes, place, kilometres,
notes, expenses, review) are drawn as they are written. The demo plays everything
through the services, so that the data is what the platform writes; the large size
(DESIGN.md's scale: about a million sessions over ten years) writes the same rows in bulk,
a batch at a time, holding one batch in memory.

Everything comes from the `rng` and `faker` given, and dates are counted from today: the
same seed gives the same data.
"""

import random

from faker import Faker

from activities.seed.draw import World
from activities.seed.write import tiny_png, write_in_bulk, write_with_services

__all__ = ["seed_activities", "tiny_png"]


def seed_activities(*, rng: random.Random, faker: Faker, size: str, scale: float = 1.0) -> None:
    """Missions of every kind and status for the seeded clients, their delivered
    sessions with audiences, themes, places, kilometres, notes and reviews, and
    expenses (with a small receipt file in the demo).

    The fixed demo entrepreneur has missions this week and next, sessions waiting for
    validation and one sent back with its reason, and a proposal waiting. `scale`
    shrinks the large size's missions, as in `seed_members`."""
    world = World.load(rng, size=size)
    draws = world.draw_missions(scale=scale)
    if size == "demo":
        write_with_services(world, draws)
    else:
        write_in_bulk(world, draws)
