from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("", views.index, name="index"),
    path("links/", views.link_suggestions, name="suggestions"),
    path("import/", views.sotkanet_import, name="import"),
    path("import/<int:pk>/", views.sotkanet_import_run, name="import-run"),
    path("links/confirm/", views.confirm_link, name="confirm-link"),
    path("<str:code>/", views.municipality_page, name="municipality"),
]
