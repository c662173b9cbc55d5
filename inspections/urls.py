from django.urls import path

from inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path(
        "campaigns/<int:pk>/checklist/new/",
        views.checklist_item_create,
        name="checklist_item_create",
    ),
    path("campaigns/<int:pk>/findings/new/", views.finding_create, name="finding_create"),
    path("campaigns/<int:pk>/report/", views.campaign_report, name="campaign_report"),
    path("campaigns/<int:pk>/report.xlsx", views.campaign_report_xlsx, name="campaign_report_xlsx"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/photos/", views.finding_photos_add, name="finding_photos_add"),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
