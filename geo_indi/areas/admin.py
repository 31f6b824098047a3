from django.contrib.gis import admin

from .models import Municipality, PostcodeArea


@admin.register(Municipality)
class MunicipalityAdmin(admin.GISModelAdmin):
    list_display = ("code", "name_fi", "name_sv", "population", "source")
    search_fields = ("code", "name_fi", "name_sv")


@admin.register(PostcodeArea)
class PostcodeAreaAdmin(admin.GISModelAdmin):
    list_display = ("postcode", "name_fi", "name_sv", "municipality", "population", "source")
    list_filter = ("municipality",)
    search_fields = ("postcode", "name_fi", "name_sv")
    list_select_related = ("municipality",)
