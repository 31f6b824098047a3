"""POST /api/observations/check-description/: the entry-time warning about names and places."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import ERRORS, WRITE_ERRORS
from .description_check import check_description
from .models import DESCRIPTION_MAX_LENGTH


class DescriptionCheckInput(serializers.Serializer):
    description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, trim_whitespace=False)


class DescriptionCheckView(APIView):
    """Words of a description that may name a person, a street or a place. A warning to show
    before saving, never a refusal: nothing is stored and the text is not logged."""

    @extend_schema(
        request=DescriptionCheckInput,
        responses={
            200: inline_serializer("DescriptionCheck", {
                "flagged": serializers.ListField(child=serializers.DictField()),
                "warning": serializers.CharField(allow_null=True),
                "analyser": serializers.ChoiceField(choices=["voikko", "fallback"]),
            }),
            **ERRORS,  # signed-in callers only, like every observation operation
            415: WRITE_ERRORS[415],
        },
    )
    def post(self, request):
        data = DescriptionCheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(check_description(data.validated_data["description"]).as_dict())
