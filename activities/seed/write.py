"""Writing what was drawn: through the services in the demo, as plain rows in bulk in the
large size."""

import datetime
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max

from activities import services
from activities.enums import (
    ExpenseKind,
    ExpenseStatus,
    MissionStatus,
    SessionStatus,
)
from activities.models import (
    Expense,
    Mission,
    MissionTheme,
    Session,
    SessionAudience,
    SessionTheme,
)
from activities.seed.draw import ExpenseDraw, MissionDraw, SessionDraw, World
from members.seed.path import tiny_pdf

# Rows per INSERT batch in the large size; one batch of sessions is held at a time.
BATCH_SIZE = 20_000


def write_with_services(world: World, draws: list[MissionDraw]) -> None:
    """The demo: each mission, session, expense and review through the services, as
    people would; then the times moved back to when they happened."""
    coordinators = world.coordinators
    timestamps = []
    for draw in draws:
        coordinator = coordinators.get(draw.coordinator_id) or next(iter(coordinators.values()))
        fields = {
            "client_id": draw.client.pk,
            "title": draw.title,
            "kind": draw.kind,
            "description": draw.description,
            "starts_on": draw.starts_on,
            "ends_on": draw.ends_on,
            "planned_sessions": draw.planned_sessions,
            "agreed_price": draw.agreed_price,
            "programme_id": draw.programme_id,
            "created_at": draw.created_at,
        }
        if draw.proposer is not None:
            mission = services.mission_create(
                actor=draw.proposer.user, entrepreneurs=[], themes=draw.themes, **fields
            )
            if draw.status == MissionStatus.REFUSED:
                services.mission_refuse(
                    actor=coordinator, mission=mission, reason=draw.refusal_reason
                )
                continue
            if draw.status == MissionStatus.PROPOSED:
                continue
            mission = services.mission_accept(actor=coordinator, mission=mission)
        else:
            mission = services.mission_create(
                actor=coordinator,
                entrepreneurs=[worker.member for worker in draw.workers],
                themes=draw.themes,
                **fields,
            )
        for session_draw in world.draw_sessions(draw):
            user = session_draw.worker.user
            session, _created = services.session_log(
                actor=user,
                mission=mission,
                client_token=session_draw.token,
                date=session_draw.date,
                start_time=session_draw.start_time,
                duration_minutes=session_draw.duration_minutes,
                is_remote=session_draw.is_remote,
                commune=session_draw.commune,
                postcode=session_draw.postcode,
                audiences=session_draw.audiences,
                themes=session_draw.themes,
                kilometres=session_draw.kilometres,
                note=session_draw.note,
            )
            expenses = [
                (
                    services.expense_add(
                        actor=user,
                        session=session,
                        kind=expense.kind,
                        amount=expense.amount,
                        receipt=_receipt(expense, session_draw),
                    ),
                    expense,
                )
                for expense in session_draw.expenses
            ]
            reviewer = coordinators.get(session_draw.reviewer_id)
            if session_draw.status == SessionStatus.VALIDATED:
                services.session_validate(actor=reviewer, session=session)
            elif session_draw.status == SessionStatus.RETURNED:
                services.session_return(
                    actor=reviewer, session=session, reason=session_draw.return_reason
                )
            for expense, expense_draw in expenses:
                if expense_draw.status != ExpenseStatus.PENDING:
                    services.expense_review(
                        actor=reviewer or coordinator,
                        expense=expense,
                        status=expense_draw.status,
                        reason=expense_draw.return_reason,
                    )
            session.logged_at, session.reviewed_at = (
                session_draw.logged_at,
                session_draw.reviewed_at,
            )
            timestamps.append(session)
        if draw.status == MissionStatus.DELIVERED:
            services.mission_move(actor=coordinator, mission=mission, status=draw.status)
    # The services stamp "now": the history has its own dates.
    Session.objects.bulk_update(timestamps, ["logged_at", "reviewed_at"], batch_size=500)


def write_in_bulk(world: World, draws: list[MissionDraw]) -> None:
    """The large size: the rows the services would write, a batch at a time."""
    missions = [
        Mission(
            client_id=draw.client.pk,
            title=draw.title,
            kind=draw.kind,
            description=draw.description,
            starts_on=draw.starts_on,
            ends_on=draw.ends_on,
            planned_sessions=draw.planned_sessions,
            agreed_price=draw.agreed_price,
            programme_id=draw.programme_id,
            status=draw.status,
            refusal_reason=draw.refusal_reason,
            proposed_by_id=(
                draw.proposer.user.pk if draw.proposer is not None else draw.coordinator_id
            ),
            created_at=draw.created_at,
        )
        for draw in draws
    ]
    Mission.objects.bulk_create(missions, batch_size=BATCH_SIZE)
    through = Mission.entrepreneurs.through
    through.objects.bulk_create(
        [
            through(mission_id=mission.pk, member_id=worker.member.pk)
            for mission, draw in zip(missions, draws, strict=True)
            for worker in draw.workers
        ],
        batch_size=BATCH_SIZE,
    )
    MissionTheme.objects.bulk_create(
        [
            MissionTheme(mission_id=mission.pk, theme=theme)
            for mission, draw in zip(missions, draws, strict=True)
            for theme in draw.themes
        ],
        batch_size=BATCH_SIZE,
    )
    writer = _RowWriter()
    batch: list[tuple[int, SessionDraw]] = []
    for mission, draw in zip(missions, draws, strict=True):
        for session_draw in world.draw_sessions(draw):
            batch.append((mission.pk, session_draw))
        if len(batch) >= BATCH_SIZE:
            writer.write(batch)
            batch = []
    writer.write(batch)
    writer.finish()


