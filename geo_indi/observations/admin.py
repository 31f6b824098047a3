from django.contrib import admin

from geo_indi.audit.services import audit_records_read

from . import services
from .models import Category, Observation, Phenomenon


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0


@admin.register(Phenomenon)
class PhenomenonAdmin(admin.ModelAdmin):
    list_display = ("name_fi", "name_sv", "name_en", "visibility", "is_active")
    list_filter = ("visibility", "is_active")
    prepopulated_fields = {"slug": ("name_fi",)}
    inlines = [CategoryInline]


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    """Read-mostly: edits and deletes go through the recording service (alerts are evaluated again)."""

    list_display = ("id", "phenomenon", "subject", "direction", "occurrences", "municipality", "postcode_area", "observed_on", "organisation")
    list_filter = ("phenomenon", "subject", "direction", "municipality")
    date_hierarchy = "observed_on"
    exclude = ("location",)
    readonly_fields = [f.name for f in Observation._meta.fields if f.name != "location"]

    def has_add_permission(self, request):
        return False

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None and request.method == "GET":
            audit_records_read(request, [obj])
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def save_model(self, request, obj, form, change):
        services.update_observation(obj, {name: form.cleaned_data[name] for name in form.changed_data})

    def delete_model(self, request, obj):
        services.delete_observation(obj)

    def delete_queryset(self, request, queryset):
        services.delete_observations(list(queryset))
