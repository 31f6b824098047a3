from contextvars import ContextVar

current_request = ContextVar("geo_indi_audit_request", default=None)
