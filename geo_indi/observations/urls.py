from django.urls import path
from rest_framework.routers import DefaultRouter

from .api import ObservationViewSet, PhenomenonViewSet
from .description_api import DescriptionCheckView

router = DefaultRouter()
router.register("observations", ObservationViewSet, basename="observation")
router.register("phenomena", PhenomenonViewSet, basename="phenomenon")
urlpatterns = [
    path("observations/check-description/", DescriptionCheckView.as_view(), name="observation-check-description"),
    *router.urls,
]
