from rest_framework.routers import SimpleRouter

from .api import InitiativeViewSet

router = SimpleRouter()
router.register("initiatives", InitiativeViewSet, basename="initiative")
urlpatterns = router.urls
