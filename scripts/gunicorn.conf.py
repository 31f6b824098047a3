"""gunicorn settings for geo_indi (scripts/serve.sh, compose.yaml). Each one can be overridden from the environment."""
import os

bind = os.environ.get("GEO_INDI_BIND", "127.0.0.1:8000")
# Threads let a long streaming download run without blocking the worker's heartbeat.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * len(os.sched_getaffinity(0)) + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# Path only (%(U)s), no query string and no referrer: a query can hold a bounding box around a person.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# gunicorn's control socket lives in $HOME by default, shared by every instance on the machine: not used.
control_socket_disable = True
# gunicorn's own request-line and header limits answer 400/414/431 as a bare HTML page before Django: moved
# to Django (geo_indi.core.middleware.APIErrorMiddleware, limits in geo_indi.core.errors), which answers them
# in the client's shape (API JSON, OGC exception, page). gunicorn's are lifted (0: none; 32768: its maximum);
# a proxy in front keeps its own (docs/operations.md). A request line gunicorn cannot parse at all is still its 400.
limit_request_line = int(os.environ.get("GUNICORN_LIMIT_REQUEST_LINE", 0))
limit_request_field_size = int(os.environ.get("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", 0))
limit_request_fields = int(os.environ.get("GUNICORN_LIMIT_REQUEST_FIELDS", 32768))
