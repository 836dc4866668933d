"""Logging for operators: INFO is events (not scheduler ticks), LOG_FORMAT=json is one object per line."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# APScheduler logs "Running job ..." and "Job ... executed successfully" at INFO on every run.
QUIET_BELOW_DEBUG = ("apscheduler",)
QUEUE_NOTE_SECONDS = 60.0


class QueueDepthNotes(logging.Filter):
    """At most one of waitress's "Task queue depth is N" warnings per interval, saying what it held back.

    waitress logs that line each time a request waits for a free thread: 27-57 lines in one burst of 200
    commands (bench/ack_bench.py --burst), written while waitress holds its task lock.
    """

    def __init__(self, interval: float = QUEUE_NOTE_SECONDS, clock=time.monotonic):
        super().__init__()
        self._interval, self._clock = interval, clock
        self._lock = threading.Lock()
        self._next_at: float | None = None
        self._held = self._deepest = 0

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        depth = args[0] if args and isinstance(args[0], int) else 0
        with self._lock:
            now = self._clock()
            if self._next_at is not None and now < self._next_at:
                self._held, self._deepest = self._held + 1, max(self._deepest, depth)
                return False
            if self._held:
                record.msg = f"{record.msg} ({self._held} more such lines held back, deepest %d)"
                record.args = (*args, max(self._deepest, depth))
            self._next_at, self._held, self._deepest = now + self._interval, 0, 0
            return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and exc_info when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO", log_format: str = "text") -> None:
    """Root handler on stderr in the chosen format; the scheduler's per-run lines only at DEBUG."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_BELOW_DEBUG:
        logging.getLogger(name).setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    queue = logging.getLogger("waitress.queue")
    for old in [f for f in queue.filters if isinstance(f, QueueDepthNotes)]:
        queue.removeFilter(old)
    queue.addFilter(QueueDepthNotes())
