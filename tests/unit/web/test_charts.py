"""Charts (30.11): axes from 0 to a rounded maximum, a 'one run so far' state, one date label when start = end."""

from __future__ import annotations

import re

from lakemesh.web.svg import bar_chart, line_chart, nice_max


def test_the_axis_tops_out_at_a_rounded_maximum_never_the_value_or_zero() -> None:
    assert [nice_max(v) for v in (0, 0.4, 3, 7, 12, 100, 101)] == [1, 0.5, 5, 10, 20, 100, 200]
    svg = str(line_chart("Products", [("Dec 1", 3.0), ("Dec 2", 7.0)]))
    assert ">10</text>" in svg and ">0</text>" in svg
    zeros = str(bar_chart("Shares", [("sales", 0.0)]))
    assert ">1</text>" in zeros  # not a 0 to 0 axis


def test_one_data_point_says_one_run_so_far() -> None:
    svg = str(line_chart("Quality score (%)", [("12-06 01:00", 100.0)]))
    assert "One run so far: 100 on 12-06 01:00" in svg and "<polyline" not in svg
    assert len(re.findall("12-06 01:00", svg)) == 2  # the label and the aria text, not start and end


def test_identical_start_and_end_labels_are_written_once() -> None:
    svg = str(line_chart("Daily", [("Dec 6", 1.0), ("Dec 6", 2.0)]))
    assert svg.count(">Dec 6</text>") == 1
