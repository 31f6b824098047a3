from rest_framework.routers import DefaultRouter

from .api import ObservationViewSet, PhenomenonViewSet

router = DefaultRouter()
router.register("observations", ObservationViewSet, basename="observation")
router.register("phenomena", PhenomenonViewSet, basename="phenomenon")
urlpatterns = router.urls
