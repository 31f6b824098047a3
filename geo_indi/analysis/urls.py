from django.urls import path

from . import views

app_name = "analysis"

urlpatterns = [
    path("groups/", views.groups, name="groups"),
    path("groups/search/", views.search_page, name="search"),
    path("groups/search/group/", views.search_group, name="search-group"),
    path("groups/start/", views.grouping_start, name="grouping-start"),
    path("groups/runs/<int:pk>/", views.grouping_run, name="grouping-run"),
    path("groups/<int:pk>/preview/", views.group_preview, name="group-preview"),
    path("groups/<int:pk>/decide/", views.group_decide, name="group-decide"),
    path("groups/<int:pk>/undo/", views.group_undo, name="group-undo"),
    path("summaries/<int:pk>/", views.summary_detail, name="summary"),
    path("summaries/<int:pk>/edit/", views.summary_edit, name="summary-edit"),
    path("summaries/<int:pk>/approve/", views.summary_approve, name="summary-approve"),
    path("summaries/<int:pk>/export.docx", views.summary_export, name="summary-export"),
    path("municipalities/<str:code>/summaries/", views.summary_list, name="summaries"),
    path("municipalities/<str:code>/summaries/draft/", views.summary_draft, name="summary-draft"),
    path("municipalities/<str:code>/welfare-report/", views.welfare_report_page, name="welfare-report"),
    path("municipalities/<str:code>/welfare-report.docx", views.welfare_report_docx, name="welfare-report-docx"),
    path("municipalities/<str:code>/welfare-report.pdf", views.welfare_report_pdf, name="welfare-report-pdf"),
]
