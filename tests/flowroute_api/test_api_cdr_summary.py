"""The CDR export summary: totals, top numbers, unreadable files, and memory that stays bounded."""

import gzip
import re
import tracemalloc
from decimal import Decimal

import pytest

from flowroute_api import CdrFileError, summarise_cdr_export
from sandbox.flowroute.porting import CDR_COLUMNS

HEADER = ",".join(CDR_COLUMNS) + "\n"


def _row(direction="Outbound", ours="12065550100", remote="14255551234", cost="0.01", billed=60, result="completed",
         alias="Seattle support", duration=None):  # fmt: skip
    values = dict.fromkeys(CDR_COLUMNS, "")
    inbound = direction.lower() == "inbound"
    values.update(
        direction=direction,
        destination=ours if inbound else remote,
        callerid="+" + (remote if inbound else ours),
        number_alias=alias,
        total_cost=cost,
        billed_duration=str(billed),
        duration=str(billed if duration is None else duration),
        result=result,
    )
    return ",".join(values[name] for name in CDR_COLUMNS) + "\n"


def _write(path, text, *, compress=True):
    data = text.encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def test_totals_failures_and_the_ranking_of_our_numbers(tmp_path):
    rows = [
        _row(cost="0.0100", billed=60),
        _row(cost="0.0200", billed=120),
        _row("Inbound", ours="13125550123", alias="Chicago NOC", cost="0.0500", billed=30),
        _row("Inbound", ours="13125550123", alias="Chicago NOC", cost="0", billed=0, result="failed", duration=0),
        _row(ours="18885550142", alias="Hotline", cost="0.9", billed=6),
    ]
    summary = summarise_cdr_export(_write(tmp_path / "a.gz", HEADER + "".join(rows)), top=2)
    assert (summary.calls, summary.inbound, summary.outbound, summary.failed) == (5, 2, 3, 1)
    assert summary.cost == Decimal("0.98")
    assert summary.billed_seconds == 216 and summary.billed_minutes == Decimal("3.6")
    # Two calls each: the tie is broken by cost, then by number.
    assert [(u.number, u.calls, u.cost) for u in summary.top_numbers] == [
        ("12065550100", 2, Decimal("0.03")),
        ("13125550123", 2, Decimal("0.05")),
    ][::-1]


def test_a_plain_csv_is_read_too(tmp_path):
    summary = summarise_cdr_export(_write(tmp_path / "a.csv", HEADER + _row(), compress=False))
    assert summary.calls == 1


def test_unreadable_rows_are_counted_not_guessed(tmp_path):
    rows = [_row(), _row(cost="free"), _row(ours="555"), _row(direction="Sideways"), _row(billed="n/a"), "\n"]
    summary = summarise_cdr_export(_write(tmp_path / "a.gz", HEADER + "".join(rows)))
    assert (summary.calls, summary.skipped_rows) == (1, 4)


def test_an_empty_export_has_zero_totals(tmp_path):
    summary = summarise_cdr_export(_write(tmp_path / "a.gz", HEADER))
    assert (summary.calls, summary.cost, summary.top_numbers) == (0, 0, [])


@pytest.mark.parametrize(
    "content, problem",
    [
        (
            gzip.compress(b"name,value\nx,1\n"),
            "column(s) direction, destination, callerid, total_cost, billed_duration",
        ),
        (gzip.compress(b""), "missing"),
        (gzip.compress((HEADER + _row() * 50).encode())[:-30], "cut short"),
        (b"\x1f\x8b\x08garbage", "could not be read"),
        (gzip.compress((HEADER + "x" * 70_000 + "\n").encode()), "longer than 65536 characters"),
    ],
    ids=["other csv", "empty", "truncated", "broken gzip", "endless line"],
)
def test_a_file_that_is_not_a_cdr_export_is_one_clear_error(tmp_path, content, problem):
    path = tmp_path / "bad.gz"
    path.write_bytes(content)
    with pytest.raises(CdrFileError, match=re.escape(problem)):
        summarise_cdr_export(path)


def test_distinct_numbers_are_counted_up_to_a_bound(tmp_path):
    rows = [_row(ours=f"1206555{index:04d}") for index in range(30)] + [_row(ours="12065550000")] * 3
    summary = summarise_cdr_export(_write(tmp_path / "a.gz", HEADER + "".join(rows)), max_numbers=10)
    assert summary.calls == 33
    assert summary.untracked_calls == 20
    assert summary.top_numbers[0].number == "12065550000" and summary.top_numbers[0].calls == 4


def _peak_bytes(path) -> int:
    tracemalloc.start()
    try:
        summarise_cdr_export(path, max_numbers=500)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_file(tmp_path):
    def export(rows: int):
        lines = (_row(ours=f"1206{5_550_000 + index:07d}") for index in range(rows))  # all distinct
        return _write(tmp_path / f"{rows}.gz", HEADER + "".join(lines))

    small_file, large_file = export(2_000), export(20_000)
    assert summarise_cdr_export(large_file).calls == 20_000
    small, large = _peak_bytes(small_file), _peak_bytes(large_file)
    # Ten times the rows and distinct numbers, against a bound of 500 numbers: about the same peak.
    assert large < small * 1.5 + 256 * 1024, (small, large)
