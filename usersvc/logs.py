"""Logging set-up: one JSON object per line (LOG_FORMAT=json) or plain text."""

import json
import logging
import sys
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "command_id"):
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# Libraries that log whole AMQP frames (bodies with passwords and tokens) or SQL with its
# parameters (password hashes) at DEBUG: held at INFO whatever LOG_LEVEL says.
FRAME_AND_QUERY_LOGGERS = ("aiormq", "aio_pika", "pamqp", "tortoise", "asyncpg", "aiosqlite")


def configure_logging(*, level: str, fmt: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in FRAME_AND_QUERY_LOGGERS:
        logging.getLogger(name).setLevel(max(root.level, logging.INFO))
