"""Parse and present observations. Rules live in services; this only converts."""
from __future__ import annotations

import datetime as dt
import math
import threading
from typing import Any

from drf_spectacular.contrib.rest_framework_gis import GeoFeatureModelSerializerExtension
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from . import contract
from .models import AgeGroup, Category, Direction, Observation, Phenomenon, Subject

COORD_DECIMALS = 6
_transforms = threading.local()


def _to_wgs84():
    """A CoordTransform from the storage SRID to WGS 84, built once per thread (building one costs ~20 ms)."""
    transform = getattr(_transforms, "to_wgs84", None)
    if transform is None:
        from django.conf import settings
        from django.contrib.gis.gdal import CoordTransform, SpatialReference

        transform = CoordTransform(SpatialReference(settings.GEO_INDI_STORAGE_SRID), SpatialReference(4326))
        _transforms.to_wgs84 = transform
    return transform


def finite_float(data: Any) -> float | None:
    """A JSON number as a finite float, or None (strings, booleans, NaN, Infinity, integers beyond float)."""
    if isinstance(data, bool) or not isinstance(data, (int, float)):
        return None
    try:
        value = float(data)
    except OverflowError:
        return None
    return value if math.isfinite(value) else None


POINT_SCHEMA = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {
            "type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3,
            "description": "[longitude, latitude] in WGS 84", "example": [25.72, 66.5],
        },
    },
}


class GivenField(serializers.Field):
    """A value handed to the observation contract as given: the rules and their messages are
    `contract.RULES`, not DRF's. Absent or null is accepted here and judged there. `schema`
    documents it in the OpenAPI description (GivenFieldExtension). `number_code`: the value must be
    a JSON number (text is refused with that contract rule: files carry numbers as text, JSON not)."""

    def __init__(self, schema: dict[str, Any], number_code: str | None = None, **kwargs: Any) -> None:
        self.schema = schema
        self.number_code = number_code
        super().__init__(required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if self.number_code and (isinstance(data, bool) or not isinstance(data, (int, float))):
            raise serializers.ValidationError(contract.message(self.number_code))
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class GivenFieldExtension(OpenApiSerializerFieldExtension):
    target_class = GivenField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        return self.target.schema


@extend_schema_field(POINT_SCHEMA)
class GeoJSONPointField(serializers.Field):
    """The shape of a GeoJSON Point; the coordinates are checked by the contract."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        coords = data.get("coordinates") if isinstance(data, dict) and data.get("type") == "Point" else None
        if not isinstance(coords, list) or len(coords) not in (2, 3):
            raise serializers.ValidationError(contract.message("location_form"))
        if finite_float(coords[0]) is None or finite_float(coords[1]) is None:
            raise serializers.ValidationError(contract.message("location_form"))
        return {"lon": coords[0], "lat": coords[1]}


ID_OR_SLUG = {"oneOf": [{"type": "integer"}, {"type": "string"}]}
REQUIRED_ON_CREATE = ["phenomenon", "subject", "direction"]


class ObservationWriteSerializer(serializers.Serializer):
    """Input of POST/PUT/PATCH: the shape only (a JSON object of known fields, the two point forms:
    lat/lon or a GeoJSON Point in `location`). Every rule and its message is the observation
    contract's (`contract.RULES`), checked by the service; the limits below only document it."""

    client_uuid = GivenField({"type": "string", "format": "uuid"})
    phenomenon = GivenField({**ID_OR_SLUG, "description": "Id or slug of an active phenomenon."})
    category = GivenField({**ID_OR_SLUG, "nullable": True, "description": "Id or slug of a category of that phenomenon."})
    subject = GivenField({"type": "string", "enum": list(Subject.values)})
    direction = GivenField({"type": "string", "enum": list(Direction.values)})
    occurrences = GivenField({"type": "integer", "minimum": 1, "maximum": contract.OCCURRENCES_MAX, "default": 1})
    age_group = GivenField({"type": "string", "enum": [*AgeGroup.values, ""]})
    description = GivenField({"type": "string", "maxLength": contract.DESCRIPTION_MAX_LENGTH})
    observed_on = GivenField({"type": "string", "format": "date"})
    consent_recorded = GivenField({"type": "boolean"})
    follow_up_note = GivenField({"type": "string", "maxLength": contract.NOTE_MAX_LENGTH})
    lat = GivenField({"type": "number"}, number_code="lat_number", write_only=True)
    lon = GivenField({"type": "number"}, number_code="lon_number", write_only=True)
    location = GeoJSONPointField(required=False, write_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        point = attrs.pop("location", None)
        lat, lon = attrs.pop("lat", None), attrs.pop("lon", None)
        if point and (lat is not None or lon is not None):
            raise serializers.ValidationError(contract.errors_of(["location_both"]))
        if point:
            lat, lon = point["lat"], point["lon"]
        if (lat is None) != (lon is None):
            raise serializers.ValidationError(contract.errors_of(["location_pair"]))
        if lat is None and not self.partial:
            raise serializers.ValidationError(contract.errors_of(["location_required"]))
        attrs["_point"] = (lat, lon)
        return attrs

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: contract.errors_of(["field_unknown"], field=name)[name] for name in unknown})
        return super().to_internal_value(data)


