"""Server-side SVG charts: accessible names, escaped text, no inline styles."""

from __future__ import annotations

from yachay.core.charts import SEQUENTIAL, Tile, bar_chart, line_chart, tile_map


def test_a_bar_chart_is_an_image_with_a_title_and_a_description() -> None:
    svg = bar_chart([("Ñuñoa <b>", 3.0), ("Cusco", 6.0)], title="T & t", description="D")
    assert svg.startswith("<svg") and 'role="img"' in svg and "aria-labelledby" in svg
    assert "<title" in svg and "T &amp; t" in svg and "<desc" in svg
    assert "Ñuñoa &lt;b&gt;" in svg  # escaped
    assert "style=" not in svg
    assert svg.count("<rect") == 2


def test_a_bar_chart_of_zeros_draws_empty_bars() -> None:
    svg = bar_chart([("a", 0.0)], title="t", description="d")
    assert 'width="0"' in svg


def test_a_line_chart_draws_one_line_per_series_with_a_legend() -> None:
    svg = line_chart(["01/01", "08/01"], [("a", [1, 2]), ("b", [0, 5])], title="t", description="d")
    assert svg.count("<polyline") == 2
    assert ">a<" in svg and ">b<" in svg
    assert "stroke-dasharray" in svg  # told apart by dashes, not colour alone


def test_a_tile_map_colours_by_class_and_leaves_no_data_white() -> None:
    tiles = [
        Tile("a", 0, 0, "AAA", "Alfa"),
        Tile("b", 0, 1, "BBB", "Beta"),
        Tile("c", 1, 0, "CCC", "Ce"),
    ]
    svg = tile_map(tiles, {"a": 10.0, "b": 1.0, "c": None}, title="t", description="d")
    assert SEQUENTIAL[-1] in svg  # the largest value, darkest
    assert 'fill="#ffffff"' in svg  # no data
    assert "<title>Alfa: 10</title>" in svg
