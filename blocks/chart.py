"""The `report` chart: messages per day (inbound and outbound bars), failures marked, spend on a second axis.

Drawn with matplotlib's object-oriented API on an Agg canvas, never pyplot: no global figure registry,
no GUI backend, nothing left open between reports, safe from worker threads.
"""

from __future__ import annotations

import io
import math

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from flowroute_api.mdr_tally import NANODOLLARS_PER_DOLLAR, MdrTally
from flowroute_api.phone import format_number

WIDTH_PX, HEIGHT_PX, DPI = 1200, 600, 100
MAX_DATE_LABELS = 15
INBOUND_COLOR, OUTBOUND_COLOR, FAILED_COLOR, SPEND_COLOR = "#2e7dd7", "#8fbf4a", "#d62728", "#6b4c9a"
# PNG text chunks: matplotlib writes its version as "Software"; leave it out so the bytes depend on the data only.
_PNG_METADATA = {"Software": None}


def render_report_chart(tally: MdrTally) -> bytes:
    """A 1200x600 PNG of the tally's days; the same tally always gives the same bytes."""
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    canvas = FigureCanvasAgg(figure)
    counts_axes = figure.add_subplot()
    spend_axes = counts_axes.twinx()
    _draw_counts(counts_axes, tally)
    _draw_spend(spend_axes, tally)
    _label_days(counts_axes, tally)
    counts_axes.set_title(chart_title(tally), loc="left", fontsize=13)
    if tally.totals.messages == 0:
        counts_axes.text(0.5, 0.5, "No messages in this period", transform=counts_axes.transAxes,
                         ha="center", va="center", fontsize=14, color="#666666")  # fmt: skip
    _legend(counts_axes, spend_axes)
    buffer = io.BytesIO()
    canvas.print_png(buffer, metadata=_PNG_METADATA)
    return buffer.getvalue()


def chart_title(tally: MdrTally) -> str:
    who = "all numbers" if tally.number is None else format_number(tally.number)
    return f"Messages per day, {tally.start:%Y-%m-%d} to {tally.end:%Y-%m-%d} ({tally.zone.key}), {who}"


def _draw_counts(axes, tally: MdrTally) -> None:
    days = tally.days
    positions = range(len(days))
    width = 0.4
    axes.bar([x - width / 2 for x in positions], [day.inbound for day in days], width,
             label="Inbound", color=INBOUND_COLOR)  # fmt: skip
    axes.bar([x + width / 2 for x in positions], [day.outbound for day in days], width,
             label="Outbound", color=OUTBOUND_COLOR)  # fmt: skip
    failing = [(x, day.failed) for x, day in zip(positions, days, strict=True) if day.failed]
    # Failures are outbound messages, so the mark sits on the outbound bar at the failed count.
    axes.scatter([x + width / 2 for x, _ in failing], [failed for _, failed in failing], marker="X", s=60,
                 color=FAILED_COLOR, zorder=3, label="Failed deliveries")  # fmt: skip
    peak = max([day.messages for day in days] + [1])
    axes.set_ylim(0, peak * 1.15)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("Messages")
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)


def _draw_spend(axes, tally: MdrTally) -> None:
    dollars = [day.nanodollars / NANODOLLARS_PER_DOLLAR for day in tally.days]
    axes.plot(range(len(dollars)), dollars, color=SPEND_COLOR, marker="o", markersize=3, linewidth=1.5,
              label="Spend (USD)")  # fmt: skip
    peak = max(dollars + [0.0])
    axes.set_ylim(0, peak * 1.15 if peak > 0 else 0.01)
    decimals = 2 if peak >= 1 else 4
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _position: f"${value:,.{decimals}f}"))
    axes.set_ylabel("Spend (USD)")


def _legend(counts_axes, spend_axes) -> None:
    """One legend for both axes, in reading order: inbound, outbound, failed, spend."""
    handles = {}
    for axes in (counts_axes, spend_axes):
        handles.update(zip(*reversed(axes.get_legend_handles_labels()), strict=True))
    order = ("Inbound", "Outbound", "Failed deliveries", "Spend (USD)")
    counts_axes.legend([handles[label] for label in order], order, loc="upper left", fontsize=9, framealpha=0.9)


def _label_days(axes, tally: MdrTally) -> None:
    days = tally.days
    step = math.ceil(len(days) / MAX_DATE_LABELS)
    shown = range(0, len(days), step)
    axes.set_xticks(list(shown), [f"{days[index].day:%b %d}" for index in shown], rotation=45, ha="right")
    axes.set_xlim(-0.6, len(days) - 0.4)
