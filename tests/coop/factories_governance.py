"""Factories of the governance: the terms of the shares, associates (admitted through the
real service, so that the ledger is what the platform writes), bodies, seats, elections
and meetings."""

import datetime
import subprocess
from decimal import Decimal

import factory
from django.utils import timezone

from coop import governance
from coop.enums import AssociateCategory, BodyKind, SeatKind
from coop.models import Meeting
from members.enums import Role
from tests.coop.factories_collectives import CollectiveFactory, CollectivePersonFactory
from tests.members.factories import UserFactory


def days_from_today(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def at_six_pm(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(18, 0)))


class ShareTermsFactory(factory.django.DjangoModelFactory):
    """A share of 100 €, one at least, refunded within five years."""

    class Meta:
        model = "coop.ShareTerms"
        django_get_or_create = ("collective",)

    collective = factory.SubFactory(CollectiveFactory, cooperative=True)
    nominal_value = Decimal("100.00")
    minimum_shares = 1
    refund_delay_months = 60
    updated_by = factory.SubFactory(UserFactory, role=Role.COORDINATOR)


class AssociateFactory(factory.django.DjangoModelFactory):
    """An associate of the cooperative admitted two years ago with ten shares of 100 €,
    fully paid: a person of the cooperative's collective with an entrepreneur account, or
    with `legal=True` a local authority. Admitted through `governance.associate_admit`."""

    class Meta:
        model = "coop.Associate"

    collective = factory.SubFactory(CollectiveFactory, cooperative=True)
    person = factory.SubFactory(
        CollectivePersonFactory,
        collective=factory.SelfAttribute("..collective"),
        with_account=True,
    )
    legal_name = ""
    representative = ""
    email = ""
    category = AssociateCategory.EMPLOYEE
    admitted_on = factory.LazyFunction(lambda: days_from_today(-730))
    shares = 10
    paid_amount = Decimal("1000.00")
    address = "3 rue des Lilas"
    postcode = "93100"
    commune = "Montreuil"
    actor = factory.SubFactory(UserFactory, role=Role.COORDINATOR)

    class Params:
        legal = factory.Trait(
            person=None,
            legal_name=factory.Sequence(lambda n: f"Commune de Saint-Pair {n}"),
            representative="Mme Claire Lenoir, adjointe à l'économie solidaire",
            email=factory.Sequence(lambda n: f"mairie{n}@exemple.fr"),
            category=AssociateCategory.PUBLIC_AUTHORITY,
        )

    @classmethod
    def _create(cls, model_class, *args, actor, **kwargs):
        ShareTermsFactory(collective=kwargs["collective"])
        return governance.associate_admit(actor=actor, **kwargs)


class BodyFactory(factory.django.DjangoModelFactory):
    """The council of a peer-help collective that requires an elected majority, with the
    default rules of its kind."""

    class Meta:
        model = "coop.Body"

    collective = factory.SubFactory(CollectiveFactory)
    kind = BodyKind.COLLECTIVE_COUNCIL
    name = factory.Sequence(lambda n: f"Conseil du club {n}")
    size = None
    notice_days = factory.LazyAttribute(lambda o: governance.DEFAULT_RULES[o.kind].notice_days)
    quorum_percent = factory.LazyAttribute(
        lambda o: governance.DEFAULT_RULES[o.kind].quorum_percent
    )
    ordinary_majority = factory.LazyAttribute(
        lambda o: governance.DEFAULT_RULES[o.kind].ordinary_majority
    )
    extraordinary_majority = factory.LazyAttribute(
        lambda o: governance.DEFAULT_RULES[o.kind].extraordinary_majority
    )
    max_proxies = factory.LazyAttribute(lambda o: governance.DEFAULT_RULES[o.kind].max_proxies)

    class Params:
        assembly = factory.Trait(kind=BodyKind.GENERAL_ASSEMBLY, name="Assemblée générale")
        board = factory.Trait(
            kind=BodyKind.BOARD,
            name="Conseil d'administration",
            collective=factory.SubFactory(CollectiveFactory, cooperative=True),
        )


