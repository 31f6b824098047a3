from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from geo_indi.core.api import KnownQueryParamsMixin, LimitOffsetPagination
from geo_indi.core.errors import RequestError
from geo_indi.core.schema import ErrorSerializer, ValidationErrorSerializer
from geo_indi.accounts import roles
from geo_indi.audit.services import audit_records_read

from . import services
from .filters import ObservationBBoxFilter, ObservationFilterForm, filter_openapi_parameters, parse_filters
from .models import Category, Observation, Phenomenon
from .serializers import ObservationReadSerializer, ObservationWriteSerializer, PhenomenonSerializer


def _as_api_error(exc):
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})


class GeoJSONLimitOffsetPagination(LimitOffsetPagination):
    """limit/offset pages as a GeoJSON FeatureCollection with count, next and previous."""

    def get_paginated_response(self, data):
        return Response({
            "type": "FeatureCollection",
            "count": self.count,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "features": data["features"],
        })

    def get_paginated_response_schema(self, schema):
        # drf-spectacular hands over its FeatureCollection component ("<Feature>List"); page its features.
        feature_ref = {"$ref": schema["$ref"].removesuffix("List")}
        paged = super().get_paginated_response_schema(schema)
        paged["properties"].pop("results")
        return {
            "type": "object",
            "required": ["type", "count", "next", "previous", "features"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                **paged["properties"],
                "features": {"type": "array", "items": feature_ref},
            },
        }


ERRORS = {
    400: OpenApiResponse(ValidationErrorSerializer, description="Invalid values; messages per field in `errors`."),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in (Token or session)."),
    403: OpenApiResponse(ErrorSerializer, description="Signed in but not allowed."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such observation visible to the caller.")}
WRITE_ERRORS = {**ERRORS, **NOT_FOUND, 415: OpenApiResponse(ErrorSerializer, description="The body is not JSON.")}
WRITE_BODY_DESCRIPTION = (
    "A point is required on create (PUT too): either `lat` and `lon` together, or `location` as a GeoJSON "
    "Point [lon, lat] — not both. On PATCH the point is optional. Person observations are snapped to their "
    "postcode area and the point is discarded."
)


@extend_schema_view(
    list=extend_schema(
        parameters=filter_openapi_parameters(),
        responses={200: ObservationReadSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(responses={200: ObservationReadSerializer, **ERRORS, **NOT_FOUND}),
    create=extend_schema(
        request=ObservationWriteSerializer,
        description=WRITE_BODY_DESCRIPTION,
        responses={
            201: OpenApiResponse(ObservationReadSerializer, description="Recorded."),
            200: OpenApiResponse(
                ObservationReadSerializer,
                description="A retry with a `client_uuid` already recorded by the caller: the first record.",
            ),
            **WRITE_ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="The `client_uuid` belongs to another reporter."),
        },
    ),
    update=extend_schema(
        request=ObservationWriteSerializer, description=WRITE_BODY_DESCRIPTION,
        responses={200: ObservationReadSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        request=ObservationWriteSerializer, description=WRITE_BODY_DESCRIPTION,
        responses={200: ObservationReadSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(responses={204: None, **ERRORS, **NOT_FOUND}),
)
class ObservationViewSet(KnownQueryParamsMixin, viewsets.ModelViewSet):
    """Observations the caller may see, as GeoJSON Features; writes go through services.record_observation."""

    pagination_class = GeoJSONLimitOffsetPagination
    filter_backends = [ObservationBBoxFilter]

    def allowed_query_params(self, action):
        if action == "list":
            paging = {self.paginator.limit_query_param, self.paginator.offset_query_param}
            return frozenset(ObservationFilterForm.base_fields) | {ObservationBBoxFilter.bbox_param} | paging
        return frozenset()

    def get_queryset(self):
        qs = Observation.objects.visible_to(self.request.user).select_related(
            "phenomenon", "category", "postcode_area", "municipality", "organisation"
        )
        if self.action == "list":
            form, errors = parse_filters(self.request.query_params)
            if errors:
                raise ValidationError(errors)
            qs = qs.filter(form.q())
        return qs

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return ObservationWriteSerializer
        return ObservationReadSerializer

    def _read(self, observation, code):
        return Response(ObservationReadSerializer(observation, context=self.get_serializer_context()).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        observation = self.get_object()
        audit_records_read(request, [observation])
        return self._read(observation, status.HTTP_200_OK)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        audit_records_read(self.request, page if page is not None else queryset, listing=True)
        return page

    def create(self, request, *args, **kwargs):
        organisation = roles.organisation_of(request.user)
        if organisation is None:
            raise PermissionDenied(_("The reporter belongs to no organisation."))
        serializer = ObservationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lat, lon = data.pop("_point")
        client_uuid = data.pop("client_uuid", None)
        try:
            result = services.record_observation(
                data, reporter=request.user, organisation=organisation, lat=lat, lon=lon, client_uuid=client_uuid
            )
        except DjangoValidationError as exc:
            raise _as_api_error(exc)
        except services.DuplicateOfOtherReporter as exc:
            raise RequestError(str(exc), status=409) from None
        if result.created:
            # The new row is the object in hand (its phenomenon, category, organisation and snapped
            # place attached): no re-read. A retry answers the stored first record, as visible now.
            return self._read(result.observation, status.HTTP_201_CREATED)
        return self._read(get_object_or_404(self.get_queryset(), pk=result.observation.pk), status.HTTP_200_OK)

    def update(self, request, *args, **kwargs):
        observation = self.get_object()
        if not services.can_modify(observation, request.user):
            raise PermissionDenied(_("Only the reporter, within the edit window, or an administrator may change this."))
        partial = kwargs.get("partial", False)
        serializer = ObservationWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lat, lon = data.pop("_point", (None, None))
        data.pop("client_uuid", None)
        try:
            services.update_observation(observation, data, lat=lat, lon=lon)
        except DjangoValidationError as exc:
            raise _as_api_error(exc)
        return self._read(self.get_queryset().get(pk=observation.pk), status.HTTP_200_OK)

    def destroy(self, request, *args, **kwargs):
        observation = self.get_object()
        if not services.can_modify(observation, request.user):
            raise PermissionDenied(_("Only the reporter, within the edit window, or an administrator may delete this."))
        services.delete_observation(observation)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(responses={200: PhenomenonSerializer(many=True)}),
    retrieve=extend_schema(responses={200: PhenomenonSerializer, 404: ErrorSerializer}),
)
class PhenomenonViewSet(KnownQueryParamsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Active phenomena and their categories, names in the request's language."""

    serializer_class = PhenomenonSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = None

    def get_queryset(self):
        return (
            Phenomenon.objects.filter(is_active=True)
            .publishable_to(self.request.user)
            .prefetch_related(Prefetch("categories", queryset=Category.objects.filter(is_active=True)))
        )
