from django.urls import path

from treatment import views

app_name = "treatment"

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/no-call/", views.no_call_list, name="no_call_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/refuse/", views.case_refuse, name="case_refuse"),
    path("cases/<int:pk>/proof/", views.refusal_proof, name="refusal_proof"),
    path("cases/<int:pk>/calls/", views.call_create, name="call_create"),
    path("stays/", views.stay_list, name="stay_list"),
    path("stays/new/", views.stay_create, name="stay_create"),
    path("summary/", views.township_summary, name="township_summary"),
    path("risk/", views.risk_watch, name="risk_watch"),
]
