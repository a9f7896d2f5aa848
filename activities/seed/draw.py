"""Drawing the missions and their sessions: who, for whom, when, and how each went.

A `MissionDraw` is drawn first (an entrepreneur on their path, a client near them, the
kind their trade calls for, its visit days, price and programme); its sessions are drawn
one by one as they are written, so that the large size never holds them all."""

import bisect
import datetime
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Min
from django.utils import timezone

from activities.enums import (
    AudienceKind,
    ExpenseKind,
    ExpenseStatus,
    MissionKind,
    MissionStatus,
    SessionStatus,
    Theme,
)
from activities.seed.profiles import (
    CLASS_RETURN_REASON,
    CLIENT_NAMES,
    CLIENTS_BY_KIND,
    DEFAULT_PAIRED,
    EXPENSE_CENTS,
    EXPENSE_RETURN_REASONS,
    FAR_TENTHS,
    KILOMETRES_RETURN_REASON,
    KINDS_BY_ACTIVITY,
    PAIRED,
    PROFILES,
    REFUSAL_REASONS,
    SESSION_RETURN_REASONS,
    at,
    audience_rule,
    draw_logged_at,
    draw_session_status,
    pick,
    school_year_end,
    school_year_start,
    title_for,
    workday,
)
from coop.enums import ClientKind
from coop.geo import department_from_postcode
from coop.models import Client, Programme
from coop.seed import (
    CLIENT_COMMUNES,
    COOPP,
    PEER_HELP_COLLECTIVE,
    PEER_NETWORK,
    SCHOOL_PREVENTION,
)
from members.enums import Activity, Role, Stage
from members.models import Member, User
from members.seed import DEMO_LOGINS
from members.seed.accounts import HISTORY_DAYS

LARGE_MISSIONS = 20_000
# Missions per current entrepreneur in the demo: one, plus one per year on the path.
DEMO_MISSIONS_PER_YEAR = 1
# Chance that a recent session is sent back (more in the demo, to show the flow).
RETURNED_SHARE = {"demo": 0.08, "large": 0.04}
# A mission whose last visit is older than this is delivered.
DELIVERED_AFTER_DAYS = 10
# A proposal younger than this still waits for a coordinator.
PROPOSAL_WAITS_DAYS = 21
# Share of the older proposals a coordinator refused (the demo refuses its old one).
REFUSED_SHARE = {"demo": 1.0, "large": 0.12}
# Share of expenses with a receipt file, in the demo only (the large size has none).
DEMO_RECEIPT_SHARE = 0.7


# --- What is drawn ------------------------------------------------------------------


