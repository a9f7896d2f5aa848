"""The funders' impact report: rendered from published figures only (a hidden value is
never printed, a change never computed from one), nothing nominative, in French, and an
accessible PDF (tagged, language, title, outline, table of contents with page numbers).

PDF renders take seconds: most tests read the HTML (`report_html`); three read a PDF
back with pypdf."""

import datetime
import hashlib
import io
import re
from decimal import Decimal

import pytest
from django.utils import translation
from pypdf import PdfReader

from research import disclosure, reports
from research.enums import PeriodKind, SnapshotStatus
from research.indicators import TOTAL, Cell, Measure
from research.indicators.base import make_table, table_key
from research.indicators.dimensions import DEPARTMENT, GENDER
from research.models import Snapshot
from research.services import snapshots
from research.services.snapshots import publication_compute
from tests.coop.factories import CooperativeProfileFactory
from tests.members.factories import ProgrammeFactory
from tests.peer_support.factories import FollowUpFactory, MeetingFactory, PeerMediatorFactory
from tests.research import factories_indicators as world
from tests.research.factories import FunderFactory, SnapshotFactory
from tests.research.factories_reports import ChosenTestimonialFactory

pytestmark = pytest.mark.django_db

D = datetime.date
DECEMBER = (D(2025, 12, 1), D(2025, 12, 31))
JANUARY = (D(2026, 1, 1), D(2026, 1, 31))
FEBRUARY = (D(2026, 2, 1), D(2026, 2, 28))
MARCH = (D(2026, 3, 1), D(2026, 3, 31))
ACTIVE = "entrepreneurs_active"
HOURS = "hours_delivered"
# Names no report may print.
MEMBER_FIRST, MEMBER_LAST = "Zéphyrine", "Quenouillard"
PSEUDONYM = "Ondine-Pervenche"


def _people(code, counts: dict[str, int], dimension=None):
    """A raw table of distinct people: the whole, or split by `dimension`."""
    cells = {(TOTAL, TOTAL): Cell(value=Decimal(sum(counts.values())), people=0)}
    cells[(TOTAL, TOTAL)].people = int(cells[(TOTAL, TOTAL)].value)
    if dimension is not None:
        for key, n in counts.items():
            cells[(key, TOTAL)] = Cell(value=Decimal(n), people=n)
    return make_table(code, Measure.PEOPLE, cells, rows=dimension)


def _hours(parts: dict[str, tuple[str, int]], dimension=None):
    """A raw sum of hours: {key: (value, people)}, each person a small part of it."""
    total = sum(Decimal(v) for v, _n in parts.values())
    people = sum(n for _v, n in parts.values())
    cells = {(TOTAL, TOTAL): Cell(value=total, people=people, top_share=Decimal("0.05"))}
    if dimension is not None:
        for key, (value, n) in parts.items():
            cells[(key, TOTAL)] = Cell(value=Decimal(value), people=n, top_share=Decimal("0.2"))
    return make_table(HOURS, Measure.SUM, cells, rows=dimension)


def _data(raw_tables, threshold=11, previous=None) -> dict:
    """Snapshot data as the cycle stores it, protected by the real disclosure control."""
    protected = disclosure.protect(raw_tables, threshold=threshold, previous=previous)
    return {
        "tables": {key: table.to_dict() for key, table in protected.items()},
        "indicators": list(dict.fromkeys(t.indicator for t in raw_tables)),
        "threshold": threshold,
        "previous": None,
    }


GENDERS = {"woman": 4321, "man": 523, "non_binary": 7}
DEPARTMENTS = {"93": ("1200.00", 35), "75": ("34.50", 5)}


def _march_data() -> dict:
    return _data(
        [
            _people(ACTIVE, GENDERS),
            _people(ACTIVE, GENDERS, GENDER),
            _hours(DEPARTMENTS),
            _hours(DEPARTMENTS, DEPARTMENT),
        ]
    )


def _snapshot(programme, period, data, **kwargs):
    return SnapshotFactory(
        programme=programme,
        period_kind=PeriodKind.MONTH,
        period_start=period[0],
        period_end=period[1],
        data=data,
        **kwargs,
    )


@pytest.fixture
def programme():
    CooperativeProfileFactory()
    programme = ProgrammeFactory(
        name="Pairs en Seine-Saint-Denis", starts_on=DECEMBER[0], disclosure_threshold=11
    )
    FunderFactory(name="ARS Île-de-France", programmes=[programme], health_agency=True)
    FunderFactory(name="Fondation Entraide Test", programmes=[programme])
    return programme


