"""Operator logs: waitress's queue-depth warnings are thinned to one line per interval."""

import logging

from bot.logs import QueueDepthNotes, configure_logging


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _record(depth: int) -> logging.LogRecord:
    return logging.LogRecord("waitress.queue", logging.WARNING, __file__, 1, "Task queue depth is %d", (depth,), None)


def test_one_queue_depth_line_per_interval_then_a_line_saying_what_was_held_back():
    clock = _Clock()
    notes = QueueDepthNotes(interval=60, clock=clock)
    passed = [record for record in map(_record, [1, 2, 8, 3, 1]) if notes.filter(record)]
    assert [record.getMessage() for record in passed] == ["Task queue depth is 1"]
    clock.now += 61
    later = _record(2)
    assert notes.filter(later)
    assert later.getMessage() == "Task queue depth is 2 (4 more such lines held back, deepest 8)"
    clock.now += 61
    quiet = _record(1)
    assert notes.filter(quiet) and quiet.getMessage() == "Task queue depth is 1"


def test_the_bots_logging_thins_waitress_queue_warnings(capsys):
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    configure_logging("INFO")
    try:
        for depth in range(1, 30):
            logging.getLogger("waitress.queue").warning("Task queue depth is %d", depth)
        configure_logging("INFO")  # configuring again keeps a single filter, with a fresh interval
        logging.getLogger("waitress.queue").warning("Task queue depth is %d", 5)
    finally:
        logging.getLogger("waitress.queue").filters.clear()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    lines = [line for line in capsys.readouterr().err.splitlines() if "Task queue depth" in line]
    assert [line.split(": ", 1)[1] for line in lines] == ["Task queue depth is 1", "Task queue depth is 5"]
