import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from activities.enums import AudienceKind, MissionKind, MissionStatus
from members.enums import Role
from tests.members.factories import MemberFactory, UserFactory


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coop.Client"

    name = factory.Sequence(lambda n: f"Collège Jean-Moulin {n}")
    kind = "school"
    is_public = True
    postcode = "93100"
    commune = "Montreuil"
    created_by = factory.SubFactory(UserFactory, role=Role.COORDINATOR)


class MissionFactory(factory.django.DjangoModelFactory):
    """A planned mission with one entrepreneur (a member in CAPE). `entrepreneurs=[...]`
    sets others; `themes=[...]` its themes."""

    class Meta:
        model = "activities.Mission"
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    title = "Prévention des conduites addictives en classe de 4e"
    kind = MissionKind.PREVENTION_WORKSHOP
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    planned_sessions = 4
    agreed_price = Decimal("1200.00")
    status = MissionStatus.PLANNED
    proposed_by = factory.SubFactory(UserFactory, role=Role.COORDINATOR)

    @factory.post_generation
    def entrepreneurs(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.entrepreneurs.set(extracted if extracted is not None else [MemberFactory(path="cape")])

    @factory.post_generation
    def themes(obj, create, extracted, **kwargs):
        if create:
            for theme in extracted if extracted is not None else ["alcohol", "cannabis"]:
                obj.themes.create(theme=theme)


class SessionFactory(factory.django.DjangoModelFactory):
    """A logged session of the mission's first entrepreneur, 25 pupils reached."""

    class Meta:
        model = "activities.Session"
        skip_postgeneration_save = True

    mission = factory.SubFactory(MissionFactory)
    entrepreneur = factory.LazyAttribute(lambda o: o.mission.entrepreneurs.first())
    date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    start_time = datetime.time(9, 0)
    duration_minutes = 120
    commune = "Montreuil"
    postcode = "93100"
    department = "93"
    kilometres = Decimal("12.5")

    @factory.post_generation
    def audiences(obj, create, extracted, **kwargs):
        if create:
            for kind, count in (extracted or {AudienceKind.PUPILS: 25}).items():
                obj.audiences.create(kind=kind, count=count)

    @factory.post_generation
    def themes(obj, create, extracted, **kwargs):
        if create:
            for theme in extracted if extracted is not None else ["alcohol"]:
                obj.themes.create(theme=theme)