def _text(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


def _structure(node):
    """(tag, alternative text) of every element of a PDF's structure tree."""
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, list):
        for child in node:
            yield from _structure(child)
        return
    if not hasattr(node, "get"):
        return
    if "/S" in node:
        yield str(node["/S"]), str(node.get("/Alt", ""))
    if "/K" in node:
        yield from _structure(node["/K"])


def _squeeze(text: str) -> str:
    """Spaces of every kind as one plain space (French numbers use narrow ones)."""
    return re.sub(r"[\s\u202f\xa0]+", " ", text)


# --- A realistic month, through the real indicators -------------------------------------------


def _realistic_world(programme):
    """Fourteen consenting entrepreneurs of the programme running prevention sessions in
    two departments, and twelve accompanied people met by a peer mediator, from
    December to March; every person has a name no report may print."""
    for n in range(14):
        member = world.entrepreneur(
            cape_on=D(2025, 11, 1), first_name=f"{MEMBER_FIRST}{n}", last_name=MEMBER_LAST
        )
        world.covered(member, programme)
        mission = world.mission(member, programme=programme)
        for month in (12, 1, 2, 3):
            year = 2025 if month == 12 else 2026
            world.session(mission, date=D(year, month, 10), department="93" if n % 4 else "75")
    mediator = PeerMediatorFactory(first_name=MEMBER_FIRST, last_name=MEMBER_LAST)
    world.covered(mediator, programme)
    for n in range(12):
        followup = FollowUpFactory(
            mediator=mediator, programme=programme, opened_on=D(2025, 12, 2), pseudonym=PSEUDONYM
        )
        for month in (1, 2, 3):
            MeetingFactory(followup=followup, date=D(2026, month, 5 + n))
    return mediator


def test_a_realistic_month_as_a_tagged_french_pdf(programme):
    mediator = _realistic_world(programme)
    ChosenTestimonialFactory(
        programme=programme,
        changed_first_name="Églantine",
        text="Ici, on m'a fait confiance avant que je me fasse confiance moi-même.",
    )
    ChosenTestimonialFactory(
        programme=programme, changed_first_name="Philomène", text="Retiré depuis.", withdrawn=True
    )
    published = []
    for period in (DECEMBER, JANUARY, FEBRUARY):
        data = publication_compute(
            programme, *period, previous=published[-1] if published else None
        )
        published.append(_snapshot(programme, period, data))
    march = _snapshot(
        programme,
        MARCH,
        publication_compute(programme, *MARCH, previous=published[-1]),
        status=SnapshotStatus.BUILDING,
    )

    pdf = reports.report_pdf(march)

    reader, pages = _text(pdf)
    text = _squeeze("\n".join(pages))
    # Key figures: as published (14 entrepreneurs, 14 sessions of 2 h), compared with
    # February's.
    active = disclosure.ProtectedTable.from_dict(
        march.data["tables"][table_key(ACTIVE, None, None)]
    )
    assert active.display() == "14"
    assert "Entrepreneur·es en parcours (personnes) 14 14 0" in text
    assert "Heures d'intervention (heures) 28,00 28,00 0,00" in text
    assert "Rapport d'impact" in text and "Pairs en Seine-Saint-Denis" in text
    assert "ARS Île-de-France, Fondation Entraide Test" in text
    assert "du 01/03/2026 au 31/03/2026" in text
    # Nothing nominative: neither members, nor the mediator, nor accompanied people; the
    # testimonial under its changed first name only, the withdrawn one not at all.
    for name in (MEMBER_FIRST, MEMBER_LAST, PSEUDONYM, mediator.user.email, "Philomène"):
        assert name not in text
    assert "— Églantine (prénom modifié)" in text
    # Running header, numbered pages; the table of contents points at the right pages.
    assert f"Page 3 / {len(pages)}" in _squeeze(pages[2])
    assert "Pairs en Seine-Saint-Denis" in pages[2]
    assert "mars 2026" in pages[2]
    toc = _squeeze(pages[1])
    methods_page = int(re.search(r"Méthode et définitions[\s.]*(\d+)", toc).group(1))
    assert "Secret statistique" in pages[methods_page - 1]
    testimonials_page = int(re.search(r"Témoignages[\s.]*(\d+)", toc).group(1))
    assert "Églantine" in pages[testimonials_page - 1]
    # An outline of the chapters.
    top, chapters = reader.outline
    assert top.title == "Rapport d'impact"
    titles = [item.title for item in chapters if not isinstance(item, list)]
    assert titles[:3] == ["Sommaire", "Synthèse des chiffres clés", "Évolution mois par mois"]
    assert "Pair-aidance" in titles
    assert titles[-2:] == ["Témoignages", "Méthode et définitions"]
    # Accessible: tagged, in French, titled, charts with their figures as alternative text.
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "fr"
    assert reader.metadata.title == "Rapport d'impact — Pairs en Seine-Saint-Denis — mars 2026"
    figures = [alt for tag, alt in _structure(root["/StructTreeRoot"]) if tag == "/Figure"]
    # Every key indicator but the revenue, nothing but zeros here (a flat line says
    # nothing).
    assert len(figures) == len(reports.KEY_INDICATORS) - 1
    assert "Entrepreneur·es en parcours, mois par mois" in figures[0]
    assert "mars 2026 : 14" in figures[0]
    tags = {tag for tag, _alt in _structure(root["/StructTreeRoot"])}
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/TD", "/Caption", "/L"} <= tags


