from django.urls import path

from . import views

app_name = "alerts"

# Mounted at /indicators/alerts/ (the addresses stayed when alerts became their own app).
urlpatterns = [
    path("", views.alert_list, name="alerts"),
    path("<int:pk>/acknowledge/", views.acknowledge_alert, name="acknowledge"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_edit, name="rule-new"),
    path("rules/<int:pk>/", views.rule_detail, name="rule"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule-edit"),
]
