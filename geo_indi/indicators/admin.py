from django.contrib import admin

from .models import Indicator, IndicatorValue, PhenomenonIndicatorLink


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("sotkanet_id", "title_fi", "unit", "source_organisation", "imported_at")
    search_fields = ("title_fi", "title_sv", "title_en", "description_fi")


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    list_display = ("indicator", "municipality", "year", "gender", "value", "absolute_value")
    list_filter = ("indicator", "municipality", "year")


@admin.register(PhenomenonIndicatorLink)
class PhenomenonIndicatorLinkAdmin(admin.ModelAdmin):
    """Links are made by a person: the confirming user is whoever saves here."""

    list_display = ("phenomenon", "indicator", "matched_words", "confirmed_by", "confirmed_at")
    list_filter = ("phenomenon",)
    readonly_fields = ("confirmed_by", "confirmed_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.confirmed_by = request.user
        super().save_model(request, obj, form, change)
