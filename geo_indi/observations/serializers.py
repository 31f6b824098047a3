"""Parse and present observations. Rules live in services; this only converts."""
import math
import threading

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from geo_indi.accounts import roles

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


class StrictFloatField(serializers.FloatField):
    """A JSON number only: no strings, booleans, NaN or Infinity. Errors never echo the value."""

    default_error_messages = {"invalid": _("A finite number is required.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        value = float(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


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
        lon, lat = coords[0], coords[1]
        for value in (lon, lat):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                self.fail("invalid")
        return {"lon": float(lon), "lat": float(lat)}


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


class ObservationReadSerializer(serializers.ModelSerializer):
    """Output. Person observations carry their postcode area, never a point."""

    phenomenon_name = serializers.CharField(source="phenomenon.name", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True, default=None)
    postcode = serializers.CharField(source="postcode_area.postcode", read_only=True)
    postcode_area_name = serializers.CharField(source="postcode_area.name_fi", read_only=True)
    municipality_code = serializers.CharField(source="municipality.code", read_only=True)
    municipality_name = serializers.CharField(source="municipality.name_fi", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    location = serializers.SerializerMethodField()
    follow_up_note = serializers.SerializerMethodField()

    class Meta:
        model = Observation
        fields = [
            "id", "client_uuid", "phenomenon", "phenomenon_name", "category", "category_name",
            "subject", "direction", "occurrences", "age_group", "description", "observed_on",
            "organisation", "organisation_name", "postcode", "postcode_area_name",
            "municipality_code", "municipality_name", "location", "consent_recorded",
            "follow_up_note", "created_at", "updated_at",
        ]

    def get_location(self, obj):
        if obj.subject != Subject.OBJECT or obj.location is None:
            return None
        point = obj.location.transform(_to_wgs84(), clone=True)
        return {"type": "Point", "coordinates": [round(point.x, COORD_DECIMALS), round(point.y, COORD_DECIMALS)]}

    def get_follow_up_note(self, obj):
        request = self.context.get("request")
        org = roles.organisation_of(request.user) if request else None
        if org is not None and obj.organisation_id == org.pk:
            return obj.follow_up_note
        return None


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "slug", "name", "name_fi", "name_sv", "name_en"]


class PhenomenonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    examples = serializers.CharField(read_only=True)
    categories = serializers.SerializerMethodField()

    class Meta:
        model = Phenomenon
        fields = ["id", "slug", "name", "name_fi", "name_sv", "name_en", "description", "examples", "icon", "visibility", "categories"]

    def get_categories(self, obj):
        return CategorySerializer([c for c in obj.categories.all() if c.is_active], many=True).data
