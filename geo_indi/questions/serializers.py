from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from geo_indi.accounts.models import Membership, Organisation
from geo_indi.areas.models import Municipality, PostcodeArea
from geo_indi.observations.models import Phenomenon

from .models import (ANSWER_MAX_LENGTH, ASKABLE_KINDS, QUESTION_MAX_LENGTH, Answer, Progress, Question, Trend,
                     Verdict, default_closing_date)


class FlatListField(serializers.ListField):
    """A list whose item errors are plain messages ("3: ..."), as the API error shape has them."""

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            raise serializers.ValidationError(
                [f"{index}: {message}" for index, messages in exc.detail.items() for message in messages]) from None


class AnswerSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = Answer
        fields = ["id", "client_uuid", "organisation", "text", "choice", "trend", "verdict", "progress", "answered_at"]


class QuestionSerializer(serializers.ModelSerializer):
    """A question as its recipients and askers see it; `answers` only for the asking organisation."""

    phenomenon_name = serializers.CharField(source="phenomenon.name", read_only=True)
    municipality_name = serializers.CharField(source="municipality.name_fi", read_only=True)
    postcodes = serializers.SerializerMethodField()
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    my_answer = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = ["id", "text", "kind", "options", "phenomenon", "phenomenon_name", "municipality",
                  "municipality_name", "postcodes", "organisation", "closes_on", "my_answer", "answers"]

    def get_postcodes(self, obj) -> list[str]:
        return [a.postcode for a in obj.postcode_areas.all()]

    @extend_schema_field(AnswerSerializer(allow_null=True))
    def get_my_answer(self, obj):
        user = self.context["request"].user
        answer = next((a for a in obj.answers.all() if a.respondent_id == user.pk), None)
        return AnswerSerializer(answer).data if answer else None

    @extend_schema_field(AnswerSerializer(many=True, allow_null=True))
    def get_answers(self, obj):
        from .access import sees_answers

        if not sees_answers(self.context["request"].user, obj):
            return None
        return AnswerSerializer(obj.answers.all(), many=True).data


class QuestionAskSerializer(serializers.Serializer):
    phenomenon = serializers.PrimaryKeyRelatedField(queryset=Phenomenon.objects.filter(is_active=True))
    municipality = serializers.SlugRelatedField(slug_field="code", queryset=Municipality.objects.all())
    postcode_areas = serializers.SlugRelatedField(slug_field="postcode", queryset=PostcodeArea.objects.all(),
                                                  many=True, required=False, default=list)
    text = serializers.CharField(max_length=QUESTION_MAX_LENGTH)
    kind = serializers.ChoiceField(choices=ASKABLE_KINDS)
    options = FlatListField(child=serializers.CharField(max_length=200), required=False, default=list)
    target_organisations = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), many=True,
                                                              required=False, default=list)
    target_roles = FlatListField(child=serializers.ChoiceField(choices=Membership.Role.choices),
                                         required=False, default=list)
    closes_on = serializers.DateField(default=default_closing_date)


class AnswerInSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField()
    text = serializers.CharField(max_length=ANSWER_MAX_LENGTH, required=False, allow_blank=True, default="")
    choice = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    trend = serializers.ChoiceField(choices=Trend.choices, required=False, allow_blank=True, default="")
    verdict = serializers.ChoiceField(choices=Verdict.choices, required=False, allow_blank=True, default="")
    progress = FlatListField(child=serializers.ChoiceField(choices=Progress.choices), required=False,
                                     default=list)
