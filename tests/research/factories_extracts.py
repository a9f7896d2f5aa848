"""Factories of pseudonymised extracts, and the people an extract may hold: members
covered by a programme and accompanied people, with (or without) research consent."""

import datetime

import factory
from django.utils import timezone

from members.enums import ConsentScope, Gender, Role
from members.models import Consent
from research import extracts
from research.enums import ExtractDataset, ExtractStatus
from research.models import ProgrammeMember
from tests.members.factories import MemberFactory, ProgrammeFactory, UserFactory
from tests.peer_support.factories import FollowUpFactory

# A whole past year: the period of the extracts of the tests.
PERIOD_START = datetime.date(2025, 1, 1)
PERIOD_END = datetime.date(2025, 12, 31)


def researcher_of(*programmes, **kwargs):
    """A researcher's account that reads these programmes."""
    user = UserFactory(role=Role.RESEARCHER, **kwargs)
    for programme in programmes:
        programme.readers.add(user)
    return user


class ExtractRequestFactory(factory.django.DjangoModelFactory):
    """A request for a pseudonymised extract of entrepreneurs over 2025, by a researcher
    who reads the programme. Traits: `approved` (with its key), `refused`,
    `downloaded`."""

    class Meta:
        model = "research.ExtractRequest"
        skip_postgeneration_save = True

    programme = factory.SubFactory(
        ProgrammeFactory, starts_on=datetime.date(2024, 1, 1), k_anonymity=5
    )
    dataset = ExtractDataset.ENTREPRENEURS
    period_start = PERIOD_START
    period_end = PERIOD_END
    purpose = "Étudier les parcours d'entrée dans la coopérative (convention n° 2025-14)."
    requested_by = factory.LazyAttribute(lambda o: researcher_of(o.programme))

    class Params:
        approved = factory.Trait(
            status=ExtractStatus.APPROVED,
            decided_by=factory.SubFactory(UserFactory, role=Role.COORDINATOR),
            decided_at=factory.LazyFunction(timezone.now),
            secret=factory.LazyFunction(extracts.new_key),
        )
        refused = factory.Trait(
            status=ExtractStatus.REFUSED,
            decided_by=factory.SubFactory(UserFactory, role=Role.COORDINATOR),
            decided_at=factory.LazyFunction(timezone.now),
            decision_note="La convention de recherche n'est pas encore signée.",
        )
        downloaded = factory.Trait(
            status=ExtractStatus.DOWNLOADED,
            decided_by=factory.SubFactory(UserFactory, role=Role.COORDINATOR),
            decided_at=factory.LazyFunction(timezone.now),
            downloaded_at=factory.LazyFunction(timezone.now),
            rows=12,
        )


def covered_member(programme, *, consent=True, joined_on=None, coordinator=None, **kwargs):
    """A member (no account needed) covered by the programme since `joined_on` (the
    programme's start), with research consent unless `consent=False`."""
    coordinator = coordinator or UserFactory(role=Role.COORDINATOR)
    kwargs.setdefault("gender", Gender.WOMAN)
    kwargs.setdefault("birth_year", 1980)
    member = MemberFactory(candidate=True, coordinator=coordinator, **kwargs)
    if consent:
        Consent.objects.create(
            member=member,
            scope=ConsentScope.RESEARCH,
            given_on=datetime.date(2024, 1, 1),
            explanation="Des données pseudonymisées pour la recherche-action.",
            recorded_by=coordinator,
        )
    ProgrammeMember.objects.create(
        programme=programme,
        member=member,
        joined_on=joined_on or programme.starts_on,
        added_by=coordinator,
    )
    return member


def programme_followup(programme, **kwargs):
    """A follow-up of the programme opened in March 2025 (research consent unless
    `research_consent=False`)."""
    kwargs.setdefault("opened_on", datetime.date(2025, 3, 10))
    return FollowUpFactory(programme=programme, **kwargs)
