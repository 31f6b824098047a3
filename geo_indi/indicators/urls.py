from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("", views.index, name="index"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.acknowledge_alert, name="acknowledge"),
    path("links/", views.link_suggestions, name="suggestions"),
    path("links/confirm/", views.confirm_link, name="confirm-link"),
    path("<str:code>/", views.municipality_page, name="municipality"),
]
