"""What the coordinators' dashboard shows: members by stage, the path's deadlines coming
up, and the week's appointments. Each is one query, whatever the number of members."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from members.dates import add_years
from members.enums import AppointmentStatus, ContractKind, Stage
from members.models import Appointment, Contract, Member, User

# A CAPE ends at its planned date: warn a month ahead.
CAPE_WARNING_DAYS = 30
# A CESA holder becomes an associate within three years or leaves: warn three months ahead.
CESA_WARNING_DAYS = 90

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class StageCount:
    stage: Stage
    count: int


@dataclass(frozen=True)
class Deadline:
    """A date by which something must happen on a member's path."""

    member: Member
    contract: Contract
    due_on: datetime.date
    days_left: int

    @property
    def kind(self) -> ContractKind:
        return ContractKind(self.contract.kind)

    @property
    def is_overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_late(self) -> int:
        return -self.days_left

    @property
    def label(self) -> str:
        if self.kind == ContractKind.CAPE:
            return _("Fin prévue du CAPE")
        return _("Trois ans de CESA : devenir associé·e ou sortir")


def members_by_stage(user: User) -> list[StageCount]:
    """How many current members are at each stage of the path (zero included)."""
    counts = dict(
        Member.objects.visible_to(user)
        .current()
        .order_by()
        .values_list("stage")
        .annotate(count=Count("pk"))
    )
    return [
        StageCount(stage=stage, count=counts.get(stage.value, 0))
        for stage in Stage
        if stage != Stage.EXITED
    ]


def cesa_deadline(start_date: datetime.date) -> datetime.date:
    """The day by which a CESA holder must have become an associate."""
    return add_years(start_date, Contract.CESA_YEARS_TO_ASSOCIATE)


def upcoming_deadlines(user: User, *, today: datetime.date, mine: bool = False) -> list[Deadline]:
    """Open CAPEs ending within a month, and CESA holders (still at the CESA stage)
    reaching their three years within three months; those already passed are overdue.
    Sorted by date. `mine`: only the members this coordinator follows."""
    cape_limit = today + datetime.timedelta(days=CAPE_WARNING_DAYS)
    cesa_limit = today + datetime.timedelta(days=CESA_WARNING_DAYS)
    # add_years clamps 29 February: one more day catches a CESA started on it; the exact
    # check is done below.
    cesa_latest_start = add_years(cesa_limit, -Contract.CESA_YEARS_TO_ASSOCIATE) + ONE_DAY
    contracts = (
        Contract.objects.visible_to(user)
        .open()
        .filter(
            Q(kind=ContractKind.CAPE, planned_end_date__lte=cape_limit)
            | Q(kind=ContractKind.CESA, member__stage=Stage.CESA, start_date__lte=cesa_latest_start)
        )
        .select_related("member__coordinator")
    )
    if mine:
        contracts = contracts.filter(member__coordinator=user)
    deadlines = []
    for contract in contracts:
        if contract.kind == ContractKind.CAPE:
            due_on = contract.planned_end_date
        else:
            due_on = cesa_deadline(contract.start_date)
            if due_on > cesa_limit:
                continue
        deadlines.append(
            Deadline(
                member=contract.member,
                contract=contract,
                due_on=due_on,
                days_left=(due_on - today).days,
            )
        )
    deadlines.sort(
        key=lambda d: (
            d.due_on,
            d.member.last_name.lower(),
            d.member.first_name.lower(),
            d.member.pk,
        )
    )
    return deadlines


def week_of(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The Monday and the Sunday of today's week."""
    monday = today - datetime.timedelta(days=today.weekday())
    return monday, monday + datetime.timedelta(days=6)


def week_bounds(today: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Monday 00:00 to the next Monday 00:00, in the cooperative's time zone."""
    monday, _sunday = week_of(today)
    zone = timezone.get_default_timezone()
    start = datetime.datetime.combine(monday, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        monday + datetime.timedelta(days=7), datetime.time.min, tzinfo=zone
    )
    return start, end


def appointments_this_week(user: User, *, today: datetime.date, mine: bool = False):
    """Planned and held appointments from Monday to Sunday, in time order. `mine`: those
    this coordinator leads or with the members they follow."""
    start, end = week_bounds(today)
    appointments = (
        Appointment.objects.visible_to(user)
        .between(start, end)
        .filter(status__in=[AppointmentStatus.PLANNED, AppointmentStatus.HELD])
        .select_related("member", "coordinator")
        .order_by("starts_at", "pk")
    )
    if mine:
        appointments = appointments.filter(Q(coordinator=user) | Q(member__coordinator=user))
    return appointments
