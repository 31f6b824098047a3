"""Log lines: one line per event, with time, level and request id; JSON lines with LOG_FORMAT=json.

An exception is shown as its type and the innermost frame of our code, never a
traceback with values and never its message: a database error's message can
quote a row, and a row can hold a person's point. Query strings are cut from
request lines (a bbox is a place).
"""
import datetime as dt
import json
import logging
import re
import traceback

from .requestid import current_request_id

_QUERY = re.compile(r"\?[^\s\"]*")
_PACKAGE_FRAME = "/geo_indi/"


class RequestIDFilter(logging.Filter):
    def filter(self, record):
        record.request_id = current_request_id() or "-"
        return True


def _where(exc_info):
    frames = traceback.extract_tb(exc_info[2])
    ours = [f for f in frames if _PACKAGE_FRAME in f.filename] or frames
    if not ours:
        return ""
    frame = ours[-1]
    return f"{frame.filename.rsplit(_PACKAGE_FRAME, 1)[-1]}:{frame.lineno} in {frame.name}"


def _exception(record):
    if not record.exc_info or record.exc_info[0] is None:
        return None
    return {"type": record.exc_info[0].__name__, "where": _where(record.exc_info)}


def _message(record):
    message = record.getMessage()
    if record.name in ("django.server", "django.request", "gunicorn.access"):
        message = _QUERY.sub("?…", message)
    return message.replace("\r", " ").replace("\n", " ")


def _time(record):
    return dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    def format(self, record):
        line = f"{_time(record)} {record.levelname} [{getattr(record, 'request_id', '-')}] {record.name}: {_message(record)}"
        exception = _exception(record)
        if exception:
            line += f" ({exception['type']} at {exception['where']})"
        return line


class JSONFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": _time(record),
            "level": record.levelname,
            "request_id": getattr(record, "request_id", None),
            "logger": record.name,
            "message": _message(record),
        }
        exception = _exception(record)
        if exception:
            entry["exception"] = exception
        return json.dumps(entry, ensure_ascii=False)
