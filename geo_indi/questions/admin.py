from django.contrib import admin

from .models import Answer, Question


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["organisation", "text", "text_reviewed", "choice", "trend", "verdict", "progress", "answered_at"]
    readonly_fields = ["organisation", "text", "choice", "trend", "verdict", "progress", "answered_at"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "phenomenon", "municipality", "organisation", "kind", "closes_on"]
    list_filter = ["kind", "phenomenon"]
    filter_horizontal = ["postcode_areas", "target_organisations"]
    inlines = [AnswerInline]
