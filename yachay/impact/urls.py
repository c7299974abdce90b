from django.urls import path

from yachay.impact import views

app_name = "impact"

urlpatterns = [
    path("informes/impacto/", views.runs, name="runs"),
    path("informes/impacto/<int:run_id>/", views.report, name="report"),
    path("informes/impacto/<int:run_id>/evaluador.csv", views.export, name="export"),
]
