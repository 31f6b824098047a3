from django.contrib import admin

from .models import SharingAgreement


@admin.register(SharingAgreement)
class SharingAgreementAdmin(admin.ModelAdmin):
    list_display = ("provider", "recipient", "level", "valid_from", "valid_to", "reference")
    list_filter = ("level", "provider", "recipient")
    search_fields = ("reference", "provider__name", "recipient__name")
