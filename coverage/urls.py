from django.urls import path

from coverage import views

app_name = "coverage"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("places/<int:pk>/", views.place_dashboard, name="place"),
    path("places/<int:pk>/list/<slug:code>/", views.drilldown, name="drilldown"),
    path("places/<int:pk>/list/<slug:code>/xlsx/", views.drilldown_xlsx, name="drilldown_xlsx"),
    path("places/<int:pk>/forms/<slug:slug>/", views.form_page, name="form"),
    path("places/<int:pk>/forms/<slug:slug>/xlsx/", views.form_xlsx, name="form_xlsx"),
    path("recompute/", views.recompute, name="recompute"),
    path("runs/<int:pk>/", views.run_status, name="run"),
]
