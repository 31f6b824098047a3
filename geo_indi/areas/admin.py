from django.contrib.gis import admin

from geo_indi.core.widgets import LocalOSMWidget

from .models import Municipality, PostcodeArea


class LocalMapAdmin(admin.GISModelAdmin):
    gis_widget = LocalOSMWidget


@admin.register(Municipality)
class MunicipalityAdmin(LocalMapAdmin):
    list_display = ("code", "name_fi", "name_sv", "population", "source")
    search_fields = ("code", "name_fi", "name_sv")


@admin.register(PostcodeArea)
class PostcodeAreaAdmin(LocalMapAdmin):
    list_display = ("postcode", "name_fi", "name_sv", "municipality", "population", "source")
    list_filter = ("municipality",)
    search_fields = ("postcode", "name_fi", "name_sv")
    list_select_related = ("municipality",)
