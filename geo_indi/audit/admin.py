import csv

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent
from .services import audit_csv_rows


@admin.action(description=_("Export selected events as CSV"), permissions=["view"])
def export_csv(modeladmin, request, queryset):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="geo_indi-audit-{timezone.localdate().isoformat()}.csv"'
    csv.writer(response).writerows(audit_csv_rows(queryset))
    return response


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: administrators see and export the log; nobody changes or deletes it."""

    list_display = ("at", "actor_username", "action", "object_type", "object_id", "ip_address")
    list_filter = ("action", "object_type")
    search_fields = ("actor_username", "object_id", "ip_address")
    date_hierarchy = "at"
    actions = [export_csv]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
