from django.urls import path

from . import views

app_name = "field"
urlpatterns = [
    path("", views.index, name="index"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("postcode-areas.geojson", views.postcode_outlines, name="postcode-outlines"),
    path("mine.json", views.my_observations, name="mine"),
]