@dataclass(eq=False)
class Worker:
    """An entrepreneur who can take missions: on their path from their first contract
    to their exit (if they left)."""

    member: Member
    user: User | None
    coordinator_id: int
    activity: str
    commune: str
    postcode: str
    department: str
    start: datetime.date
    end: datetime.date | None

    def active_on(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(eq=False)
class ClientInfo:
    pk: int
    kind: str
    name: str
    commune: str
    postcode: str
    department: str
    created_on: datetime.date
    created_at: datetime.datetime
    created_by_id: int


@dataclass(eq=False)
class MissionDraw:
    client: ClientInfo
    kind: MissionKind
    title: str
    description: str
    workers: list[Worker]
    themes: list[Theme]
    starts_on: datetime.date
    ends_on: datetime.date
    planned_sessions: int
    agreed_price: Decimal
    programme_id: int | None
    status: MissionStatus
    # The coordinator who created (or validated) the mission.
    coordinator_id: int
    created_at: datetime.datetime
    # (day, start, duration) of each session delivered so far.
    slots: list[tuple[datetime.date, datetime.time, int]] = field(default_factory=list)
    # An entrepreneur who proposed it for a client they found.
    proposer: Worker | None = None
    refusal_reason: str = ""
    # Statuses chosen by hand (slot index: status; the others validated), for the demo
    # entrepreneur's missions; and their expenses (slot index: [(kind, cents, status)]).
    forced_statuses: dict[int, SessionStatus] | None = None
    forced_expenses: dict[int, list[tuple[ExpenseKind, int, ExpenseStatus]]] = field(
        default_factory=dict
    )


@dataclass(slots=True, eq=False)
class ExpenseDraw:
    kind: ExpenseKind
    amount: Decimal
    status: ExpenseStatus
    return_reason: str
    # "png", "pdf" or "" (no receipt).
    receipt: str


@dataclass(slots=True, eq=False)
class SessionDraw:
    worker: Worker
    token: uuid.UUID
    date: datetime.date
    start_time: datetime.time
    duration_minutes: int
    is_remote: bool
    commune: str
    postcode: str
    department: str
    kilometres: Decimal
    note: str
    status: SessionStatus
    return_reason: str
    reviewer_id: int | None
    logged_at: datetime.datetime
    reviewed_at: datetime.datetime | None
    audiences: dict[str, int]
    themes: list[Theme]
    expenses: list[ExpenseDraw]


def _asks_for(client: ClientInfo, kind: MissionKind) -> bool:
    """Whether a client of this kind (and name) asks for this kind of mission."""
    prefixes = CLIENT_NAMES.get((kind, client.kind))
    return client.kind in CLIENTS_BY_KIND[kind] and (
        prefixes is None or any(prefix in client.name for prefix in prefixes)
    )


class World:
    """What the missions are drawn from: entrepreneurs, clients, programmes, dates."""

    def __init__(self, rng, *, size, workers, clients, programmes, coordinators):
        self.rng = rng
        self.size = size
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.zone = timezone.get_current_timezone()
        self.refused = False
        self.history_start = self.today - datetime.timedelta(days=HISTORY_DAYS[size])
        self.workers: list[Worker] = workers
        self.current = [worker for worker in workers if worker.end is None]
        self.by_user = {worker.user.pk: worker for worker in workers if worker.user}
        self.demo_worker = next(
            w for w in self.current if w.user.email == DEMO_LOGINS[Role.ENTREPRENEUR]
        )
        self.coordinators: dict[int, User] = coordinators
        self.coordinator_ids = list(coordinators)
        self.programmes: dict[str, Programme] = programmes
        # Clients found by entrepreneurs are theirs; the others are in pools by
        # (mission kind, client kind, département), in order of creation.
        self.found = [c for c in clients if c.created_by_id in self.by_user]
        self.pools: dict[tuple[MissionKind, str, str], list[ClientInfo]] = {}
        self.pool_days: dict[tuple[MissionKind, str, str], list[datetime.date]] = {}
        ordinary = sorted(
            (c for c in clients if c.created_by_id not in self.by_user),
            key=lambda c: (c.created_on, c.pk),
        )
        for kind in CLIENTS_BY_KIND:
            for client in ordinary:
                if _asks_for(client, kind):
                    key = (kind, client.kind, client.department)
                    self.pools.setdefault(key, []).append(client)
                    self.pool_days.setdefault(key, []).append(client.created_on)
        self.departments = sorted({c.department for c in clients})
        self.communes = {
            department: CLIENT_COMMUNES.get(department, ()) for department in self.departments
        }
        # Precomputed values drawn per session.
        self.kilometres = [Decimal(tenths).scaleb(-1) for tenths in range(0, 801)]

    @classmethod
    def load(cls, rng, *, size: str) -> "World":
        members = (
            Member.objects.filter(contracts__isnull=False)
            .annotate(first_contract=Min("contracts__start_date"))
            .select_related("user")
            .order_by("pk")
        )
        workers = []
        for member in members:
            current = member.stage in (Stage.CAPE, Stage.CESA, Stage.ASSOCIATE)
            if current and member.user is None:
                continue
            if not current and member.stage != Stage.EXITED:
                continue
            if size == "demo" and not current:
                # The services log sessions only for people still in the cooperative.
                continue
            workers.append(
                Worker(
                    member=member,
                    user=member.user if current else None,
                    coordinator_id=member.coordinator_id,
                    activity=member.activity,
                    commune=member.commune,
                    postcode=member.postcode,
                    department=department_from_postcode(member.postcode),
                    start=member.first_contract,
                    end=None if current else member.exited_on,
                )
            )
        zone = timezone.get_current_timezone()
        clients = [
            ClientInfo(
                pk=pk,
                kind=kind,
                name=name,
                commune=commune,
                postcode=postcode,
                department=department_from_postcode(postcode),
                created_on=timezone.localtime(created_at, zone).date(),
                created_at=created_at,
                created_by_id=created_by_id,
            )
            for pk, kind, name, commune, postcode, created_at, created_by_id in (
                Client.objects.order_by("pk").values_list(
                    "pk", "kind", "name", "commune", "postcode", "created_at", "created_by"
                )
            )
        ]
        coordinators = {
            user.pk: user
            for user in User.objects.filter(role=Role.COORDINATOR, is_active=True).order_by("pk")
        }
        programmes = {p.name: p for p in Programme.objects.all()}
        return cls(
            rng,
            size=size,
            workers=workers,
            clients=clients,
            programmes=programmes,
            coordinators=coordinators,
        )

    # --- Missions ---------------------------------------------------------------------

    def draw_missions(self, *, scale: float) -> list[MissionDraw]:
        """The demo entrepreneur's missions, the proposals for clients that
        entrepreneurs found, then ordinary missions."""
        rng = self.rng
        draws = self._demo_entrepreneur_missions()
        for client in self.found:
            draw = self._proposal(client)
            if draw is not None:
                draws.append(draw)
        if self.size == "demo":
            for worker in self.current:
                if worker is self.demo_worker:
                    continue
                # One mission of the last weeks (to log, validate, send back), and
                # older ones.
                years = (self.today - max(worker.start, self.history_start)).days // 365
                for index in range(1 + years * DEMO_MISSIONS_PER_YEAR):
                    draw = self._ordinary(worker, recent=index == 0)
                    if draw is not None:
                        draws.append(draw)
            # Every kind of mission shows, done by someone of that trade if there is one.
            for kind in MissionKind:
                if any(draw.kind == kind for draw in draws):
                    continue
                trade = [w for w in self.current if kind in KINDS_BY_ACTIVITY[w.activity]]
                for _attempt in range(10):
                    draw = self._ordinary(rng.choice(trade or self.current), kind=kind)
                    if draw is not None:
                        draws.append(draw)
                        break
        else:
            wanted = max(len(draws) + 1, round(LARGE_MISSIONS * scale))
            while len(draws) < wanted:
                draw = self._ordinary(None)
                if draw is not None:
                    draws.append(draw)
        return draws

    def _ordinary(
        self, worker: Worker | None, *, recent: bool = False, kind: MissionKind | None = None
    ) -> MissionDraw | None:
        """A mission a coordinator created: planned, in progress or delivered by its
        dates. Without a worker given, one on their path on the first day drawn; with
        `recent`, one started in the last three months or starting soon."""
        rng = self.rng
        if worker is None:
            day = self.history_start + datetime.timedelta(
                days=rng.randint(0, (self.today - self.history_start).days + 45)
            )
            pool = self.workers if day <= self.today else self.current
            for _attempt in range(40):
                worker = rng.choice(pool)
                if worker.active_on(min(day, self.today)):
                    break
            else:
                return None
        else:
            first = max(worker.start, self.history_start)
            if recent:
                first = max(first, self.today - datetime.timedelta(days=90))
            day = first + datetime.timedelta(
                days=rng.randint(0, max(0, (self.today - first).days) + 30)
            )
        kind = kind or pick(rng, KINDS_BY_ACTIVITY[worker.activity])
        day = school_year_start(day) if kind == MissionKind.PREVENTION_WORKSHOP else day
        client = self._client(kind, worker.department, day)
        if client is None:
            return None
        draw = self._mission(worker, kind, client, day, coordinator_id=worker.coordinator_id)
        if draw is None:
            return None
        self._pair(draw)
        return draw

    def _proposal(self, client: ClientInfo) -> MissionDraw | None:
        """An entrepreneur proposes a mission for a client they found: it waits for a
        coordinator, who refuses a few and validates the others."""
        rng = self.rng
        worker = self.by_user[client.created_by_id]
        # What this client may ask for, preferably in the entrepreneur's trade.
        fitting = [kind for kind in MissionKind if _asks_for(client, kind)]
        usual = {
            kind: weight
            for kind, weight in KINDS_BY_ACTIVITY[worker.activity].items()
            if kind in fitting
        }
        kind = pick(rng, usual) if usual else rng.choice(fitting)
        day = client.created_on + datetime.timedelta(days=rng.randint(14, 40))
        created_at = client.created_at + datetime.timedelta(hours=rng.randint(1, 30))
        created_at = min(created_at, self.now - datetime.timedelta(minutes=30))
        waiting = (self.today - client.created_on).days < PROPOSAL_WAITS_DAYS
        if waiting:
            day = max(day, self.today + datetime.timedelta(days=7))
        # The first older proposal was refused, so that every data set shows one.
        refused = not waiting and (rng.random() < REFUSED_SHARE[self.size] or not self.refused)
        self.refused = self.refused or refused
        draw = self._mission(
            worker,
            kind,
            client,
            day,
            coordinator_id=worker.coordinator_id,
            created_at=created_at,
            open_only=waiting or refused,
        )
        if draw is None:
            return None
        draw.proposer = worker
        if waiting or refused:
            draw.slots = []
            draw.status = MissionStatus.PROPOSED
            if refused:
                draw.status = MissionStatus.REFUSED
                draw.refusal_reason = rng.choice(REFUSAL_REASONS)
        return draw

    def _mission(
        self,
        worker: Worker,
        kind: MissionKind,
        client: ClientInfo,
        day: datetime.date,
        *,
        coordinator_id: int,
        created_at: datetime.datetime | None = None,
        open_only: bool = False,
    ) -> MissionDraw | None:
        """The mission's visit days from `day`, cut at the worker's exit; its status
        follows: planned before its first day, in progress until its last, delivered
        after (or when its entrepreneur left)."""
        rng = self.rng
        profile = PROFILES[kind]
        low, high = profile.visits if self.size == "large" else profile.demo_visits
        visits = rng.randint(low, high)
        school_end = school_year_end(day) if kind == MissionKind.PREVENTION_WORKSHOP else None
        planned: list[tuple[datetime.date, datetime.time, int]] = []
        visit = workday(day, profile.saturdays)
        for _ in range(visits):
            if school_end is not None and visit > school_end:
                break
            if worker.end is not None and visit > worker.end:
                break
            per_day = rng.choice(profile.per_day)
            starts = profile.starts[:per_day] if per_day > 1 else [rng.choice(profile.starts)]
            for start in starts:
                planned.append((visit, start, rng.choice(profile.durations)))
            visit = workday(
                visit + datetime.timedelta(days=rng.randint(*profile.every)), profile.saturdays
            )
        if not planned:
            return None
        delivered = [] if open_only else [slot for slot in planned if slot[0] < self.today]
        starts_on, ends_on = planned[0][0], planned[-1][0]
        if worker.end is not None or (
            delivered and (self.today - ends_on).days > DELIVERED_AFTER_DAYS
        ):
            # Over, or its entrepreneur left: what was planned is what was delivered.
            if not delivered:
                return None
            status = MissionStatus.DELIVERED
            planned = delivered
            ends_on = planned[-1][0]
        elif delivered:
            status = MissionStatus.IN_PROGRESS
        else:
            status = MissionStatus.PLANNED
        if created_at is None:
            created_on = starts_on - datetime.timedelta(days=rng.randint(7, 45))
            created_at = min(
                at(created_on, rng.randint(9, 17), rng.randint(0, 59), self.zone),
                self.now - datetime.timedelta(hours=rng.randint(1, 48)),
            )
            # Not before its client was in the directory.
            created_at = max(created_at, client.created_at + datetime.timedelta(hours=1))
        low, high = profile.mission_themes
        themes = rng.sample(profile.themes, rng.randint(low, min(high, len(profile.themes))))
        price = sum(rng.randint(*profile.price) for _ in range(min(len(planned), 40)))
        price = price * len(planned) // min(len(planned), 40)
        return MissionDraw(
            client=client,
            kind=kind,
            title=title_for(rng, profile, client.name),
            description=profile.description,
            workers=[worker],
            themes=themes,
            starts_on=starts_on,
            ends_on=ends_on,
            planned_sessions=len(planned),
            agreed_price=Decimal(round(price, -1)).quantize(Decimal("0.01")),
            programme_id=self._programme(kind, client, starts_on),
            status=status,
            coordinator_id=coordinator_id,
            created_at=created_at,
            slots=delivered,
        )

    def _pair(self, draw: MissionDraw) -> None:
        """Sometimes a second entrepreneur of a related trade, on their path for all the
        sessions delivered (and still here, if the mission is open)."""
        rng = self.rng
        if rng.random() >= PAIRED.get(draw.kind, DEFAULT_PAIRED):
            return
        first = draw.workers[0]
        open_mission = draw.status != MissionStatus.DELIVERED
        last = draw.slots[-1][0] if draw.slots else draw.starts_on
        pool = self.current if open_mission else self.workers
        for _attempt in range(30):
            other = rng.choice(pool)
            if (
                other is not first
                and draw.kind in KINDS_BY_ACTIVITY[other.activity]
                and other.start <= draw.starts_on
                and (other.end is None or other.end >= last)
            ):
                draw.workers.append(other)
                return

    def _client(self, kind: MissionKind, department: str, day: datetime.date) -> ClientInfo | None:
        """A client of this kind of mission, near the entrepreneur if one is, already in
        the directory on that day."""
        rng = self.rng
        client_kind = pick(rng, CLIENTS_BY_KIND[kind])
        departments = [department] + [d for d in self.departments if d != department]
        for candidate_kind in [client_kind, *CLIENTS_BY_KIND[kind]]:
            for candidate_department in departments:
                key = (kind, candidate_kind, candidate_department)
                days = self.pool_days.get(key)
                if not days:
                    continue
                known = bisect.bisect_right(days, day)
                if known:
                    return self.pools[key][rng.randrange(known)]
        return None

    def _programme(self, kind: MissionKind, client: ClientInfo, day: datetime.date) -> int | None:
        rng = self.rng
        if kind == MissionKind.PREVENTION_WORKSHOP:
            wanted = (
                SCHOOL_PREVENTION
                if client.kind == ClientKind.SCHOOL and client.department == "93"
                else COOPP
            )
        elif kind == MissionKind.PEER_MEDIATION:
            wanted = PEER_NETWORK
        elif kind in (MissionKind.GARDENING, MissionKind.SEWING, MissionKind.SMALL_WORKS):
            wanted = PEER_HELP_COLLECTIVE if client.department == "93" else COOPP
        else:
            wanted = COOPP
        for name in (wanted, COOPP):
            programme = self.programmes.get(name)
            if (
                programme is not None
                and programme.starts_on <= day
                and (programme.ends_on is None or day <= programme.ends_on)
                and rng.random() < 0.85
            ):
                return programme.pk
        return None

    def _demo_entrepreneur_missions(self) -> list[MissionDraw]:
        """The demo login: a peer-mediation permanence in a CSAPA running since the
        summer, an awareness session for a psychiatry team this week (with a second
        entrepreneur), prevention in a collège from next week, and a training delivered
        in the spring. Their latest sessions wait for validation; one was sent back."""
        today, worker = self.today, self.demo_worker
        monday = today - datetime.timedelta(days=today.weekday())
        draws = []

        # In progress for ten weeks and eight more: Tuesday and Thursday afternoons.
        start = monday - datetime.timedelta(weeks=10)
        days = [
            start + datetime.timedelta(days=n)
            for n in range(0, 18 * 7)
            if (start + datetime.timedelta(days=n)).weekday() in (1, 3)
        ]
        client = self._client_named(MissionKind.PEER_MEDIATION, ("CSAPA", "CAARUD"), start)
        permanence = self._crafted(
            worker,
            MissionKind.PEER_MEDIATION,
            client,
            "Permanence de médiation par les pairs",
            [(day, datetime.time(14, 0), 180) for day in days],
        )
        delivered = len(permanence.slots)
        permanence.forced_statuses = {
            delivered - 1: SessionStatus.LOGGED,
            delivered - 2: SessionStatus.LOGGED,
            delivered - 3: SessionStatus.RETURNED,
        }
        permanence.forced_expenses = {
            delivered - 1: [(ExpenseKind.TRANSPORT, 420, ExpenseStatus.PENDING)],
            delivered - 5: [(ExpenseKind.MEALS, 1290, ExpenseStatus.VALIDATED)],
            delivered - 8: [(ExpenseKind.TRANSPORT, 860, ExpenseStatus.RETURNED)],
        }
        draws.append(permanence)

        # This week: Monday (or today, if today is Monday), then two more.
        client = self._client_named(
            MissionKind.CARE_TEAM_AWARENESS,
            ("Service de psychiatrie", "Centre médico", "Hôpital de jour"),
            monday,
        )
        awareness = self._crafted(
            worker,
            MissionKind.CARE_TEAM_AWARENESS,
            client,
            "Travailler avec un·e médiateur·rice de santé pair",
            [
                (monday, datetime.time(10, 0), 120),
                (monday + datetime.timedelta(days=9), datetime.time(14, 0), 120),
                (monday + datetime.timedelta(days=23), datetime.time(14, 0), 120),
            ],
        )
        awareness.forced_statuses = {0: SessionStatus.LOGGED}
        awareness.workers.append(self._partner(worker))
        draws.append(awareness)

        # From next week: four classes of 4e, two a day.
        next_monday = monday + datetime.timedelta(weeks=1)
        client = self._client_named(MissionKind.PREVENTION_WORKSHOP, ("Collège",), next_monday)
        draws.append(
            self._crafted(
                worker,
                MissionKind.PREVENTION_WORKSHOP,
                client,
                "Prévention des conduites addictives — classes de 4e",
                [
                    (next_monday + datetime.timedelta(days=days), datetime.time(hour, 30), 55)
                    for days in (1, 8)
                    for hour in (8, 10)
                ],
            )
        )

        # Delivered in the spring.
        spring = today - datetime.timedelta(days=200)
        client = self._client_named(
            MissionKind.PROFESSIONAL_TRAINING, ("Centre d'hébergement", "Centre social"), spring
        )
        training = self._crafted(
            worker,
            MissionKind.PROFESSIONAL_TRAINING,
            client,
            "Formation « Accueillir une personne qui consomme »",
            [
                (workday(spring + datetime.timedelta(days=n), False), datetime.time(9, 30), 210)
                for n in (0, 14, 28)
            ],
        )
        training.status = MissionStatus.DELIVERED
        training.forced_statuses = {}
        training.forced_expenses = {0: [(ExpenseKind.MEALS, 1450, ExpenseStatus.VALIDATED)]}
        draws.append(training)
        return draws

    def _crafted(self, worker, kind, client, title, planned) -> MissionDraw:
        rng = self.rng
        draw = self._mission_from(worker, kind, client, title, planned)
        draw.forced_statuses = draw.forced_statuses or {}
        draw.themes = rng.sample(PROFILES[kind].themes, min(2, len(PROFILES[kind].themes)))
        return draw

    def _mission_from(self, worker, kind, client, title, planned) -> MissionDraw:
        rng = self.rng
        profile = PROFILES[kind]
        delivered = [slot for slot in planned if slot[0] < self.today]
        status = MissionStatus.IN_PROGRESS if delivered else MissionStatus.PLANNED
        created_on = planned[0][0] - datetime.timedelta(days=rng.randint(10, 30))
        price = sum(rng.randint(*profile.price) for _ in planned)
        return MissionDraw(
            client=client,
            kind=kind,
            title=title,
            description=profile.description,
            workers=[worker],
            themes=[],
            starts_on=planned[0][0],
            ends_on=planned[-1][0],
            planned_sessions=len(planned),
            agreed_price=Decimal(round(price, -1)).quantize(Decimal("0.01")),
            programme_id=self._programme(kind, client, planned[0][0]),
            status=status,
            coordinator_id=worker.coordinator_id,
            created_at=max(
                min(at(created_on, 11, 0, self.zone), self.now),
                client.created_at + datetime.timedelta(hours=1),
            ),
            slots=delivered,
        )

    def _client_named(
        self, kind: MissionKind, prefixes: tuple[str, ...], day: datetime.date
    ) -> ClientInfo:
        """A client near the demo entrepreneur whose name starts so, known on that day."""
        candidates = [
            client
            for (pool_kind, _client_kind, department), pool in sorted(self.pools.items())
            if pool_kind == kind
            for client in pool
            if client.name.startswith(prefixes) and client.created_on <= day
        ]
        near = [c for c in candidates if c.department == self.demo_worker.department]
        chosen = near or candidates
        if chosen:
            return self.rng.choice(chosen)
        client = self._client(kind, self.demo_worker.department, day)
        if client is None:
            # A directory younger than the mission: its oldest client.
            client = min(
                (c for pool in self.pools.values() for c in pool), key=lambda c: c.created_at
            )
        return client

    def _partner(self, worker: Worker) -> Worker:
        """A current peer mediator or care professional to pair the demo login with."""
        monday = self.today - datetime.timedelta(days=self.today.weekday())
        others = [
            w
            for w in self.current
            if w is not worker
            and w.start <= monday
            and w.activity in (Activity.PEER_MEDIATION, Activity.CARE, Activity.PREVENTION)
        ]
        return self.rng.choice(others or [w for w in self.current if w is not worker])

    # --- Sessions ---------------------------------------------------------------------

    def draw_sessions(self, draw: MissionDraw) -> Iterator[SessionDraw]:
        """Each delivered session of the mission, by one of its entrepreneurs."""
        rng = self.rng
        profile = PROFILES[draw.kind]
        client = draw.client
        workers = draw.workers
        audience = audience_rule(draw.kind, client.kind)
        communes = self.communes.get(client.department, ())
        for index, (day, start, duration) in enumerate(draw.slots):
            worker = workers[0] if len(workers) == 1 else rng.choice(workers)
            token = uuid.UUID(int=rng.getrandbits(128))
            # Place: the client's, sometimes elsewhere nearby, sometimes remote.
            roll = rng.random()
            if roll < profile.remote:
                is_remote, commune, postcode, department, km = True, "", "", "", 0
            else:
                if roll < profile.remote + profile.elsewhere and communes:
                    commune, postcode = rng.choice(communes)
                else:
                    commune, postcode = client.commune, client.postcode
                department = department_from_postcode(postcode)
                is_remote = False
                if commune == worker.commune:
                    km = rng.choice((0, 0, rng.randint(5, 60)))
                elif department == worker.department:
                    km = rng.randint(30, 260)
                else:
                    km = rng.randint(80, 420)
            # Audiences and themes.
            main_kind, low, high, second_kind, second_chance, second_low, second_high = audience
            audiences = {main_kind: rng.randint(low, high)}
            if second_kind is not None and rng.random() < second_chance:
                audiences[second_kind] = rng.randint(second_low, second_high)
            themes = draw.themes
            if len(themes) > 1:
                themes = rng.sample(themes, min(len(themes), rng.choice((1, 2, 2, 2, 3))))
            # Review: recent sessions wait; some are sent back.
            age = (self.today - day).days
            if draw.forced_statuses is not None:
                status = draw.forced_statuses.get(index, SessionStatus.VALIDATED)
            else:
                status = draw_session_status(rng, age, RETURNED_SHARE[self.size])
            logged_at = draw_logged_at(rng, day, start, duration, self.zone, self.now)
            reviewer_id = reviewed_at = None
            reason = ""
            if status != SessionStatus.LOGGED:
                reviewer_id = (
                    worker.coordinator_id
                    if rng.random() < 0.9 or len(self.coordinator_ids) == 1
                    else rng.choice(self.coordinator_ids)
                )
                if reviewer_id not in self.coordinators:
                    reviewer_id = self.coordinator_ids[0]
                delay = datetime.timedelta(hours=rng.randint(2, 24 * 12))
                reviewed_at = min(logged_at + delay, self.now - datetime.timedelta(minutes=5))
                reviewed_at = max(reviewed_at, logged_at)
                if status == SessionStatus.RETURNED:
                    reasons = list(SESSION_RETURN_REASONS)
                    if AudienceKind.PUPILS in audiences:
                        reasons.append(CLASS_RETURN_REASON)
                    if km >= FAR_TENTHS:
                        reasons.append(KILOMETRES_RETURN_REASON)
                    reason = rng.choice(reasons)
            note = rng.choice(profile.notes) if rng.random() < 0.55 else ""
            # Expenses.
            expenses = []
            if index in draw.forced_expenses:
                for kind, cents, expense_status in draw.forced_expenses[index]:
                    receipt = "pdf" if kind == ExpenseKind.MEALS else "png"
                    expenses.append(self._expense(kind, cents, expense_status, status, receipt))
            elif draw.forced_statuses is None and rng.random() < profile.expense_chance:
                for _ in range(1 if rng.random() < 0.9 else 2):
                    kind = pick(rng, profile.expense_kinds)
                    cents = rng.randint(*EXPENSE_CENTS[kind])
                    expenses.append(self._expense(kind, cents, None, status))
            yield SessionDraw(
                worker=worker,
                token=token,
                date=day,
                start_time=start,
                duration_minutes=duration,
                is_remote=is_remote,
                commune=commune,
                postcode=postcode,
                department=department,
                kilometres=self.kilometres[min(km, 800)],
                note=note,
                status=status,
                return_reason=reason,
                reviewer_id=reviewer_id,
                logged_at=logged_at,
                reviewed_at=reviewed_at,
                audiences=audiences,
                themes=themes,
                expenses=expenses,
            )

    def _expense(
        self,
        kind: ExpenseKind,
        cents: int,
        status: ExpenseStatus | None,
        session_status: SessionStatus,
        receipt: str | None = None,
    ) -> ExpenseDraw:
        rng = self.rng
        if status is None:
            status = ExpenseStatus.PENDING
            if session_status == SessionStatus.VALIDATED:
                roll = rng.random()
                status = (
                    ExpenseStatus.VALIDATED
                    if roll < 0.95
                    else ExpenseStatus.RETURNED
                    if roll < 0.975
                    else ExpenseStatus.PENDING
                )
        if self.size != "demo":
            receipt = ""
        elif receipt is None:
            receipt = ""
            if rng.random() < DEMO_RECEIPT_SHARE:
                receipt = "pdf" if kind == ExpenseKind.MEALS or rng.random() < 0.3 else "png"
        return ExpenseDraw(
            kind=kind,
            amount=Decimal(cents).scaleb(-2),
            status=status,
            return_reason=(
                rng.choice(EXPENSE_RETURN_REASONS) if status == ExpenseStatus.RETURNED else ""
            ),
            receipt=receipt,
        )
