from django.urls import path

from . import views

app_name = "maps"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("<str:code>/", views.municipality, name="municipality"),
    path("<str:code>/report/", views.report, name="report"),
    path("<str:code>/aggregates.csv", views.aggregates_csv, name="aggregates-csv"),
    path("<str:code>/map.html", views.map_html, name="map-html"),
]
