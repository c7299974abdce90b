from django.urls import path

from yachay.reports import views

app_name = "reports"

urlpatterns = [
    path("informes/", views.home, name="home"),
    path("informes/cohortes/", views.cohorts, name="cohorts"),
    path("informes/calidad/", views.quality, name="quality"),
    path("informes/descargar/<slug:table>.<slug:fmt>", views.download, name="download"),
]
