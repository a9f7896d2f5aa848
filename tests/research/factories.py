"""Factories of the research app: funders and their contacts, the members a programme
covers, and (simple) indicator snapshots."""

import datetime

import factory
from django.utils import timezone

from members.enums import Role
from research.enums import FunderKind, PeriodKind, SnapshotStatus
from tests.members.factories import MemberFactory, ProgrammeFactory, UserFactory


class FunderFactory(factory.django.DjangoModelFactory):
    """A foundation. `programmes=[p, ...]` attaches it to programmes."""

    class Meta:
        model = "research.Funder"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Fondation n° {n}")
    kind = FunderKind.FOUNDATION

    class Params:
        health_agency = factory.Trait(kind=FunderKind.HEALTH_AGENCY)
        european_fund = factory.Trait(kind=FunderKind.EUROPEAN_FUND)
        local_authority = factory.Trait(kind=FunderKind.LOCAL_AUTHORITY)

    @factory.post_generation
    def programmes(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.programmes.add(*extracted)


class FunderContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "research.FunderContact"

    funder = factory.SubFactory(FunderFactory)
    full_name = factory.Faker("name", locale="fr_FR")
    position = "Chargée de mission"
    email = factory.Sequence(lambda n: f"contact{n}@financeur.example")
    receives_reports = True


class ProgrammeMemberFactory(factory.django.DjangoModelFactory):
    """A member covered by a programme since the programme's start, still in it."""

    class Meta:
        model = "research.ProgrammeMember"

    programme = factory.SubFactory(ProgrammeFactory)
    member = factory.SubFactory(MemberFactory)
    joined_on = factory.LazyAttribute(lambda o: o.programme.starts_on)
    left_on = None
    added_by = factory.SubFactory(UserFactory, role=Role.COORDINATOR)

    class Params:
        left = factory.Trait(
            left_on=factory.LazyAttribute(lambda o: o.joined_on + datetime.timedelta(days=30))
        )


def _last_month() -> tuple[datetime.date, datetime.date]:
    first_of_this_month = timezone.localdate().replace(day=1)
    end = first_of_this_month - datetime.timedelta(days=1)
    return end.replace(day=1), end


class SnapshotFactory(factory.django.DjangoModelFactory):
    """Last month's figures of a programme, ready (no PDF, no tables)."""

    class Meta:
        model = "research.Snapshot"

    programme = factory.SubFactory(ProgrammeFactory)
    period_kind = PeriodKind.MONTH
    period_start = factory.LazyFunction(lambda: _last_month()[0])
    period_end = factory.LazyFunction(lambda: _last_month()[1])
    version = 1
    is_current = True
    status = SnapshotStatus.READY
    data = factory.LazyFunction(dict)
    progress = 100
    computed_at = factory.LazyFunction(timezone.now)

    class Params:
        building = factory.Trait(status=SnapshotStatus.BUILDING, progress=0, computed_at=None)
        failed = factory.Trait(status=SnapshotStatus.FAILED, error="Erreur de calcul.")
        sent = factory.Trait(status=SnapshotStatus.SENT, sent_at=factory.LazyFunction(timezone.now))
