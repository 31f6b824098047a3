"""/api/initiatives/: list the initiatives of a municipality one works in, create one (coordinators)."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from geo_indi.accounts.models import Organisation
from geo_indi.areas.models import Municipality, PostcodeArea
from geo_indi.observations.models import Phenomenon
from geo_indi.questions.api import NOT_FOUND, READ_ERRORS, WRITE_ERRORS
from geo_indi.questions.serializers import FlatListField

from geo_indi.indicators.models import Indicator

from .models import GOAL_MAX_LENGTH, MEASURE_MAX_LENGTH, TITLE_MAX_LENGTH, Initiative, ReviewInterval
from .services import initiative_create, initiatives_visible_to


class InitiativeSerializer(serializers.ModelSerializer):
    phenomena = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    municipalities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    postcode_areas = serializers.SlugRelatedField(slug_field="postcode", many=True, read_only=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    responsible_organisations = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    measures = serializers.SlugRelatedField(slug_field="text", many=True, read_only=True)
    review_dates = serializers.SlugRelatedField(source="reviews", slug_field="review_on", many=True, read_only=True)
    indicators = serializers.SlugRelatedField(slug_field="sotkanet_id", many=True, read_only=True)

    class Meta:
        model = Initiative
        fields = ["id", "title", "goal", "phenomena", "municipalities", "postcode_areas", "organisation",
                  "responsible_organisations", "measures", "starts_on", "review_dates", "review_interval_months",
                  "indicators"]


class InitiativeCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    goal = serializers.CharField(max_length=GOAL_MAX_LENGTH)
    phenomena = serializers.SlugRelatedField(slug_field="slug", many=True,
                                             queryset=Phenomenon.objects.filter(is_active=True))
    municipalities = serializers.SlugRelatedField(slug_field="code", many=True, queryset=Municipality.objects.all())
    postcode_areas = serializers.SlugRelatedField(slug_field="postcode", many=True, required=False, default=list,
                                                  queryset=PostcodeArea.objects.all())
    responsible_organisations = serializers.PrimaryKeyRelatedField(many=True, queryset=Organisation.objects.all())
    measures = FlatListField(child=serializers.CharField(max_length=MEASURE_MAX_LENGTH), max_length=20,
                             required=False, default=list)
    starts_on = serializers.DateField()
    review_dates = FlatListField(child=serializers.DateField(), max_length=20, required=False, default=list)
    review_interval_months = serializers.ChoiceField(choices=ReviewInterval.choices, required=False, allow_null=True,
                                                     default=None)
    indicators = serializers.SlugRelatedField(slug_field="sotkanet_id", many=True, required=False, default=list,
                                              queryset=Indicator.objects.all())


@extend_schema_view(
    list=extend_schema(responses={200: InitiativeSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: InitiativeSerializer, **READ_ERRORS, **NOT_FOUND}),
)
class InitiativeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = InitiativeSerializer

    def get_queryset(self):
        return initiatives_visible_to(self.request.user).select_related("organisation").prefetch_related(
            "phenomena", "municipalities", "postcode_areas", "responsible_organisations", "measures", "reviews",
            "indicators")

    @extend_schema(request=InitiativeCreateSerializer, responses={201: InitiativeSerializer, **WRITE_ERRORS})
    def create(self, request):
        data = InitiativeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            initiative = initiative_create(created_by=request.user, **data.validated_data)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from None
        return Response(InitiativeSerializer(initiative).data, status=status.HTTP_201_CREATED)
