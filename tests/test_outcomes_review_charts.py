"""The outcome charts as SVG: well-formed, labelled for screen readers, sessions and the review
milestone marked, every point titled, and text escaped. No database."""

import datetime as dt
import xml.etree.ElementTree as ET

from anagen.outcomes.chart_svg import LineChart, Series

SVG = "{http://www.w3.org/2000/svg}"
DAY = dt.date(2026, 1, 5)


def weeks(*numbers):
    return tuple(DAY + dt.timedelta(weeks=n) for n in numbers)


CHART = LineChart(
    id="chart-density",
    title="Hair density",
    unit="hairs/cm²",
    series=(
        Series("Frontal", tuple(zip(weeks(0, 6, 16), (96.0, 110.0, 126.0), strict=True))),
        Series("Vertex", tuple(zip(weeks(0, 16), (70.0, 74.9), strict=True))),
    ),
    sessions=weeks(0, 1, 2, 3, 5, 7, 11),
    review=DAY + dt.timedelta(weeks=16),
)


def test_the_chart_is_labelled_and_marks_sessions_review_and_every_point():
    root = ET.fromstring(CHART.svg())
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-density-title chart-density-desc"
    assert root.find(f"{SVG}title").text == "Hair density (hairs/cm²)"
    desc = root.find(f"{SVG}desc").text
    assert "Frontal: 96 on 5 Jan 2026, 126 on 27 Apr 2026 (3 visits)." in desc
    assert "7 signed sessions marked" in desc and "Review milestone 27 Apr 2026." in desc
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert sum(t.startswith("Session on") for t in titles) == 7
    assert "Frontal, 16 Feb 2026: 110 hairs/cm²" in titles
    assert "Vertex, 27 Apr 2026: 75 hairs/cm²" in titles  # rounded as the chart's decimals say
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Review 27 Apr 2026" in texts and "Visit date" in texts
    assert "Hair density (hairs/cm²)" in texts  # the y axis is labelled
    assert {"Frontal", "Vertex"} <= set(texts)


def test_the_chart_escapes_text_and_says_when_it_is_empty():
    hostile = LineChart("c", "<b>Density</b>", "%", (Series("<script>x</script>", ((DAY, 5.0),)),))
    svg = hostile.svg()
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    ET.fromstring(svg)  # still well-formed
    empty = LineChart("e", "Vellus fraction", "%", (Series("Frontal", ()),))
    assert empty.empty and "No measurements yet." in empty.svg()


def test_a_site_ending_level_with_another_gets_its_own_label_line():
    level = LineChart(
        "l", "Density", "hairs/cm²",
        (Series("Frontal", ((DAY, 100.0),)), Series("Vertex", ((DAY, 100.0),))),
    )  # fmt: skip
    root = ET.fromstring(level.svg())
    ys = {
        t.text: float(t.get("y"))
        for t in root.iter(f"{SVG}text")
        if t.text in ("Frontal", "Vertex")
    }
    assert abs(ys["Frontal"] - ys["Vertex"]) >= 13
