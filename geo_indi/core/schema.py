"""OpenAPI components of the API error shape (geo_indi.core.api.error_body), for response schemas."""
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="One sentence for people, in the request's language.")
    code = serializers.CharField(help_text="A stable machine-readable code, e.g. not_found, invalid, too_deep.")
    request_id = serializers.CharField(required=False, help_text="The X-Request-ID of the request, for support.")


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per field (or non_field_errors); present when code is invalid.",
    )