class _RowWriter:
    """Sessions and what comes with them, as the rows the services write, sent a batch
    at a time as plain tuples (`executemany`): building a million model instances for
    `bulk_create` would cost minutes of Python. Values go through the backend's own
    adapters, so that SQLite and PostgreSQL store what the ORM would."""

    SESSION = (
        "id",
        "client_token",
        "mission",
        "entrepreneur",
        "date",
        "start_time",
        "duration_minutes",
        "is_remote",
        "commune",
        "postcode",
        "department",
        "kilometres",
        "note",
        "status",
        "return_reason",
        "reviewed_by",
        "reviewed_at",
        "logged_at",
    )
    AUDIENCE = ("session", "kind", "count")
    THEME = ("session", "theme")
    EXPENSE = (
        "session",
        "kind",
        "amount",
        "receipt",
        "receipt_content_type",
        "status",
        "return_reason",
    )

    def __init__(self):
        # The sessions' keys are chosen here, so that their audiences, themes and
        # expenses can point at them without reading them back.
        self.next_id = (Session.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
        self.native_uuid = connection.features.has_native_uuid_field
        self.datetime = connection.ops.adapt_datetimefield_value
        self.times: dict[datetime.time, object] = {}

    def write(self, batch: list[tuple[int, SessionDraw]]) -> None:
        sessions, audiences, themes, expenses = [], [], [], []
        to_db, times = self.datetime, self.times
        for mission_id, draw in batch:
            pk = self.next_id
            self.next_id += 1
            start = times.get(draw.start_time)
            if start is None:
                start = times[draw.start_time] = connection.ops.adapt_timefield_value(
                    draw.start_time
                )
            sessions.append(
                (
                    pk,
                    draw.token if self.native_uuid else draw.token.hex,
                    mission_id,
                    draw.worker.member.pk,
                    draw.date,
                    start,
                    draw.duration_minutes,
                    draw.is_remote,
                    draw.commune,
                    draw.postcode,
                    draw.department,
                    draw.kilometres,
                    draw.note,
                    draw.status.value,
                    draw.return_reason,
                    draw.reviewer_id,
                    None if draw.reviewed_at is None else to_db(draw.reviewed_at),
                    to_db(draw.logged_at),
                )
            )
            for kind, count in draw.audiences.items():
                audiences.append((pk, kind.value, count))
            for theme in draw.themes:
                themes.append((pk, theme.value))
            for expense in draw.expenses:
                expenses.append(
                    (
                        pk,
                        expense.kind.value,
                        expense.amount,
                        "",
                        "",
                        expense.status.value,
                        expense.return_reason,
                    )
                )
        _insert(Session, self.SESSION, sessions)
        _insert(SessionAudience, self.AUDIENCE, audiences)
        _insert(SessionTheme, self.THEME, themes)
        _insert(Expense, self.EXPENSE, expenses)

    def finish(self) -> None:
        """Keys were chosen here: the database's sequence follows (PostgreSQL). The
        planner is given fresh statistics of the tables just filled, or its first plans
        guess at empty tables and crawl."""
        statements = connection.ops.sequence_reset_sql(no_style(), [Session])
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            for model in (Session, SessionAudience, SessionTheme, Expense):
                cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


def _insert(model, names: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.executemany(
            # Names come from the models, values go as parameters.
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})",  # noqa: S608
            rows,
        )


def _receipt(expense: ExpenseDraw, session: SessionDraw) -> SimpleUploadedFile | None:
    """A photo (PNG) or a PDF of the receipt, as a phone would send it."""
    if not expense.receipt:
        return None
    amount = f"{expense.amount:.2f}".replace(".", ",")
    if expense.receipt == "pdf":
        content = tiny_pdf(
            f"Reçu — {ExpenseKind(expense.kind).label}",
            f"Date : {session.date:%d/%m/%Y}",
            f"Montant TTC : {amount} EUR",
        )
        return SimpleUploadedFile("recu.pdf", content, content_type="application/pdf")
    return SimpleUploadedFile(
        "photo-ticket.png", tiny_png(int(expense.amount * 100)), content_type="image/png"
    )


def tiny_png(seed: int, width: int = 24, height: int = 36) -> bytes:
    """A small greyscale PNG that looks like a till receipt: light paper with darker
    lines of text, varied by `seed`."""
    rows = []
    for y in range(height):
        printed = 3 <= y < height - 3 and y % 3 == 0
        length = 6 + (seed + y * 7) % (width - 8)
        rows.append(
            b"\x00" + bytes(70 if printed and 2 <= x < 2 + length else 235 for x in range(width))
        )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )
