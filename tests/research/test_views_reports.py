"""The coordinators' report pages and the funders' portal: who may see, run, re-run,
preview and send; nothing of another programme; bad input answered in French."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from members.enums import Role
from research.enums import SnapshotStatus
from research.models import Snapshot
from research.services import snapshots
from tests.members.factories import ProgrammeFactory
from tests.research.factories import SnapshotFactory

pytestmark = pytest.mark.django_db

FAKE_DATA = {"tables": {}, "indicators": [], "threshold": 11, "previous": None}
NO_ACCESS = [
    Role.ENTREPRENEUR,
    Role.PEER_SUPPORT_LEAD,
    Role.ACCOUNTANT,
    Role.FUNDER,
    Role.RESEARCHER,
]


@pytest.fixture(autouse=True)
def light_cycle(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(snapshots, "publication_compute", lambda *a, **k: dict(FAKE_DATA))
    monkeypatch.setattr(snapshots, "_render_pdf", lambda snapshot: b"%PDF-1.7\n% test\n")


def _with_pdf(snapshot):
    snapshot.pdf.save("r.pdf", ContentFile(b"%PDF-1.7\n% test\n"))
    return snapshot


def test_anonymous_goes_to_login(client):
    snapshot = SnapshotFactory()
    for url in (
        reverse("research:report_list"),
        reverse("research:report_detail", args=[snapshot.pk]),
        reverse("research:portal"),
        reverse("research:portal_pdf", args=[snapshot.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/compte/" in response["Location"]


@pytest.mark.parametrize("role", NO_ACCESS)
def test_other_roles_reach_no_report_page(client_of_role, role):
    client = client_of_role(role)
    snapshot = _with_pdf(SnapshotFactory())
    assert client.get(reverse("research:report_list")).status_code == 403
    assert client.get(reverse("research:report_detail", args=[snapshot.pk])).status_code == 403
    assert client.get(reverse("research:report_pdf", args=[snapshot.pk])).status_code == 403
    assert client.post(reverse("research:report_send", args=[snapshot.pk])).status_code == 403


def test_administrator_reads_but_does_not_run(client_of_role):
    client = client_of_role(Role.ADMINISTRATOR)
    snapshot = _with_pdf(SnapshotFactory())
    assert client.get(reverse("research:report_detail", args=[snapshot.pk])).status_code == 200
    assert client.post(reverse("research:report_rerun", args=[snapshot.pk])).status_code == 403
    assert client.post(reverse("research:report_request"), {}).status_code == 403


def test_coordinator_runs_a_month_and_follows_it(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    programme = ProgrammeFactory()
    last = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    response = client.post(
        reverse("research:report_request"),
        {"programme": programme.pk, "kind": "month", "month": last.month, "year": last.year},
    )
    snapshot = Snapshot.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("research:report_detail", args=[snapshot.pk])
    assert snapshot.status == SnapshotStatus.READY  # eager Celery in tests
    assert snapshot.requested_by == client.user
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Aperçu du PDF" in page.content.decode()
    # Asking again for the same period leads to the same report, never a second one.
    again = client.post(
        reverse("research:report_request"),
        {"programme": programme.pk, "kind": "month", "month": last.month, "year": last.year},
    )
    assert again["Location"] == response["Location"]
    assert Snapshot.objects.count() == 1


def test_a_building_report_shows_its_progress_and_refreshes(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    snapshot = SnapshotFactory(building=True, progress=40, progress_label="Calcul des indicateurs")
    content = client.get(reverse("research:report_detail", args=[snapshot.pk])).content.decode()
    assert 'http-equiv="refresh"' in content
    assert "40 %" in content and "Calcul des indicateurs" in content


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "custom", "start": "", "end": ""}, "Indiquez le début et la fin"),
        ({"kind": "custom", "start": "2026-03-31", "end": "2026-03-01"}, "précède son début"),
        ({"kind": "year", "year": ""}, "Indiquez l&#x27;année"),
    ],
)
def test_bad_requests_are_answered_in_french_and_keep_what_was_typed(client_of_role, data, message):
    client = client_of_role(Role.COORDINATOR)
    programme = ProgrammeFactory()
    response = client.post(reverse("research:report_request"), {"programme": programme.pk, **data})
    assert response.status_code == 400
    content = response.content.decode()
    assert message in content
    if data.get("start"):
        assert 'value="2026-03-31"' in content
    assert not Snapshot.objects.exists()


def test_a_period_not_finished_is_refused(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    programme = ProgrammeFactory()
    today = timezone.localdate()
    response = client.post(
        reverse("research:report_request"),
        {"programme": programme.pk, "kind": "month", "month": today.month, "year": today.year},
    )
    assert response.status_code == 400
    assert "une fois terminée" in response.content.decode()


def test_rerun_makes_a_new_version_and_send_releases_it(client_of_role, mailoutbox):
    client = client_of_role(Role.COORDINATOR)
    first = _with_pdf(SnapshotFactory())
    response = client.post(reverse("research:report_rerun", args=[first.pk]))
    second = Snapshot.objects.get(version=2)
    assert response["Location"] == reverse("research:report_detail", args=[second.pk])
    assert second.status == SnapshotStatus.READY
    first.refresh_from_db()
    assert not first.is_current
    client.post(reverse("research:report_send", args=[second.pk]))
    second.refresh_from_db()
    assert second.status == SnapshotStatus.SENT
    # Sending twice sends once.
    client.post(reverse("research:report_send", args=[second.pk]))
    assert Snapshot.objects.filter(status=SnapshotStatus.SENT).count() == 1


def test_pdf_preview_inline_and_download(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    snapshot = _with_pdf(SnapshotFactory())
    preview = client.get(reverse("research:report_pdf", args=[snapshot.pk]) + "?apercu=1")
    assert preview["Content-Type"] == "application/pdf"
    assert preview["Content-Disposition"].startswith("inline")
    download = client.get(reverse("research:report_pdf", args=[snapshot.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    building = SnapshotFactory(
        building=True, period_start=datetime.date(2025, 1, 1), period_end=datetime.date(2025, 1, 31)
    )
    assert client.get(reverse("research:report_pdf", args=[building.pk])).status_code == 404


def test_unknown_report_is_404(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    assert client.get(reverse("research:report_detail", args=[999999])).status_code == 404


def test_wrong_methods(client_of_role):
    client = client_of_role(Role.COORDINATOR)
    snapshot = SnapshotFactory()
    assert client.get(reverse("research:report_send", args=[snapshot.pk])).status_code == 405
    assert client.get(reverse("research:report_rerun", args=[snapshot.pk])).status_code == 405
    assert client.post(reverse("research:report_list")).status_code == 405


@pytest.mark.parametrize("size", [2, 12])
def test_report_list_queries_do_not_grow(client_of_role, django_assert_num_queries, size):
    client = client_of_role(Role.COORDINATOR)
    for i in range(size):
        SnapshotFactory(
            period_start=datetime.date(2024, 1, 1) + datetime.timedelta(days=40 * i),
            period_end=datetime.date(2024, 1, 1) + datetime.timedelta(days=40 * i + 20),
        )
    # session, user, the menu's two-factor check, count of reports, programmes (the
    # filter, and the request form's select rendered twice by its widget), the page of
    # reports with its has-old-versions subquery.
    with django_assert_num_queries(8):
        assert client.get(reverse("research:report_list")).status_code == 200


# --- The funders' portal ---------------------------------------------------------------


def _funder_of(client_of_role, programme):
    client = client_of_role(Role.FUNDER)
    programme.readers.add(client.user)
    return client


def test_funder_sees_only_sent_reports_of_their_programmes(client_of_role):
    mine, other = (
        ProgrammeFactory(name="Programme Lumière"),
        ProgrammeFactory(name="Programme Autre"),
    )
    client = _funder_of(client_of_role, mine)
    sent = _with_pdf(SnapshotFactory(programme=mine, sent=True))
    waiting = _with_pdf(
        SnapshotFactory(
            programme=mine,
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 1, 31),
        )
    )
    foreign = _with_pdf(SnapshotFactory(programme=other, sent=True))
    page = client.get(reverse("research:portal"))
    content = page.content.decode()
    assert "Programme Lumière" in content and "Programme Autre" not in content
    assert client.get(reverse("research:portal_pdf", args=[sent.pk])).status_code == 200
    assert client.get(reverse("research:portal_csv", args=[sent.pk])).status_code == 200
    assert client.get(reverse("research:portal_pdf", args=[waiting.pk])).status_code == 404
    assert client.get(reverse("research:portal_pdf", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("research:portal_csv", args=[foreign.pk])).status_code == 404


def test_of_two_sent_versions_the_portal_shows_the_latest(client_of_role):
    programme = ProgrammeFactory()
    client = _funder_of(client_of_role, programme)
    old = _with_pdf(SnapshotFactory(programme=programme, sent=True, is_current=False))
    new = _with_pdf(SnapshotFactory(programme=programme, sent=True, version=2))
    assert client.get(reverse("research:portal_pdf", args=[old.pk])).status_code == 404
    assert client.get(reverse("research:portal_pdf", args=[new.pk])).status_code == 200


@pytest.mark.parametrize(
    "role", [Role.COORDINATOR, Role.RESEARCHER, Role.ENTREPRENEUR, Role.ACCOUNTANT]
)
def test_the_portal_is_for_funders(client_of_role, role):
    client = client_of_role(role)
    assert client.get(reverse("research:portal")).status_code == 403


@pytest.mark.parametrize("size", [1, 6])
def test_portal_queries_do_not_grow(client_of_role, django_assert_num_queries, size):
    client = client_of_role(Role.FUNDER)
    for _i in range(size):
        programme = ProgrammeFactory()
        programme.readers.add(client.user)
        SnapshotFactory(programme=programme, sent=True)
    # session, user, programmes, their funders, their released reports.
    with django_assert_num_queries(5):
        assert client.get(reverse("research:portal")).status_code == 200


def _published_month(programme, year, month, value):
    """A sent monthly report whose only figure is `value` entrepreneurs in their path."""
    from decimal import Decimal

    from research import disclosure
    from research.indicators.base import TOTAL, Cell, Measure, make_table

    start, end = snapshots.month_bounds(year, month)
    raw = make_table(
        "entrepreneurs_active",
        Measure.PEOPLE,
        {(TOTAL, TOTAL): Cell(Decimal(value), value)},
    )
    tables = disclosure.protect([raw], threshold=11)
    return _with_pdf(
        SnapshotFactory(
            programme=programme,
            period_start=start,
            period_end=end,
            sent=True,
            data={
                "tables": {key: table.to_dict() for key, table in tables.items()},
                "indicators": ["entrepreneurs_active"],
                "threshold": 11,
                "previous": None,
            },
        )
    )


def test_funder_sees_their_programme_month_by_month(client_of_role):
    programme = ProgrammeFactory(name="Programme Lumière", starts_on=datetime.date(2025, 1, 1))
    client = _funder_of(client_of_role, programme)
    for month, value in ((1, 30), (2, 7), (3, 42)):
        _published_month(programme, 2025, month, value)
    response = client.get(reverse("research:portal_programme", args=[programme.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and 'role="img"' in html
    assert "42" in html  # the latest key figure
    # February's 7 people are hidden: not in the chart's figures.
    assert ">7<" not in html and " 7 " not in html.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_the_programme_page_of_the_portal_is_for_its_funders(client_of_role):
    programme = ProgrammeFactory()
    other = ProgrammeFactory()
    funder = _funder_of(client_of_role, programme)
    assert funder.get(reverse("research:portal_programme", args=[other.pk])).status_code == 404
    url = reverse("research:portal_programme", args=[programme.pk])
    assert funder.post(url).status_code == 405
    funder.logout()
    assert funder.get(url).status_code == 302


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.RESEARCHER, Role.ENTREPRENEUR])
def test_the_programme_page_of_the_portal_is_refused_to_others(client_of_role, role):
    programme = ProgrammeFactory()
    client = client_of_role(role)
    programme.readers.add(client.user)
    url = reverse("research:portal_programme", args=[programme.pk])
    assert client.get(url).status_code == 403


def test_with_the_broker_down_a_report_request_waits_and_the_site_answers(
    client_of_role, monkeypatch
):
    from kombu.exceptions import OperationalError

    from research import tasks_reports

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks_reports.snapshot_make, "delay", unreachable)
    client = client_of_role(Role.COORDINATOR)
    programme = ProgrammeFactory()
    last = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    response = client.post(
        reverse("research:report_request"),
        {"programme": programme.pk, "kind": "month", "month": last.month, "year": last.year},
        follow=True,
    )
    assert response.status_code == 200
    assert "indisponible" in response.content.decode()
    snapshot = Snapshot.objects.get()
    assert snapshot.status == SnapshotStatus.BUILDING
    # Back: the coordinator starts it again from its page (the daily run would too).
    monkeypatch.undo()
    monkeypatch.setattr(snapshots, "publication_compute", lambda *a, **k: dict(FAKE_DATA))
    monkeypatch.setattr(snapshots, "_render_pdf", lambda snapshot: b"%PDF-1.7\n")
    client.post(reverse("research:report_retry", args=[snapshot.pk]))
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.READY
