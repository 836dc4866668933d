"""The `report` summary in mrkdwn: the totals and the notable days, readable without the chart."""

from __future__ import annotations

from decimal import Decimal

from blocks.text import money
from flowroute_api.mdr_tally import NANODOLLARS_PER_DOLLAR, MdrTally
from flowroute_api.phone import format_number

MAX_FAILURE_DAYS = 5


def spend_text(nanodollars: int) -> str:
    """Spend in dollars, one format everywhere (blocks.text.money: four decimals only below a cent)."""
    return money(Decimal(nanodollars) / NANODOLLARS_PER_DOLLAR)


def report_summary(tally: MdrTally) -> str:
    """Title line, totals line, then the busiest day and the days with failures."""
    totals, days = tally.totals, tally.days
    who = "all numbers" if tally.number is None else format_number(tally.number)
    lines = [
        f"*Messages {tally.start:%Y-%m-%d} to {tally.end:%Y-%m-%d}* ({tally.zone.key}, {who}, {len(days)} days)",
        f"Inbound: {totals.inbound:,} · Outbound: {totals.outbound:,} · "
        f"Failed deliveries: {_failed_text(totals.failed, totals.outbound)} · Spend: {spend_text(totals.nanodollars)}",
    ]
    if totals.messages == 0:
        lines.append("No messages in this period.")
        return "\n".join(lines)
    busiest = max(days, key=lambda day: (day.messages, -day.day.toordinal()))
    quiet = sum(1 for day in days if day.messages == 0)
    lines.append(f"Busiest day: {busiest.day:%a %b %d} ({busiest.messages:,} messages) · "
                 f"Days without messages: {quiet} of {len(days)}")  # fmt: skip
    failing = [day for day in days if day.failed]
    if failing:
        shown = ", ".join(f"{day.day:%b %d} ({day.failed:,})" for day in failing[:MAX_FAILURE_DAYS])
        more = len(failing) - MAX_FAILURE_DAYS
        lines.append(f"Failures on: {shown}" + (f" and {more} more day{'s' if more > 1 else ''}" if more > 0 else ""))
    return "\n".join(lines)


def _failed_text(failed: int, outbound: int) -> str:
    if not failed:
        return "0"
    share = f" ({failed / outbound:.1%} of outbound)" if outbound else ""
    return f"{failed:,}{share}"
