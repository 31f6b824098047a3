from django.contrib import admin

from .models import ResearchExtract, ResearchRequest, ReviewedDescription


@admin.register(ResearchExtract)
class ResearchExtractAdmin(admin.ModelAdmin):
    list_display = ["made_at", "made_by_username", "year_from", "year_to", "recipient"]
    readonly_fields = [f.name for f in ResearchExtract._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReviewedDescription)
class ReviewedDescriptionAdmin(admin.ModelAdmin):
    list_display = ["observation", "reviewed_by", "reviewed_at"]
    raw_id_fields = ["observation"]
    readonly_fields = ["checked_text", "reviewed_by", "reviewed_at"]

    def save_model(self, request, obj, form, change):
        obj.reviewed_by = request.user
        obj.checked_text = obj.observation.description
        super().save_model(request, obj, form, change)


@admin.register(ResearchRequest)
class ResearchRequestAdmin(admin.ModelAdmin):
    """View-only: requests are made, decided and downloaded in the web app (/research/), where each step is logged."""

    list_display = ["requested_at", "requested_by_username", "year_from", "year_to", "state", "expires_on"]
    list_filter = ["state"]
    readonly_fields = [f.name for f in ResearchRequest._meta.fields] + ["municipalities"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