def test_the_cycle_stores_the_report(programme, settings, tmp_path, monkeypatch):
    """The monthly cycle renders this report (no stub): stored, fingerprinted."""
    settings.MEDIA_ROOT = tmp_path
    snapshot = _snapshot(
        programme, MARCH, {}, status=SnapshotStatus.BUILDING, progress=0, computed_at=None
    )
    monkeypatch.setattr(snapshots, "publication_compute", lambda *args, **kwargs: _march_data())

    built = snapshots.snapshot_build(snapshot_id=snapshot.pk)

    assert built.status == SnapshotStatus.READY
    with built.pdf.open("rb") as handle:
        pdf = handle.read()
    assert pdf.startswith(b"%PDF-1.7")
    assert built.pdf_sha256 == hashlib.sha256(pdf).hexdigest()


# --- Hidden values -----------------------------------------------------------------------------


def test_a_hidden_value_is_never_printed(programme):
    march = _snapshot(programme, MARCH, _march_data())

    pdf = reports.report_pdf(march)

    _reader, pages = _text(pdf)
    text = _squeeze("\n".join(pages))
    # Published: the whole, the women, the 93's hours.
    assert "4 851" in text and "4 321" in text and "1 234,50" in text
    # Seven non-binary people are "< 11"; the 523 men are hidden to protect them (else
    # 4 851 − 4 321 − 523 gives them back); the hours of five people in the 75, and the
    # 93's that would give them back.
    assert "Non binaire < 11" in text
    for hidden in ("523", "Non binaire 7", "Paris 34", "Seine-Saint-Denis 1 200"):
        assert hidden not in text
    assert ">7<" not in reports.report_html(march)
    # Each table says why, in a footnote.
    assert "< 11 : valeur masquée (moins de 11 personnes)." in text
    assert "s : valeur masquée (masquée pour protéger une autre case)." in text


def test_a_change_is_given_only_between_published_figures(programme):
    february = _data([_people(ACTIVE, {"woman": 4000}), _hours({"93": ("12.00", 6)})], threshold=11)
    _snapshot(programme, FEBRUARY, february)
    march = _snapshot(programme, MARCH, _march_data())

    context = reports.report_context(march)

    figures = {figure.code: figure for figure in context["summary"]}
    assert figures[ACTIVE].display == "4\u202f851"
    assert figures[ACTIVE].previous == "4\u202f000"
    assert figures[ACTIVE].change == "+851 (+21,3\xa0%)"
    # February's hours were hidden (six people): no change, whatever March says.
    assert figures[HOURS].previous == "s"
    assert figures[HOURS].change == "—"
    assert context["previous_period"] == "février 2026"


def test_change_text():
    def cell(value):
        return disclosure.ProtectedCell(value=None if value is None else Decimal(value))

    assert reports.change_text(cell("12"), cell("10"), Measure.PEOPLE) == "+2 (+20,0\xa0%)"
    assert reports.change_text(cell("8"), cell("10"), Measure.PEOPLE) == "\u22122 (\u221220,0\xa0%)"
    assert reports.change_text(cell("3.5"), cell("4.0"), Measure.MEAN) == "\u22120,5"
    assert reports.change_text(cell("10"), cell("10"), Measure.SUM) == "0"
    assert reports.change_text(cell("10"), cell("0"), Measure.PEOPLE) == "+10"
    assert reports.change_text(cell(None), cell("10"), Measure.PEOPLE) == "—"
    assert reports.change_text(cell("10"), cell(None), Measure.PEOPLE) == "—"
    assert reports.change_text(cell("10"), None, Measure.PEOPLE) == "—"