@extend_schema_field({**POINT_SCHEMA, "nullable": True})
class WGS84PointField(GeometryField):
    """The point of an object observation in WGS 84 (RFC 7946, 6 decimals); null for a person observation."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        if obj.subject != Subject.OBJECT or obj.location is None:
            return None
        point = obj.location.transform(_to_wgs84(), clone=True)
        return {"type": "Point", "coordinates": [round(point.x, COORD_DECIMALS), round(point.y, COORD_DECIMALS)]}


@extend_schema_field({"type": "string", "description": "ISO 8601 date-time; for another organisation's record "
                      "only the date (YYYY-MM-DD)."})
class SharedTimestampField(serializers.DateTimeField):
    """A timestamp, or only its day where the record is another organisation's (sharing.services.Reading)."""

    def to_representation(self, value):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
        return super().to_representation(value)


class ObservationReadSerializer(GeoFeatureModelSerializer):
    """Output: a GeoJSON Feature. Person observations have geometry null and their postcode area as properties."""

    category = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    phenomenon_name = serializers.CharField(source="phenomenon.name", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True, default=None, allow_null=True)
    postcode = serializers.CharField(source="postcode_area.postcode", read_only=True)
    postcode_area_name = serializers.CharField(source="postcode_area.name_fi", read_only=True)
    municipality_code = serializers.CharField(source="municipality.code", read_only=True)
    municipality_name = serializers.CharField(source="municipality.name_fi", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    location = WGS84PointField()
    follow_up_note = serializers.SerializerMethodField()
    created_at = SharedTimestampField(read_only=True)
    updated_at = SharedTimestampField(read_only=True)

    class Meta:
        model = Observation
        geo_field = "location"
        id_field = "id"
        fields = [
            "id", "client_uuid", "phenomenon", "phenomenon_name", "category", "category_name",
            "subject", "direction", "occurrences", "age_group", "description", "observed_on",
            "organisation", "organisation_name", "postcode", "postcode_area_name",
            "municipality_code", "municipality_name", "location", "consent_recorded",
            "follow_up_note", "created_at", "updated_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Only for the reporter's own organisation."))
    def get_follow_up_note(self, obj):
        request = self.context.get("request")
        return Observation.objects.follow_up_note_for(obj, request.user) if request else None


def flat_observation(feature):
    """A Feature of ObservationReadSerializer as one flat object (id, location and the properties)."""
    return {"id": feature["id"], "location": feature["geometry"], **feature["properties"]}


class ObservationWriteExtension(OpenApiSerializerExtension):
    """The write schema says what validate() enforces: a point (lat and lon, or location) on POST and PUT."""

    target_class = ObservationWriteSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if auto_schema.method != "PATCH":
            schema["required"] = REQUIRED_ON_CREATE
            schema["oneOf"] = [{"required": ["lat", "lon"]}, {"required": ["location"]}]
        return schema


class NullableGeometryFeatureExtension(OpenApiSerializerExtension):
    """drf-spectacular's GeoJSON Feature schema, with the geometry nullable (person observations)."""

    target_class = ObservationReadSerializer
    priority = 1

    def map_serializer(self, auto_schema, direction):
        schema = GeoFeatureModelSerializerExtension(self.target).map_serializer(auto_schema, direction)
        schema["properties"]["geometry"] = {**POINT_SCHEMA, "nullable": True}
        schema["required"] = ["type", "id", "geometry", "properties"]
        schema["properties"]["properties"]["required"] = [
            name for name, field in self.target.fields.items()
            if name not in ("id", "location") and not field.write_only
        ]
        return schema


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "slug", "name", "name_fi", "name_sv", "name_en"]


class PhenomenonSerializer(serializers.ModelSerializer):
    """A phenomenon with its active categories."""

    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    examples = serializers.CharField(read_only=True)
    categories = serializers.SerializerMethodField()

    class Meta:
        model = Phenomenon
        fields = ["id", "slug", "name", "name_fi", "name_sv", "name_en", "description", "examples", "icon", "visibility", "categories"]

    @extend_schema_field(CategorySerializer(many=True))
    def get_categories(self, obj):
        return CategorySerializer([c for c in obj.categories.all() if c.is_active], many=True).data
