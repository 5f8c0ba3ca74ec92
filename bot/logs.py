"""Logging for the service: one line per happening on stderr, plain or one JSON object per line.

Plain: `2026-03-12T14:05:09Z WARNING treatybot XVIII-16: failed: …`. JSON (`run --log-json`):
`{"time", "level", "logger", "message"}` plus `"exception"` (the traceback as text) when there is
one, so a log shipper never splits a traceback over several records.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"{_utc(record.created)} {record.levelname} {record.name} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup_logging(*, verbose: bool, as_json: bool) -> None:
    """Route every treatybot log record to stderr at INFO (verbose) or WARNING."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else PlainFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    # Libraries talk too much at INFO (every HTTP request, every APScheduler run).
    for noisy in ("httpx", "apscheduler", "aiohttp.access", "telegram"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _utc(created: float) -> str:
    moment = dt.datetime.fromtimestamp(created, dt.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
