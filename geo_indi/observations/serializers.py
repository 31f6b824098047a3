"""Parse and present observations. Rules live in services; this only converts."""
import math
import threading

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_gis import GeoFeatureModelSerializerExtension
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

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


def finite_float(data):
    """A JSON number as a finite float, or None (strings, booleans, NaN, Infinity, integers beyond float)."""
    if isinstance(data, bool) or not isinstance(data, (int, float)):
        return None
    try:
        value = float(data)
    except OverflowError:
        return None
    return value if math.isfinite(value) else None


class StrictFloatField(serializers.FloatField):
    """A JSON number only: no strings, booleans, NaN or Infinity. Errors never echo the value."""

    default_error_messages = {"invalid": _("A finite number is required.")}

    def to_internal_value(self, data):
        value = finite_float(data)
        if value is None:
            self.fail("invalid")
        return value


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


@extend_schema_field(POINT_SCHEMA)
class GeoJSONPointField(serializers.Field):
    default_error_messages = {
        "invalid": _("Give a GeoJSON Point with coordinates [lon, lat]."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, dict) or data.get("type") != "Point":
            self.fail("invalid")
        coords = data.get("coordinates")
        if not isinstance(coords, list) or len(coords) not in (2, 3):
            self.fail("invalid")
        lon, lat = finite_float(coords[0]), finite_float(coords[1])
        if lon is None or lat is None:
            self.fail("invalid")
        return {"lon": lon, "lat": lat}


class ObservationWriteSerializer(serializers.Serializer):
    """Input of POST/PUT/PATCH. Point as lat/lon or a GeoJSON Point in `location`."""

    client_uuid = serializers.UUIDField(required=False)
    phenomenon = serializers.PrimaryKeyRelatedField(queryset=Phenomenon.objects.all())
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)
    subject = serializers.ChoiceField(choices=Subject.choices)
    direction = serializers.ChoiceField(choices=Direction.choices)
    occurrences = serializers.IntegerField(required=False, min_value=1, max_value=999)
    age_group = serializers.ChoiceField(choices=AgeGroup.choices, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000, trim_whitespace=True)
    observed_on = serializers.DateField(required=False)
    consent_recorded = serializers.BooleanField(required=False)
    follow_up_note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    lat = StrictFloatField(required=False, write_only=True)
    lon = StrictFloatField(required=False, write_only=True)
    location = GeoJSONPointField(required=False, write_only=True)

    def validate(self, attrs):
        point = attrs.pop("location", None)
        lat, lon = attrs.pop("lat", None), attrs.pop("lon", None)
        if point and (lat is not None or lon is not None):
            raise serializers.ValidationError({"location": [_("Give either lat/lon or location, not both.")]})
        if point:
            lat, lon = point["lat"], point["lon"]
        if (lat is None) != (lon is None):
            raise serializers.ValidationError({"location": [_("Give both lat and lon.")]})
        if lat is None and not self.partial:
            raise serializers.ValidationError({"location": [_("A point is required (lat/lon or location).")]})
        attrs["_point"] = (lat, lon)
        return attrs

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
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