class SeatFactory(factory.django.DjangoModelFactory):
    """An elected seat held for a year already by a member of the body's collective.
    Written straight to the table: use `governance.seat_add` to test the rules."""

    class Meta:
        model = "coop.Seat"

    body = factory.SubFactory(BodyFactory)
    kind = SeatKind.ELECTED
    person = factory.SubFactory(
        CollectivePersonFactory, collective=factory.SelfAttribute("..body.collective")
    )
    associate = None
    starts_on = factory.LazyFunction(lambda: days_from_today(-365))
    ends_on = None
    created_by = factory.SubFactory(UserFactory, role=Role.COORDINATOR)


class MeetingFactory(factory.django.DjangoModelFactory):
    """A meeting in a month, at 6 pm, not convened yet."""

    class Meta:
        model = "coop.Meeting"

    body = factory.SubFactory(BodyFactory)
    title = factory.Sequence(lambda n: f"Réunion n° {n}")
    starts_at = factory.LazyFunction(lambda: at_six_pm(days_from_today(30)))
    place = "Maison des associations, 35 rue Saint-Just, Montreuil"
    created_by = factory.SubFactory(UserFactory, role=Role.COORDINATOR)


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coop.AgendaItem"

    meeting = factory.SubFactory(MeetingFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = "Rapport d'activité"
    description = ""


class ElectionFactory(factory.django.DjangoModelFactory):
    """An election of two seats today, for three years."""

    class Meta:
        model = "coop.Election"

    body = factory.SubFactory(BodyFactory)
    held_on = factory.LazyFunction(timezone.localdate)
    seats_to_fill = 2
    term_ends_on = factory.LazyFunction(lambda: days_from_today(3 * 365))
    created_by = factory.SubFactory(UserFactory, role=Role.COORDINATOR)


def convene(meeting: Meeting, *, actor=None, agenda=("Rapport d'activité",)) -> Meeting:
    """Give the meeting its agenda and convene it through the real service."""
    actor = actor or UserFactory(role=Role.COORDINATOR)
    for title in agenda:
        governance.agenda_item_add(actor=actor, meeting=meeting, title=title)
    governance.meeting_convene(actor=actor, meeting=meeting)
    meeting.refresh_from_db()
    return meeting


def let_time_pass(meeting: Meeting, *, days_ago: int = 0) -> Meeting:
    """The meeting took place `days_ago` days ago (today by default, an hour ago): as if
    the days between the convocation and the meeting had gone by."""
    now = timezone.now()
    # An hour ago, but never before today's midnight: the meeting is "today" in Paris.
    midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))
    starts_at = max(now - datetime.timedelta(hours=1), midnight + datetime.timedelta(seconds=1))
    starts_at -= datetime.timedelta(days=days_ago)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=starts_at)
    meeting.refresh_from_db()
    return meeting


def held_meeting(body, *, present: int = 0, actor=None, agenda=("Rapport d'activité",)):
    """A meeting of the body convened, then held today, with its first `present` people
    convened noted present and the others absent."""
    from coop.enums import MeetingAttendance

    actor = actor or UserFactory(role=Role.COORDINATOR)
    meeting = let_time_pass(convene(MeetingFactory(body=body), actor=actor, agenda=agenda))
    participants = list(meeting.participants.order_by("name", "pk"))
    entries = {
        participant.pk: (
            MeetingAttendance.PRESENT if index < present else MeetingAttendance.ABSENT,
            None,
        )
        for index, participant in enumerate(participants)
    }
    governance.attendance_record(actor=actor, meeting=meeting, entries=entries)
    return meeting


def pdf_text(content: bytes, tmp_path) -> str:
    """A PDF's text as poppler's pdftotext reads it (layout kept, pages split by \\f)."""
    pdf = tmp_path / "document.pdf"
    pdf.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],  # noqa: S607 (poppler-utils, a Debian package)
        capture_output=True,
        check=True,
        text=True,
    )
    return result.stdout


__all__ = [
    "AgendaItemFactory",
    "AssociateFactory",
    "BodyFactory",
    "ElectionFactory",
    "MeetingFactory",
    "SeatFactory",
    "ShareTermsFactory",
    "at_six_pm",
    "convene",
    "days_from_today",
    "held_meeting",
    "let_time_pass",
    "pdf_text",
]
