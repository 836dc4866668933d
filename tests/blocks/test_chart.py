"""The report chart: a fixed-size, deterministic PNG of a tally, drawn without pyplot."""

import io
import struct
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import matplotlib.image
import numpy as np
import pytest

from blocks.chart import (
    FAILED_COLOR,
    HEIGHT_PX,
    INBOUND_COLOR,
    OUTBOUND_COLOR,
    WIDTH_PX,
    chart_title,
    render_report_chart,
)
from flowroute_api.mdr_tally import MdrTally

OURS = "12065550100"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def mdr(direction, moment, status="delivered", amount=4000000):
    ours, remote = OURS, "14255551234"
    sender, receiver = (ours, remote) if direction == "outbound" else (remote, ours)
    return {"type": "message", "id": f"mdr2-{moment:%s}", "attributes": {
        "direction": direction, "from": sender, "to": receiver, "status": status,
        "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S.00Z"), "amount_nanodollars": amount}}  # fmt: skip


def week_tally(records, **kwargs):
    return MdrTally(date(2031, 3, 1), date(2031, 3, 7), **kwargs).add_all(records)


def busy_week(failures=True):
    start = datetime(2031, 3, 1, 12, tzinfo=UTC)
    records = []
    for day in range(7):
        for hour in range(day + 2):
            moment = start + timedelta(days=day, minutes=hour)
            records.append(mdr("inbound", moment))
            records.append(mdr("outbound", moment + timedelta(seconds=30),
                               status="smsc reject" if failures and hour == 0 else "delivered"))  # fmt: skip
    return week_tally(records)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which the PNG spec requires to come first."""
    assert png[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (length, kind) == (13, b"IHDR")
    return struct.unpack(">II", png[16:24])


def decoded(png: bytes) -> np.ndarray:
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (HEIGHT_PX, WIDTH_PX)
    return pixels


def color_pixels(png: bytes, hex_color: str) -> int:
    """How many pixels are (within rounding) this colour."""
    rgb = np.array([int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return int((np.abs(decoded(png)[..., :3] - rgb).max(axis=-1) < 2 / 255).sum())


def drawn(png: bytes, hex_color: str) -> bool:
    """Whether the colour appears beyond its legend key (an empty chart shows only the legend keys)."""
    return color_pixels(png, hex_color) > color_pixels(render_report_chart(week_tally([])), hex_color)


def test_the_chart_is_a_png_of_the_fixed_size():
    png = render_report_chart(busy_week())
    assert png_size(png) == (WIDTH_PX, HEIGHT_PX) == (1200, 600)
    decoded(png)


def test_the_same_tally_gives_the_same_bytes_and_another_tally_other_bytes():
    assert render_report_chart(busy_week()) == render_report_chart(busy_week())
    assert render_report_chart(busy_week()) != render_report_chart(busy_week(failures=False))
    assert b"matplotlib" not in render_report_chart(busy_week())  # no version stamp in the metadata


def test_bars_for_each_direction_and_failure_marks_appear_only_when_there_is_data():
    busy = render_report_chart(busy_week())
    assert drawn(busy, INBOUND_COLOR) and drawn(busy, OUTBOUND_COLOR) and drawn(busy, FAILED_COLOR)
    clean = render_report_chart(busy_week(failures=False))
    assert drawn(clean, INBOUND_COLOR) and not drawn(clean, FAILED_COLOR)
    only_inbound = render_report_chart(week_tally([mdr("inbound", datetime(2031, 3, 3, tzinfo=UTC))]))
    assert drawn(only_inbound, INBOUND_COLOR) and not drawn(only_inbound, OUTBOUND_COLOR)


def test_an_empty_period_still_renders():
    png = render_report_chart(week_tally([]))
    assert png_size(png) == (WIDTH_PX, HEIGHT_PX)
    assert color_pixels(png, INBOUND_COLOR) > 0  # the legend key


def test_ninety_days_render_at_the_same_size():
    start = datetime(2031, 1, 1, 9, tzinfo=UTC)
    records = [mdr("outbound" if n % 3 else "inbound", start + timedelta(hours=n * 7)) for n in range(300)]
    tally = MdrTally.last_days(90, date(2031, 3, 31), "America/Chicago").add_all(records)
    assert len(tally.days) == 90 and tally.totals.messages == 300
    png = render_report_chart(tally)
    assert png_size(png) == (WIDTH_PX, HEIGHT_PX)
    assert drawn(png, OUTBOUND_COLOR)


@pytest.mark.parametrize("number, zone, expected", [
    (None, "UTC", "Messages per day, 2031-03-01 to 2031-03-07 (UTC), all numbers"),
    ("2065550100", "America/Los_Angeles",
     "Messages per day, 2031-03-01 to 2031-03-07 (America/Los_Angeles), +1 206-555-0100"),
])  # fmt: skip
def test_the_title_names_the_period_zone_and_number(number, zone, expected):
    assert chart_title(week_tally([], number=number, zone=zone)) == expected


def test_no_pyplot_figure_is_left_open():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    render_report_chart(busy_week())
    assert plt.get_fignums() == before == []


def test_rendering_never_imports_pyplot():
    script = (
        "import sys\n"
        "from datetime import date\n"
        "from blocks.chart import render_report_chart\n"
        "from flowroute_api.mdr_tally import MdrTally\n"
        "render_report_chart(MdrTally.last_days(7, date(2031, 3, 7)))\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "False"
