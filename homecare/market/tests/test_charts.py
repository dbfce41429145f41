"""The server-side SVG line chart: valid SVG, escaped text, gaps, steps and a target line."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homecare.market import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def test_a_chart_is_an_accessible_svg_image_with_a_title_and_a_description_of_the_figures():
    svg = parse(
        charts.line_chart(
            title="Staff availability",
            labels=["7 Jan", "14 Jan", "21 Jan"],
            series=[charts.Series("Availability", [Decimal("91.5"), Decimal("88.0"), Decimal("86.5")])],
        )
    )
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title.text == "Staff availability"
    assert desc.text == "From 7 Jan to 21 Jan. Availability: 91.5 (7 Jan) to 86.5 (21 Jan)."
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert len(svg.findall(f"{SVG}circle")) == 3


def test_text_from_the_data_is_escaped():
    markup = str(
        charts.line_chart(
            title="<script>alert(1)</script>", labels=["a&b"], series=[charts.Series("<x>", [1])]
        )
    )
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    parse(markup)  # still well-formed


def test_a_missing_value_breaks_the_line_into_two_paths():
    svg = parse(
        charts.line_chart(title="t", labels=list("abcde"), series=[charts.Series("s", [1, 2, None, 4, 5])])
    )
    paths = svg.findall(f"{SVG}path")
    assert len(paths) == 2
    assert all(p.get("d").count("L") == 1 for p in paths)
    assert len(svg.findall(f"{SVG}circle")) == 4


def test_a_step_chart_moves_across_then_up_or_down():
    svg = parse(
        charts.line_chart(title="t", labels=list("abc"), series=[charts.Series("s", [1, 3, 2])], step=True)
    )
    d = svg.find(f"{SVG}path").get("d")
    assert d.count("H") == 2 and d.count("V") == 2 and "L" not in d


def test_a_target_line_is_drawn_and_the_axis_stretches_to_include_it():
    svg = parse(
        charts.line_chart(
            title="t",
            labels=["a", "b"],
            series=[charts.Series("s", [50, 60])],
            target=90,
            target_label="Region",
        )
    )
    target = [line for line in svg.findall(f"{SVG}line") if line.get("class") == "ohc-chart__target"]
    assert len(target) == 1
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Region 90" in texts
    assert max(float(t) for t in texts if t and t.replace(".", "").isdigit()) >= 90


def test_fixed_ticks_are_used_as_given():
    svg = parse(
        charts.line_chart(
            title="OPEL",
            labels=["a", "b"],
            series=[charts.Series("OPEL", [2, 3])],
            y_ticks=[1, 2, 3, 4],
            y_format=lambda v: f"OPEL {int(v)}",
        )
    )
    assert [t.text for t in svg.iter(f"{SVG}text") if t.text and t.text.startswith("OPEL ")] == [
        "OPEL 1",
        "OPEL 2",
        "OPEL 3",
        "OPEL 4",
    ]


def test_a_chart_with_no_figures_still_draws():
    svg = parse(charts.line_chart(title="t", labels=[], series=[charts.Series("s", [])]))
    assert svg.find(f"{SVG}desc").text == "No figures yet."
    svg = parse(charts.line_chart(title="t", labels=["a"], series=[charts.Series("s", [None])]))
    assert svg.find(f"{SVG}path") is None


def test_a_series_must_have_a_value_for_every_label():
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        charts.line_chart(title="t", labels=list("abc"), series=[charts.Series("s", [1, 2])])


def test_many_labels_are_thinned_but_the_last_is_always_shown():
    labels = [f"w{i}" for i in range(30)]
    svg = parse(charts.line_chart(title="t", labels=labels, series=[charts.Series("s", list(range(30)))]))
    shown = [t.text for t in svg.iter(f"{SVG}text") if t.text and t.text.startswith("w")]
    assert len(shown) <= charts.MAX_X_LABELS + 1 and shown[0] == "w0" and shown[-1] == "w29"


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.decimals(min_value=-1000, max_value=1000, places=1, allow_nan=False)),
        min_size=1,
        max_size=20,
    ),
    target=st.one_of(st.none(), st.integers(-1000, 1000)),
)
def test_every_point_lies_inside_the_plot(values, target):
    svg = parse(
        charts.line_chart(
            title="t",
            labels=[str(i) for i in range(len(values))],
            series=[charts.Series("s", values)],
            target=target,
        )
    )
    width, height = (float(x) for x in svg.get("viewBox").split()[2:])
    circles = svg.findall(f"{SVG}circle")
    assert len(circles) == sum(v is not None for v in values)
    for c in circles:
        assert 0 <= float(c.get("cx")) <= width and 0 <= float(c.get("cy")) <= height


def test_nice_ticks_are_round_numbers_covering_the_range():
    assert charts.nice_ticks(0, 100) == [0, 25, 50, 75, 100]
    assert charts.nice_ticks(62, 97) == [60, 70, 80, 90, 100]
    ticks = charts.nice_ticks(5, 5)
    assert ticks[0] <= 5 <= ticks[-1] and len(ticks) >= 2
