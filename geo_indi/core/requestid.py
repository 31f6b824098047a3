"""The id of the request being served, for log lines and error bodies."""
import contextvars
import re
import uuid

HEADER = "X-Request-ID"
# A caller's id is kept if it is short and plain; anything else is replaced, never logged.
_ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_request_id = contextvars.ContextVar("request_id", default=None)


def current_request_id():
    return _request_id.get()


def begin(incoming):
    """Set and return the id of this request: the caller's if acceptable, else a new one."""
    request_id = incoming if incoming and _ACCEPTED.match(incoming) else uuid.uuid4().hex
    _request_id.set(request_id)
    return request_id
