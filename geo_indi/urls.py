from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from geo_indi.accounts.login_views import RoleAwareLoginView
from geo_indi.areas import views as areas_views
from geo_indi.core import schema as core_schema
from geo_indi.core import views as core_views
from geo_indi.layers import ogc as ogc_views
from geo_indi.layers import views as layers_views
from geo_indi.maps import views as maps_views

urlpatterns = [
    path("", maps_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("areas/municipalities.geojson", areas_views.municipalities_geojson, name="municipalities-geojson"),
    path("accounts/login/", RoleAwareLoginView.as_view(), name="login"),
    path("accounts/qgis/", layers_views.connect_qgis, name="connect-qgis"),
    path("accounts/", include("geo_indi.accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/docs/redoc/bundles/redoc.standalone.js", core_schema.redoc_standalone, name="api-docs-redoc"),
    path("api/", include("geo_indi.observations.urls")),
    path("api/", include("geo_indi.questions.urls")),
    path("api/", include("geo_indi.initiatives.urls")),
    path("api/layers/", include("geo_indi.layers.urls")),
    # The landing page without the slash too: QGIS does not follow a redirect to it (a silent invalid layer).
    path("ogcapi", ogc_views.landing, name="ogc-landing-bare"),
    path("ogcapi/", include("geo_indi.layers.ogc_urls")),
    path("field/", include("geo_indi.field.urls")),
    path("maps/", include("geo_indi.maps.urls")),
    path("indicators/alerts/", include("geo_indi.alerts.urls")),
    path("indicators/", include("geo_indi.indicators.urls")),
    path("analysis/", include("geo_indi.analysis.urls")),
    path("questions/", include("geo_indi.questions.page_urls")),
    path("initiatives/", include("geo_indi.initiatives.page_urls")),
    path("research/", include("geo_indi.research.urls")),
]

handler400 = "geo_indi.core.views.bad_request"
handler403 = "geo_indi.core.views.permission_denied"
handler404 = "geo_indi.core.views.page_not_found"
handler500 = "geo_indi.core.views.server_error"
