from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .forms import AdminAlertRuleForm
from .models import AlertRule, FiredAlert
from .services import acknowledge, note_limit_setter


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    form = AdminAlertRuleForm
    list_display = ("__str__", "organisation", "phenomenon", "municipality", "postcode_area", "condition", "limit_set_by", "is_active")
    list_filter = ("organisation", "condition", "is_active", "phenomenon")
    filter_horizontal = ("recipient_users",)
    raw_id_fields = ("postcode_area",)
    readonly_fields = ("created_by", "limit_set_by", "limit_set_at")

    def save_model(self, request, obj, form, change):
        note_limit_setter(obj, form.changed_data, request.user)
        super().save_model(request, obj, form, change)


@admin.register(FiredAlert)
class FiredAlertAdmin(admin.ModelAdmin):
    list_display = ("rule", "fired_at", "window_start", "window_end", "observed_value", "acknowledged_by", "cleared_at")
    list_filter = ("rule__organisation",)
    readonly_fields = [f.name for f in FiredAlert._meta.fields]
    actions = ["acknowledge"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Acknowledge selected alerts"))
    def acknowledge(self, request, queryset):
        for alert in queryset.filter(acknowledged_at__isnull=True):
            acknowledge(alert, request.user)
        messages.success(request, _("Acknowledged."))
