from django.urls import path

from . import views

app_name = "maps"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.mvt", views.tile, name="tile"),
    path("<str:code>/", views.municipality, name="municipality"),
    path("<str:code>/report/", views.report, name="report"),
    path("<str:code>/report.csv", views.report_csv, name="report-csv"),
    path("<str:code>/report.xlsx", views.report_xlsx, name="report-xlsx"),
    path("<str:code>/report.pdf", views.report_pdf, name="report-pdf"),
    path("<str:code>/report-pdf/<uuid:pk>/", views.report_pdf_status, name="report-pdf-status"),
    path("<str:code>/report-pdf/<uuid:pk>/download", views.report_pdf_download, name="report-pdf-download"),
    path("<str:code>/aggregates.csv", views.aggregates_csv, name="aggregates-csv"),
    path("<str:code>/map.html", views.map_html, name="map-html"),
]
