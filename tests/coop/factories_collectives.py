"""Factories of the collectives: the cooperative itself and the peer-help collectives it
hosts, their members and their charter. G1 (governance) imports them too."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import factory
from django.utils import timezone

from coop.enums import CollectiveKind
from members.enums import Role
from tests.members.factories import UserFactory


def _years_ago(years: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=365 * years)


class CollectiveFactory(factory.django.DjangoModelFactory):
    """A hosted peer-help collective (Clubhouse model). `cooperative=True` gives the
    cooperative itself (there is only one: get-or-create on the kind)."""

    class Meta:
        model = "coop.Collective"

    name = factory.Sequence(lambda n: f"Club des Pairs {n}")
    kind = CollectiveKind.PEER_HELP
    description = "Un lieu ouvert où chacun·e participe à la vie du club."
    requires_elected_majority = True
    founded_on = factory.LazyFunction(lambda: _years_ago(3))

    class Params:
        cooperative = factory.Trait(
            name="Entrepairs Coopérative",
            kind=CollectiveKind.COOPERATIVE,
            requires_elected_majority=False,
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs.get("kind") == CollectiveKind.COOPERATIVE:
            existing = model_class.objects.filter(kind=CollectiveKind.COOPERATIVE).first()
            if existing is not None:
                return existing
        return super()._create(model_class, *args, **kwargs)


class CollectivePersonFactory(factory.django.DjangoModelFactory):
    """A current member of a peer-help collective, without an account. Pass
    `with_account=True` for one with an entrepreneur account (`person.user`), or give
    `user=`/`member=` yourself."""

    class Meta:
        model = "coop.CollectivePerson"

    collective = factory.SubFactory(CollectiveFactory)
    member = None
    user = None
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.Sequence(lambda n: f"pair{n}@exemple.fr")
    phone = ""
    joined_on = factory.LazyFunction(lambda: _years_ago(1))
    left_on = None

    class Params:
        with_account = factory.Trait(
            user=factory.SubFactory(UserFactory, role=Role.ENTREPRENEUR),
            first_name=factory.LazyAttribute(lambda o: o.user.first_name),
            last_name=factory.LazyAttribute(lambda o: o.user.last_name),
            email=factory.LazyAttribute(lambda o: o.user.email),
        )
        left = factory.Trait(left_on=factory.LazyFunction(lambda: timezone.localdate()))


class CharterFactory(factory.django.DjangoModelFactory):
    """A version of a collective's charter, in force since a month ago."""

    class Meta:
        model = "coop.Charter"

    collective = factory.SubFactory(CollectiveFactory)
    version = factory.Sequence(lambda n: n + 1)
    text = (
        "Chacun·e est le bienvenu·e, sans condition ni orientation préalable.\n"
        "Nous décidons ensemble, en assemblée du club.\n"
        "Ce qui se dit au club reste au club."
    )
    effective_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    adopted_by = "Assemblée du club"


class CharterAcceptanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coop.CharterAcceptance"

    charter = factory.SubFactory(CharterFactory)
    person = factory.SubFactory(
        CollectivePersonFactory, collective=factory.SelfAttribute("..charter.collective")
    )
    accepted_on = factory.LazyFunction(timezone.localdate)
    recorded_by = factory.SubFactory(UserFactory, role=Role.PEER_SUPPORT_LEAD)


def clubhouse_world(*, members: int = 3, actor=None) -> SimpleNamespace:
    """A peer-help collective in use, written through the real services: a charter in
    force, `members` members (the first with an entrepreneur account, who has not signed),
    a work unit, everyone present yesterday, a task and a job for the first one."""
    from coop import collectives as services
    from coop.enums import JobKind
    from coop.models import DailyAttendance, Job, WorkUnit

    actor = actor or UserFactory(role=Role.PEER_SUPPORT_LEAD)
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    collective = CollectiveFactory(founded_on=today - datetime.timedelta(days=900))
    people = [
        services.person_join(
            actor=actor,
            collective=collective,
            first_name=f"Prénom{index}",
            last_name=f"Nom{index:03d}",
            phone=f"06 00 00 {index // 100:02d} {index % 100:02d}",
            joined_on=today - datetime.timedelta(days=300),
            user=UserFactory(role=Role.ENTREPRENEUR) if index == 0 else None,
        )
        for index in range(members)
    ]
    charter = services.charter_publish(
        actor=actor,
        collective=collective,
        text="Chacun·e est le bienvenu·e.\nNous décidons ensemble.",
        effective_on=today - datetime.timedelta(days=60),
        adopted_by="Assemblée du club",
    )
    for person in people[1:]:
        services.charter_sign(actor=actor, charter=charter, person=person)
    unit = services.work_unit_save(
        actor=actor, work_unit=WorkUnit(collective=collective, name="Cuisine")
    )
    services.attendance_record(
        actor=actor, collective=collective, day=yesterday, present=[p.pk for p in people]
    )
    task = None
    job = None
    if people:
        task = services.task_add(
            actor=actor,
            attendance=DailyAttendance.objects.get(person=people[0], day=yesterday),
            work_unit=unit,
            description="Préparer le repas",
        )
        job = services.job_save(
            actor=actor,
            job=Job(
                person=people[0],
                kind=JobKind.TRANSITIONAL,
                employer="Restaurant Le Partage",
                hours_per_week=Decimal("17.5"),
                starts_on=today - datetime.timedelta(days=90),
            ),
        )
    return SimpleNamespace(
        actor=actor,
        collective=collective,
        people=people,
        charter=charter,
        unit=unit,
        task=task,
        job=job,
        today=today,
        yesterday=yesterday,
    )


__all__ = [
    "CharterAcceptanceFactory",
    "CharterFactory",
    "CollectiveFactory",
    "CollectivePersonFactory",
    "clubhouse_world",
]
