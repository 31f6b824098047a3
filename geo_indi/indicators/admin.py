from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import AlertRule, FiredAlert, Indicator, IndicatorValue, PhenomenonIndicatorLink


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


class AlertRuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        organisation, users = cleaned.get("organisation"), cleaned.get("recipient_users")
        if organisation and users:
            outsiders = [u.username for u in users if not hasattr(u, "membership") or u.membership.organisation_id != organisation.pk]
            if outsiders:
                self.add_error("recipient_users", _("Not members of the organisation: %(names)s") % {"names": ", ".join(outsiders)})
        return cleaned


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    form = AlertRuleForm
    list_display = ("__str__", "organisation", "phenomenon", "municipality", "postcode_area", "condition", "is_active")
    list_filter = ("organisation", "condition", "is_active", "phenomenon")
    filter_horizontal = ("recipient_users",)
    raw_id_fields = ("postcode_area",)


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
        from .alerts import acknowledge

        for alert in queryset.filter(acknowledged_at__isnull=True):
            acknowledge(alert, request.user)
        messages.success(request, _("Acknowledged."))
