"""The pure timeline layout: positions, lanes, packing and zoom (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from milestones.domain import chart as layout


def item(
    key="toyota", start=date(2027, 1, 1), end=date(2028, 12, 31), label="Launch", **extra
) -> layout.Item:
    return layout.Item(
        ref=None, lane_key=key, lane_label=key.title(), start=start, end=end, label=label, **extra
    )


def test_x_positions_are_percentages_of_the_year_range():
    chart = layout.build([item()], today=date(2026, 1, 1), year_from=2026, year_to=2029)
    bar = chart.lanes[0].bars[0]
    assert bar.x == pytest.approx(25.0, abs=0.1)  # 2027 starts a quarter into 2026-2029
    assert 49.9 < bar.width < 50.1  # two of four years
    assert [tick.year for tick in chart.years] == [2026, 2027, 2028, 2029]


def test_later_window_starts_further_right():
    toyota = item("toyota", date(2027, 1, 1), date(2028, 12, 31))
    nissan = item("nissan", date(2028, 4, 1), date(2029, 3, 31))
    chart = layout.build([toyota, nissan], today=date(2026, 6, 1))
    bars = {lane.key: lane.bars[0] for lane in chart.lanes}
    assert bars["nissan"].x > bars["toyota"].x


def test_default_range_covers_windows_first_claims_and_today():
    slipped = item(
        start=date(2030, 1, 1),
        end=date(2030, 12, 31),
        first_start=date(2028, 1, 1),
        first_end=date(2028, 12, 31),
    )
    chart = layout.build([slipped], today=date(2025, 5, 1))
    assert (chart.year_from, chart.year_to) == (2025, 2030)


def test_today_line_only_inside_the_range():
    assert layout.build([item()], today=date(2027, 7, 2)).today_x is not None
    assert layout.build([item()], today=date(2020, 1, 1), year_from=2027, year_to=2028).today_x is None


def test_overlapping_bars_in_one_lane_get_separate_rows():
    first = item(label="A", start=date(2027, 1, 1), end=date(2028, 12, 31))
    second = item(label="B", start=date(2028, 1, 1), end=date(2029, 12, 31))
    later = item(label="C", start=date(2035, 1, 1), end=date(2035, 12, 31))
    lane = layout.build([first, second, later], today=date(2026, 1, 1), year_from=2026, year_to=2040).lanes[0]
    rows = {bar.item.label: bar.row for bar in lane.bars}
    assert rows["A"] != rows["B"]
    assert rows["C"] == 0 and lane.rows == 2


def test_slipped_item_keeps_its_first_window_as_ghost():
    slipped = item(
        start=date(2029, 1, 1),
        end=date(2029, 12, 31),
        first_start=date(2028, 1, 1),
        first_end=date(2028, 12, 31),
    )
    bar = layout.build([slipped], today=date(2026, 1, 1), year_from=2026, year_to=2029).lanes[0].bars[0]
    assert bar.ghost_x == pytest.approx(50.0, abs=0.1) and bar.ghost_x < bar.x


def test_unchanged_target_has_no_ghost():
    same = item(first_start=date(2027, 1, 1), first_end=date(2028, 12, 31))
    assert layout.build([same], today=date(2026, 1, 1)).lanes[0].bars[0].ghost_x is None


def test_items_outside_the_zoom_are_dropped_and_edges_clipped():
    inside = item("a", date(2026, 6, 1), date(2031, 1, 1))
    outside = item("b", date(2040, 1, 1), date(2040, 12, 31))
    chart = layout.build([inside, outside], today=date(2026, 1, 1), year_from=2027, year_to=2028)
    assert [lane.key for lane in chart.lanes] == ["a"]
    bar = chart.lanes[0].bars[0]
    assert (bar.x, bar.clipped_start, bar.clipped_end) == (0.0, True, True)
    assert bar.right == 100.0


def test_single_day_is_a_point():
    assert item(start=date(2027, 3, 15), end=date(2027, 3, 15)).is_point
    assert not item(start=date(2027, 3, 15), end=date(2027, 3, 15), open_start=True).is_point


def test_lane_order_sorts_region_lanes():
    chart = layout.build(
        [item("japan", lane_order=(1,)), item("china", lane_order=(0,))], today=date(2026, 1, 1)
    )
    assert [lane.key for lane in chart.lanes] == ["china", "japan"]


def test_zoom_in_and_out_around_the_centre():
    assert layout.zoom(2024, 2032, step=1) == (2025, 2031)
    assert layout.zoom(2024, 2032, step=-1) == (2023, 2033)
    assert layout.zoom(2027, 2027, step=1) == (2027, 2027)


def test_list_year_uses_deadline_for_open_starts():
    assert layout.list_year(date(2024, 2, 13), date(2030, 12, 31), open_start=True) == 2030
    assert layout.list_year(date(2027, 1, 1), date(2028, 12, 31), open_start=False) == 2027
