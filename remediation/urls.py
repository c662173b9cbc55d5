from django.urls import path

from remediation import views

app_name = "remediation"

urlpatterns = [
    path("", views.item_list, name="home"),
    path("lists/<slug:kind>/", views.item_list, name="item_list"),
    path("lists/<slug:kind>/export.xlsx", views.item_list_xlsx, name="item_list_xlsx"),
    path("items/new/", views.item_create, name="item_create"),
    path(
        "findings/<int:pk>/item/", views.item_create_from_finding, name="item_create_from_finding"
    ),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/transition/", views.item_transition, name="item_transition"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("accountability/", views.accountability_list, name="accountability_list"),
    path("accountability/export.xlsx", views.accountability_xlsx, name="accountability_xlsx"),
    path("accountability/new/", views.accountability_create, name="accountability_create"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/export.xlsx", views.report_xlsx, name="report_xlsx"),
    path("revisits/", views.revisit_list, name="revisit_list"),
    path("revisits/<int:pk>/", views.revisit_complete, name="revisit_complete"),
]
