from django.urls import path

from . import views

app_name = "research"
urlpatterns = [
    path("", views.index, name="index"),
    path("review/", views.review, name="review"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/download/", views.download, name="download"),
]
