"""The funded programmes of the demo and load-test data sets (a `manage.py seed` step).

Four programmes, as a CAE of the addiction and mental-health field runs them: the
entrepreneurs' cooperative itself funded by a foundation, a European peer-support network
(ESF+), a peer-help collective funded by the regional health agency, and prevention in
schools funded by the département. Their dates follow the data set's history (three
years for the demo, ten for the large size), counted from today.
"""

import datetime
import random

from django.utils import timezone
from faker import Faker

from coop.models import Programme

COOPP = "Co'Opp — coopérative d'entrepreneurs pairs"
PEER_NETWORK = "Réseau européen pair-aidance (FSE+)"
PEER_HELP_COLLECTIVE = "Collectif d'entraide (ARS Île-de-France)"
SCHOOL_PREVENTION = "Prévention en milieu scolaire (Département)"

HISTORY_YEARS = {"demo": 3, "large": 10}


def seed_programmes(*, rng: random.Random, faker: Faker, size: str) -> None:
    today = timezone.localdate()
    years = HISTORY_YEARS[size]
    # The school year that is running (it starts in September).
    school_year = today.year if today.month >= 9 else today.year - 1
    collective_start = _first_of_month(
        today - datetime.timedelta(days=rng.randint(600, 800) * years // 3)
    )
    collective_end = _last_of_month(today + datetime.timedelta(days=rng.randint(150, 300)))
    Programme.objects.bulk_create(
        [
            Programme(
                name=COOPP,
                funder="Fondation de France",
                territory="Seine-Saint-Denis et Paris",
                starts_on=datetime.date(today.year - years - 1, 9, 1),
            ),
            Programme(
                name=PEER_NETWORK,
                funder="Fonds social européen plus (FSE+)",
                territory=(
                    "Île-de-France, Hauts-de-France, Auvergne-Rhône-Alpes, "
                    "Provence-Alpes-Côte d'Azur"
                ),
                starts_on=datetime.date(today.year - min(years, 4), 1, 1),
                ends_on=datetime.date(today.year + 2, 12, 31),
            ),
            Programme(
                name=PEER_HELP_COLLECTIVE,
                funder="Agence régionale de santé Île-de-France",
                territory="Seine-Saint-Denis (Montreuil, Saint-Denis, Aubervilliers)",
                starts_on=collective_start,
                ends_on=collective_end,
            ),
            Programme(
                name=SCHOOL_PREVENTION,
                funder="Département de la Seine-Saint-Denis",
                territory="Collèges de la Seine-Saint-Denis",
                starts_on=datetime.date(school_year - years + 1, 9, 1),
                ends_on=datetime.date(school_year + 1, 8, 31),
            ),
        ]
    )


def _first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _last_of_month(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)
