from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .erasure import ErasureRefused, user_erase
from rest_framework.authtoken.models import TokenProxy

from .models import ApiToken, Membership, Organisation
from .tokens import api_token_revoke


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind")
    list_filter = ("kind",)
    filter_horizontal = ("municipalities",)
    search_fields = ("name",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role")
    list_filter = ("role", "organisation")
    search_fields = ("user__username", "organisation__name")


# DRF's authtoken admin would list keys in full; none is stored (tokens.adopt_saved_legacy_key).
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators see and revoke tokens; keys are made by their owners on the profile page."""

    list_display = ("user", "name", "key_prefix", "created_at", "expires_at", "last_used_at")
    search_fields = ("user__username", "name", "key_prefix")
    readonly_fields = ("user", "name", "key_prefix", "created_at", "expires_at", "last_used_at")
    exclude = ("key_hash",)

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        api_token_revoke(token=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for token in queryset:
            self.delete_model(request, token)


@admin.action(description=_("Erase selected accounts (observations stay with the organisation)"), permissions=["erase"])
def erase_accounts(modeladmin, request, queryset):
    if request.POST.get("post") != "yes":
        return TemplateResponse(request, "accounts/erase_confirmation.html", {
            **modeladmin.admin_site.each_context(request),
            "title": _("Erase accounts?"),
            "accounts": queryset,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        })
    erased = 0
    for user in queryset:
        try:
            user_erase(user=user, by=request.user)
        except ErasureRefused as exc:
            modeladmin.message_user(request, f"{user.get_username()}: {exc}", messages.ERROR)
        else:
            erased += 1
    if erased:
        modeladmin.message_user(
            request, ngettext("%(n)d account erased.", "%(n)d accounts erased.", erased) % {"n": erased}, messages.SUCCESS
        )


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class ErasableUserAdmin(UserAdmin):
    """Accounts are removed only by erasure (accounts/erasure.py): Django's plain delete, which would
    take the account's trail with it, is neither an action nor a button here."""

    actions = [erase_accounts]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_erase_permission(self, request):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.delete_{opts.model_name}")
