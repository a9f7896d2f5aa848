"""Charts of published tables: valid SVG with a title and a description, safe to put
inline under a strict Content-Security-Policy, readable in grey, and never drawing a
hidden value."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from research.charts import chart_svg
from research.disclosure import ProtectedCell, ProtectedTable, Reason
from research.indicators import TOTAL, Measure

NS = "{http://www.w3.org/2000/svg}"
GENDERS = [("woman", "Femme"), ("man", "Homme"), ("non_binary", "Non binaire")]
DEPARTMENTS = [("75", "75 — Paris"), ("93", "93 — Seine-Saint-Denis")]


def _table(rows, cols=None, *, values=None, rows_dimension="gender", cols_dimension=None):
    """A published table: every cell 20 unless `values` says otherwise (a Reason for a
    hidden cell)."""
    values = values or {}
    rows = [*rows, (TOTAL, "Ensemble")]
    cols = [*(cols or []), (TOTAL, "Ensemble")]
    cells = {}
    for row, _r in rows:
        for col, _c in cols:
            value = values.get((row, col), Decimal(20))
            cells[(row, col)] = (
                ProtectedCell(value=None, reason=value)
                if isinstance(value, str)
                else ProtectedCell(value=value)
            )
    return ProtectedTable(
        key="test",
        indicator="test",
        measure=Measure.PEOPLE,
        rows_dimension=rows_dimension,
        cols_dimension=cols_dimension,
        rows=rows,
        cols=cols,
        cells=cells,
        threshold=11,
    )


def _parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 — our own chart


def _bar_labels(root) -> list[str]:
    """The figures written next to the bars (the axis ticks are bigger)."""
    return [t.text for t in root.iter(f"{NS}text") if t.get("font-size") == "9px"]


def test_a_bar_chart_has_a_title_a_description_and_a_role():
    svg = chart_svg(
        _table(GENDERS, values={("man", TOTAL): Decimal(1234)}),
        title="Personnes par genre",
        value_label="Personnes",
    )
    root = _parse(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Personnes par genre"
    assert root.find(f"{NS}title").text == "Personnes par genre"
    desc = root.find(f"{NS}desc").text
    assert desc.startswith("Diagramme en barres — Personnes par genre.")
    # French number format (a narrow no-break space between thousands).
    assert "Homme : 1\u202f234" in desc
    assert "1\u202f234" in _bar_labels(root)


def test_a_chart_holds_nothing_a_strict_csp_would_block_or_that_could_run():
    root = _parse(chart_svg(_table(GENDERS), title="Titre", value_label="Personnes"))
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        assert tag not in {"script", "style", "foreignObject", "metadata", "a"}
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)
    # Fixed size is left to the page (it scales the chart to its width).
    assert "width" not in root.attrib
    assert root.get("viewBox")


def test_text_stays_text():
    root = _parse(chart_svg(_table(GENDERS), title="Titre", value_label="Personnes"))
    texts = {t.text for t in root.iter(f"{NS}text")}
    assert {"Femme", "Homme", "Non binaire", "Titre", "Personnes"} <= texts


def test_a_hidden_value_is_not_drawn_and_a_note_says_so():
    table = _table(GENDERS, values={("non_binary", TOTAL): Reason.SMALL})
    root = _parse(chart_svg(table, title="Titre", value_label="Personnes"))
    labels = _bar_labels(root)
    assert "<\xa011" in labels
    assert labels.count("20") == 2
    texts = " ".join(t.text or "" for t in root.iter(f"{NS}text"))
    assert "ne sont pas tracées" in texts
    # Two bars drawn (hatched patches), not three.
    bars = [
        p
        for p in root.iter(f"{NS}path")
        if p.get("stroke") == "#1b1f23" and p.get("stroke-width") == "0.6"
    ]
    assert len(bars) == 2


def test_a_chart_without_hidden_value_has_no_note():
    root = _parse(chart_svg(_table(GENDERS), title="Titre", value_label="Personnes"))
    texts = " ".join(t.text or "" for t in root.iter(f"{NS}text"))
    assert "ne sont pas tracées" not in texts


def test_two_breakdowns_make_grouped_bars_told_apart_by_hatches():
    table = _table(
        GENDERS,
        DEPARTMENTS,
        cols_dimension="department",
        values={("non_binary", "75"): Reason.SMALL, ("non_binary", "93"): Reason.SECONDARY},
    )
    svg = chart_svg(table, title="Titre", value_label="Personnes")
    root = _parse(svg)
    texts = {t.text for t in root.iter(f"{NS}text")}
    # The legend names each series.
    assert {"75 — Paris", "93 — Seine-Saint-Denis"} <= texts
    # The second series is hatched: an SVG pattern, drawn in the ink colour.
    assert root.find(f".//{NS}pattern") is not None
    assert {"<\xa011", "s"} <= set(_bar_labels(root))
    desc = root.find(f"{NS}desc").text
    assert "Non binaire, 75 — Paris : <\xa011" in desc


def test_months_make_a_line_with_a_gap_for_a_hidden_month():
    months = [(f"2026-{m:02d}", f"mois {m}") for m in range(1, 7)]
    table = _table(months, rows_dimension="month", values={("2026-03", TOTAL): Reason.SMALL})
    root = _parse(chart_svg(table, title="Par mois", value_label="Personnes"))
    assert root.find(f"{NS}desc").text.startswith("Courbe — Par mois.")
    # The line is cut at the hidden month: two pieces (M … L … M … L …).
    lines = [
        p.get("d")
        for p in root.iter(f"{NS}path")
        if p.get("stroke-width") == "1.6" and p.get("fill") == "none"
    ]
    assert len(lines) == 1
    assert lines[0].count("M") == 2


def test_the_month_goes_along_the_axis_whichever_side_it_was_chosen():
    months = [(f"2026-{m:02d}", f"mois {m}") for m in range(1, 4)]
    table = _table(DEPARTMENTS, months, rows_dimension="department", cols_dimension="month")
    root = _parse(chart_svg(table, title="Titre", value_label="Personnes"))
    texts = {t.text for t in root.iter(f"{NS}text")}
    assert {"mois 1", "mois 2", "mois 3", "75 — Paris"} <= texts
    assert "mois 1, 75 — Paris : 20" in root.find(f"{NS}desc").text


def test_a_table_without_breakdown_has_no_chart():
    table = _table([], rows_dimension=None)
    assert chart_svg(table, title="Titre", value_label="Personnes") is None


def test_titles_are_escaped():
    svg = chart_svg(_table(GENDERS), title="<script>alert(1)</script>", value_label="x")
    assert "<script>" not in str(svg)
    assert _parse(svg).find(f"{NS}title").text == "<script>alert(1)</script>"


@pytest.mark.parametrize("count", [1, 40])
def test_many_categories_stay_readable(count):
    rows = [(f"{n:02d}", f"Département {n}") for n in range(count)]
    root = _parse(chart_svg(_table(rows, rows_dimension="department"), title="T", value_label="P"))
    height = float(root.get("viewBox").split()[3])
    # About 0.3 inch (21.6 pt) a bar.
    assert height >= min(count, 40) * 20


def _ids_and_links(root) -> tuple[set[str], set[str]]:
    ids, links = set(), set()
    for element in root.iter():
        for name, value in element.attrib.items():
            if name == "id":
                ids.add(value)
            elif name.endswith("href") and value.startswith("#"):
                links.add(value[1:])
            links.update(re.findall(r"url\(#([^)]+)\)", value))
    return ids, links


def test_two_charts_on_one_page_share_no_id_and_their_links_follow():
    table = _table(GENDERS, DEPARTMENTS, cols_dimension="department")
    first = _parse(chart_svg(table, title="Titre", value_label="Personnes"))
    second = _parse(chart_svg(table, title="Titre", value_label="Personnes"))
    first_ids, first_links = _ids_and_links(first)
    second_ids, second_links = _ids_and_links(second)
    # Markers, clip paths and hatches, each referred to.
    assert first_ids and first_links
    assert not first_ids & second_ids
    assert first_links <= first_ids
    assert second_links <= second_ids


def test_a_chart_takes_the_id_prefix_it_is_given():
    months = [(f"2026-{m:02d}", f"mois {m}") for m in range(1, 4)]
    table = _table(months, rows_dimension="month")
    root = _parse(chart_svg(table, title="T", value_label="P", id_prefix="c7-"))
    ids, links = _ids_and_links(root)
    assert ids and all(i.startswith("c7-") for i in ids)
    assert links <= ids


def _ticks(root) -> list[str]:
    """The axis tick labels: texts made of digits, commas and spaces only."""
    return [
        t.text
        for t in root.iter(f"{NS}text")
        if t.text and re.fullmatch(r"[\d,\u202f-]+", t.text) and t.get("font-size") != "9px"
    ]


def _month_table(values):
    months = [(f"2026-{m:02d}", f"mois {m}") for m in range(1, len(values) + 1)]
    return _table(
        months,
        rows_dimension="month",
        values={(key, TOTAL): Decimal(v) for (key, _l), v in zip(months, values, strict=True)},
    )


def test_an_all_zero_line_has_an_axis_from_0_to_1():
    root = _parse(chart_svg(_month_table(["0"] * 6), title="T", value_label="P"))
    assert _ticks(root) == ["0", "1"]


def test_tick_labels_take_their_decimals_from_the_step():
    ticks = _ticks(
        _parse(chart_svg(_month_table(["0", "0.5", "1", "2.5"]), title="T", value_label="P"))
    )
    assert ticks == ["0,0", "0,5", "1,0", "1,5", "2,0", "2,5"]


@pytest.mark.parametrize("values", [["0", "0.001", "0.004"], ["0", "20", "80"], ["0", "3", "7"]])
def test_tick_labels_are_distinct_and_share_their_decimals(values):
    ticks = _ticks(_parse(chart_svg(_month_table(values), title="T", value_label="P")))
    assert len(ticks) >= 2
    assert len(set(ticks)) == len(ticks)
    assert len({len(t.partition(",")[2]) for t in ticks}) == 1


def test_all_zero_bars_have_distinct_ticks():
    table = _table(GENDERS, values={(k, TOTAL): Decimal(0) for k, _l in GENDERS})
    ticks = _ticks(_parse(chart_svg(table, title="T", value_label="P")))
    assert ticks[:2] == ["0", "1"]
    assert len(set(ticks)) == len(ticks)


def test_a_series_whose_first_bar_is_hidden_keeps_its_swatch_in_the_legend():
    table = _table(
        GENDERS, DEPARTMENTS, cols_dimension="department", values={("woman", "75"): Reason.SMALL}
    )
    root = _parse(chart_svg(table, title="Titre", value_label="Personnes"))
    # Bars and swatches: paths in the ink colour, 0.6 wide; the dark grey of the first
    # series: 2 bars drawn (the third hidden) and its swatch.
    first_series = [
        p
        for p in root.iter(f"{NS}path")
        if p.get("stroke-width") == "0.6" and p.get("fill") == "#3b3b3b"
    ]
    assert len(first_series) == 3


def test_past_a_year_only_some_months_are_named_the_latest_always():
    months = [
        (f"{2024 + m // 12}-{m % 12 + 1:02d}", f"{m % 12 + 1:02d}/{2024 + m // 12}")
        for m in range(24)
    ]
    root = _parse(chart_svg(_table(months, rows_dimension="month"), title="T", value_label="P"))
    texts = [t.text for t in root.iter(f"{NS}text")]
    named = [label for _key, label in months if label in texts]
    assert named == [label for _key, label in months][1::2]
    assert "12/2025" in named
    # Every month stays in the description.
    assert "01/2024 : 20" in root.find(f"{NS}desc").text
