from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

import pytest

from api.charts import breakdown_svg, trend_svg

SVG = "{http://www.w3.org/2000/svg}"
Chart = Callable[..., str]
HOSTILE = '<script>alert(1)</script> & "x"'

# Each chart with the attribute that carries a bar's value: columns grow up, bars grow right.
CHARTS = [pytest.param(trend_svg, "height", id="trend"),
          pytest.param(breakdown_svg, "width", id="breakdown")]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it


def bars(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}rect") if "bar" in e.get("class", "").split()]


def texts(root: ET.Element, css: str) -> list[str]:
    return [e.text or "" for e in root.iter(f"{SVG}text") if e.get("class") == css]


def geometry(bar: ET.Element) -> tuple[float, ...]:
    return tuple(float(bar.get(a, "nan")) for a in ("x", "y", "width", "height"))


def size(bar: ET.Element, along: str) -> float:
    return float(bar.get(along, "nan"))


def months(values: Sequence[int | None]) -> list[tuple[str, int | None]]:
    return [(f"2026-{i + 1:02d}", v) for i, v in enumerate(values)]


@pytest.mark.parametrize(("chart", "along"), CHARTS)
def test_is_a_standalone_svg_labelled_by_its_title_and_described_in_words(
    chart: Chart, along: str
) -> None:
    rows = [("Police", 14), ("Health", None), ("Housing", 0)]
    root = parse(chart("Referrals by agency", rows))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    width, height = root.get("width"), root.get("height")
    assert root.get("viewBox") == f"0 0 {width} {height}"
    by_id = {e.get("id"): e for e in root.iter() if e.get("id")}
    labelled_by = [by_id[i] for i in root.get("aria-labelledby", "").split()]
    assert labelled_by[0].tag == f"{SVG}title"
    assert labelled_by[0].text == "Referrals by agency"
    desc = root.find(f"{SVG}desc")
    assert desc is not None
    assert desc.text == "Police: 14; Health: withheld (<5); Housing: 0"


@pytest.mark.parametrize(("chart", "along"), CHARTS)
def test_one_bar_per_row_in_order_with_sizes_proportional_to_values(
    chart: Chart, along: str
) -> None:
    values = [3, 7, 25, 0, 12]
    found = bars(parse(chart("t", months(values))))

    assert [b.get("data-label") for b in found] == [label for label, _ in months(values)]
    full = size(found[values.index(max(values))], along)
    for bar, value in zip(found, values, strict=True):
        assert size(bar, along) == pytest.approx(full * value / max(values), abs=0.01)


@pytest.mark.parametrize(("chart", "along"), CHARTS)
def test_the_largest_value_is_drawn_at_full_scale_whatever_it_is(
    chart: Chart, along: str
) -> None:
    small = bars(parse(chart("t", months([2, 1]))))
    large = bars(parse(chart("t", months([1000, 1]))))

    assert size(small[0], along) == size(large[0], along) > 0
    assert size(small[1], along) > size(large[1], along)


@pytest.mark.parametrize(("chart", "along"), CHARTS)
def test_withheld_bars_have_one_fixed_size_whatever_surrounds_them(
    chart: Chart, along: str
) -> None:
    # If a withheld bar were scaled, its size would move with the largest published value.
    charts = [chart("t", months(values)) for values in (
        [None, 1, None], [None, 1000, None], [None, 0, None], [None, 37, None],
    )]
    withheld = [[b for b in bars(parse(svg)) if "withheld" in b.get("class", "")]
                for svg in charts]

    assert all(len(w) == 2 for w in withheld)
    assert len({geometry(first) for first, _ in withheld}) == 1
    assert len({geometry(last) for _, last in withheld}) == 1
    first, last = withheld[0]
    assert size(first, "width") == size(last, "width")
    assert size(first, "height") == size(last, "height")
    assert size(first, along) > 0


@pytest.mark.parametrize(("chart", "along"), CHARTS)
def test_withheld_bars_show_the_withheld_label_not_a_number(chart: Chart, along: str) -> None:
    root = parse(chart("t", months([None, 9, None]), withheld_label="suppressed"))

    assert [b.get("class") for b in bars(root)] == ["bar withheld", "bar", "bar withheld"]
    assert texts(root, "value") == ["suppressed", "9", "suppressed"]


@pytest.mark.parametrize(("chart", "along"), CHARTS)
def test_hostile_labels_and_titles_are_only_ever_text(chart: Chart, along: str) -> None:
    svg = chart(HOSTILE, [(HOSTILE, 4), ("ok\x00", None)], withheld_label=HOSTILE)
    root = parse(svg)

    assert "<script" not in svg
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert bars(root)[0].get("data-label") == HOSTILE
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == HOSTILE


@pytest.mark.parametrize(("chart", "along"), CHARTS)
def test_long_labels_are_shortened_for_display_but_kept_whole_for_hover(
    chart: Chart, along: str
) -> None:
    label = "Independent Domestic Violence Advisory Service (North and West) " * 3
    root = parse(chart("t", [(label, 5)]))

    (shown,) = texts(root, "label")
    assert shown.endswith("…")
    assert label.startswith(shown[:-1])
    (bar,) = bars(root)
    hover = bar.find(f"{SVG}title")
    assert hover is not None
    assert hover.text == f"{label}: 5"


@pytest.mark.parametrize(("chart", "along"), CHARTS)
@pytest.mark.parametrize(
    "values", [[], [0, 0, 0], [None, None]], ids=["empty", "zeros", "all-withheld"]
)
def test_renders_without_published_values(
    chart: Chart, along: str, values: list[int | None]
) -> None:
    root = parse(chart("t", months(values)))

    assert len(bars(root)) == len(values)
    assert all(size(b, along) >= 0 for b in bars(root))
    assert (texts(root, "empty") == ["No data"]) == (not values)


def test_a_breakdown_grows_taller_with_each_row() -> None:
    heights = [int(parse(breakdown_svg("t", months([1] * n))).get("height", "0"))
               for n in (1, 2, 12)]

    assert heights == sorted(set(heights))


def test_a_trend_grows_wider_with_each_point_up_to_a_maximum() -> None:
    widths = [int(parse(trend_svg("t", months([1] * n))).get("width", "0"))
              for n in (6, 12, 500, 1000)]

    assert widths[0] < widths[1] < widths[2]
    assert widths[2] == widths[3]


@pytest.mark.parametrize(("chart", "along"), CHARTS)
def test_the_same_figures_give_the_same_bytes(chart: Chart, along: str) -> None:
    rows = months([4, None, 19, 0])

    assert chart("Referrals", rows) == chart("Referrals", list(rows))


@pytest.mark.parametrize(("chart", "along"), CHARTS)
def test_negative_counts_are_refused(chart: Chart, along: str) -> None:
    with pytest.raises(ValueError, match="negative"):
        chart("t", [("a", -1)])
