from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("", views.index, name="index"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.acknowledge_alert, name="acknowledge"),
    path("alerts/rules/", views.rule_list, name="rules"),
    path("alerts/rules/new/", views.rule_edit, name="rule-new"),
    path("alerts/rules/<int:pk>/", views.rule_detail, name="rule"),
    path("alerts/rules/<int:pk>/edit/", views.rule_edit, name="rule-edit"),
    path("links/", views.link_suggestions, name="suggestions"),
    path("import/", views.sotkanet_import, name="import"),
    path("import/<int:pk>/", views.sotkanet_import_run, name="import-run"),
    path("links/confirm/", views.confirm_link, name="confirm-link"),
    path("<str:code>/", views.municipality_page, name="municipality"),
]
