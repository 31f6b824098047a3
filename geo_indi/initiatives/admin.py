from django.contrib import admin

from .models import Initiative, Measure, Review


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 1


class ReviewInline(admin.TabularInline):
    model = Review
    extra = 1
    fields = ["review_on", "requested_at"]
    readonly_fields = ["requested_at"]


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "starts_on", "review_interval_months"]
    filter_horizontal = ["phenomena", "municipalities", "postcode_areas", "responsible_organisations", "indicators"]
    inlines = [MeasureInline, ReviewInline]
