"""API error shape: always JSON, field-level messages, never a stack trace."""
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"errors": response.data}
    elif isinstance(exc, (exceptions.APIException, Http404)):
        detail = response.data.get("detail") if isinstance(response.data, dict) else response.data
        response.data = {"error": str(detail)}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response.data["retry_after"] = int(response["Retry-After"])
    return response
