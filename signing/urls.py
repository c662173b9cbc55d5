from django.urls import path

from signing import views

app_name = "signing"

urlpatterns = [
    path("households/<int:pk>/", views.household_section, name="household"),
    path("households/<int:pk>/sheet/", views.household_sheet, name="household_sheet"),
    path("households/<int:pk>/<slug:form_name>/", views.household_form, name="household_form"),
    path("booklets/<int:pk>/", views.booklet_form, name="booklet"),
    path("contracts/<int:pk>/renew/", views.contract_renew, name="contract_renew"),
    path("lists/", views.worklists, name="worklists"),
    path("lists/<slug:slug>/", views.worklist, name="worklist"),
    path("lists/<slug:slug>/export/", views.worklist_export, name="worklist_export"),
]
