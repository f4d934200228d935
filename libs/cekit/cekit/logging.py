"""JSON logs with the request id, and masking of national ID numbers wherever they appear.

National ID numbers (GB 11643-1999: 17 digits and a check digit or X) are personal information: they must
never reach a log line, whatever code logged them, so the mask runs as a filter on every record.
"""

import json
import logging
import re
import sys
import time
from typing import Any

import orjson

from cekit.context import request_id_var

# 18 characters: 17 digits + digit or X, not glued to other digits (so longer numbers are left alone).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def mask_id_numbers(text: str) -> str:
    """Keep the region prefix and the last four characters: ``130102********123X``."""
    return _ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)


_MASKED = "_ce_message_masked"


class MaskingFilter(logging.Filter):
    """Renders the message once, masks it, and freezes it so no handler sees the raw arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A record masked when it was made (``install_masking``) has a frozen message already; its ``extra`` fields
        # were set after that, so they are masked here whatever happened before.
        if not getattr(record, _MASKED, False) or record.args:
            try:
                message = record.getMessage()
            except Exception:  # a bad format string must not lose the log line
                message = str(record.msg)
            record.msg = mask_id_numbers(message)
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_id_numbers(record.exc_text)
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            record.fields = {k: mask_id_numbers(v) if isinstance(v, str) else v for k, v in extra.items()}
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_text:
            entry["exc"] = record.exc_text
        # orjson: the standard library's encoder was a third of an access line's cost (a small read's 12 µs). What
        # orjson refuses (an integer past 64 bits) goes the standard library's way: a log line is never lost.
        try:
            return orjson.dumps(entry, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
        except TypeError:
            return json.dumps(entry, ensure_ascii=False, default=str)


_masking_installed = False


def install_masking() -> None:
    """Mask at record creation, so every handler (a test's capture included) only ever sees masked text."""
    global _masking_installed
    if _masking_installed:
        return
    previous = logging.getLogRecordFactory()
    mask = MaskingFilter()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        mask.filter(record)
        setattr(record, _MASKED, True)
        return record

    logging.setLogRecordFactory(factory)
    _masking_installed = True


def configure_logging(service: str, level: str = "INFO", json_format: bool = True) -> None:
    """Route every logger (uvicorn's included) through one masked handler."""
    install_masking()
    # No log line says which file and line wrote it, so logging need not walk the stack to find out for every
    # record (a quarter of an access line's cost); the logging HOWTO's "Optimization" names this switch.
    logging._srcfile = None
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(MaskingFilter())
    if json_format:
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    # Our own middleware writes the access line with the request id; uvicorn's would duplicate it.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # One line per outgoing call is noise next to our access log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
