"""/api/questions/: questions asked of me, asking one, answering one. Errors in the API shape (core/api.py)."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from geo_indi.accounts import roles
from geo_indi.core.schema import ErrorSerializer, ValidationErrorSerializer

from . import services
from .models import Answer, Question
from .serializers import AnswerInSerializer, AnswerSerializer, QuestionAskSerializer, QuestionSerializer


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc)) from None
    except DjangoValidationError as exc:
        raise exceptions.ValidationError(exc.message_dict) from None


READ_ERRORS = {
    400: OpenApiResponse(ValidationErrorSerializer, description="Invalid parameters; messages per field in `errors`."),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in (Token or session)."),
    403: OpenApiResponse(ErrorSerializer, description="Signed in but not allowed."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such question visible to the caller.")}
WRITE_ERRORS = {**READ_ERRORS, **NOT_FOUND,
                415: OpenApiResponse(ErrorSerializer, description="The body is not JSON.")}
ASKED_TO_ME = OpenApiParameter(
    "asked_to_me", OpenApiTypes.BOOL, description="Only the open questions asked of the caller (the field app)")


@extend_schema_view(
    list=extend_schema(parameters=[ASKED_TO_ME], responses={200: QuestionSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: QuestionSerializer, **READ_ERRORS, **NOT_FOUND}),
)
class QuestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Questions asked of the caller (open ones) and those the caller's organisation asked."""

    serializer_class = QuestionSerializer

    def get_queryset(self):
        user = self.request.user
        asked_to_me = Question.objects.open().asked_to(user).values("pk")
        visible = Q(pk__in=asked_to_me)
        org = roles.organisation_of(user)
        only_mine = self.action == "list" and self.request.query_params.get("asked_to_me") in ("1", "true")
        if roles.is_administrator(user) and not only_mine:
            visible = Q()
        elif org is not None and not only_mine:
            visible |= Q(organisation=org)
        return (Question.objects.filter(visible)
                .select_related("phenomenon", "municipality", "organisation")
                .prefetch_related("postcode_areas", Prefetch("answers", Answer.objects.select_related("organisation"))))

    @extend_schema(request=QuestionAskSerializer, responses={201: QuestionSerializer, **WRITE_ERRORS})
    def create(self, request):
        data = QuestionAskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = _call(services.question_ask, asked_by=request.user, **data.validated_data)
        return Response(QuestionSerializer(question, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=AnswerInSerializer,
                   responses={200: AnswerSerializer, 201: AnswerSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def answers(self, request, pk=None):
        """Answer a question asked of you; sending again (same client_uuid) replaces the answer."""
        question = self.get_object()
        data = AnswerInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer, created = _call(services.answer_record, question=question, respondent=request.user,
                                **data.validated_data)
        return Response(AnswerSerializer(answer).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
