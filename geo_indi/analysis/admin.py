"""Read-only admin views of the decisions and summary versions: the trail of who decided and approved what."""
from django.contrib import admin

from .models import GroupDecision, GroupingRun, SituationSummary, SuggestedGroup, SummaryVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GroupingRun)
class GroupingRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "organisation", "started_by", "status", "observation_count")
    list_filter = ("status",)


@admin.register(SuggestedGroup)
class SuggestedGroupAdmin(ReadOnlyAdmin):
    list_display = ("id", "run", "status", "phenomenon", "decided_by", "decided_at")
    list_filter = ("status",)
    exclude = ("observations",)


@admin.register(GroupDecision)
class GroupDecisionAdmin(ReadOnlyAdmin):
    list_display = ("at", "group", "action", "phenomenon_name", "by_username", "undoes")
    list_filter = ("action",)


@admin.register(SituationSummary)
class SituationSummaryAdmin(ReadOnlyAdmin):
    list_display = ("municipality", "year", "language", "created_at")


@admin.register(SummaryVersion)
class SummaryVersionAdmin(ReadOnlyAdmin):
    list_display = ("summary", "number", "drafted", "created_by", "created_at", "approved_by", "approved_at")