def test_a_year_is_compared_with_the_year_before_and_a_chosen_period_with_nothing(programme):
    year = SnapshotFactory(
        programme=programme,
        period_kind=PeriodKind.YEAR,
        period_start=D(2025, 1, 1),
        period_end=D(2025, 12, 31),
        data=_march_data(),
    )
    before = SnapshotFactory(
        programme=programme,
        period_kind=PeriodKind.YEAR,
        period_start=D(2024, 1, 1),
        period_end=D(2024, 12, 31),
        data=_march_data(),
    )
    chosen = SnapshotFactory(
        programme=programme,
        period_kind=PeriodKind.CUSTOM,
        period_start=D(2026, 1, 1),
        period_end=D(2026, 3, 31),
        data=_march_data(),
    )

    assert reports.previous_snapshot(year) == before
    assert reports.previous_snapshot(chosen) is None
    html = reports.report_html(chosen)
    assert "sans comparaison" in html


# --- The monthly evolution ------------------------------------------------------------------


def test_the_evolution_draws_published_months_and_leaves_gaps(programme):
    """December has no report, February's whole is hidden (eight people): both are gaps,
    January and March are drawn."""
    _snapshot(programme, JANUARY, _data([_people(ACTIVE, {"woman": 30})]))
    _snapshot(programme, FEBRUARY, _data([_people(ACTIVE, {"woman": 8})]))
    march = _snapshot(
        programme, MARCH, _data([_people(ACTIVE, {"woman": 40})]), status=SnapshotStatus.BUILDING
    )

    context = reports.report_context(march)

    (chart,) = context["charts"]
    svg = str(chart.svg)
    description = re.search(r"<title>(.*?)</title>", svg).group(1)
    assert "décembre 2025 : –" in description
    assert "janvier 2026 : 30" in description
    assert "février 2026 : &lt;\xa011" in description
    assert "mars 2026 : 40" in description
    # Ids of a chart are its own (several charts share one document).
    assert re.search(r'id="c1-', svg)
    assert not re.search(r'id="(?!c1-)', svg)


def test_no_evolution_in_the_first_month(programme):
    programme.starts_on = MARCH[0]
    programme.save()
    march = _snapshot(programme, MARCH, _march_data())

    context = reports.report_context(march)

    assert context["charts"] == []
    assert "à partir du deuxième mois" in reports.report_html(march)


def test_the_evolution_reads_only_the_key_tables(programme, django_assert_num_queries):
    """Five queries, whatever the number of months and testimonials (the snapshot comes
    with its programme, as the cycle reads it): the previous period's snapshot, the
    monthly figures (only the key tables, read out of the JSON by the database), the
    cooperative, the testimonials, the funders' names."""
    march = _snapshot(programme, MARCH, _march_data())
    march = Snapshot.objects.select_related("programme").get(pk=march.pk)
    with django_assert_num_queries(5):
        reports.report_context(march)
    for period in (DECEMBER, JANUARY, FEBRUARY):
        _snapshot(programme, period, _march_data())
    ChosenTestimonialFactory.create_batch(3, programme=programme)
    march = Snapshot.objects.select_related("programme").get(pk=march.pk)
    with django_assert_num_queries(5):
        context = reports.report_context(march)
    assert len(context["charts"]) == 2
    assert len(context["testimonials"]) == 3


# --- Testimonials --------------------------------------------------------------------------


def test_only_testimonials_in_force_chosen_by_the_end_are_printed(programme):
    printed = ChosenTestimonialFactory(programme=programme, changed_first_name="Églantine")
    ChosenTestimonialFactory(programme=programme, changed_first_name="Philomène", withdrawn=True)
    ChosenTestimonialFactory(
        programme=programme,
        changed_first_name="Apolline",
        consent_given_on=D(2026, 4, 2),
        chosen_on=D(2026, 4, 2),
    )
    ChosenTestimonialFactory(changed_first_name="Berthilde")  # another programme
    erased = FollowUpFactory(programme=programme, erased=True)
    ChosenTestimonialFactory(programme=programme, changed_first_name="Clothilde", followup=erased)
    march = _snapshot(programme, MARCH, _march_data())

    html = reports.report_html(march)

    assert list(reports.report_context(march)["testimonials"]) == [printed]
    assert "Églantine" in html
    for name in ("Philomène", "Apolline", "Berthilde", "Clothilde"):
        assert name not in html


# --- Language -------------------------------------------------------------------------------


def test_the_report_is_french_whatever_the_language(programme):
    march = _snapshot(programme, MARCH, _march_data())
    with translation.override("en"):
        html = reports.report_html(march)
    assert '<html lang="fr">' in html
    assert "Synthèse des chiffres clés" in html
    assert "mars 2026" in html
    assert '<th scope="col">' in html and '<th scope="row">' in html
