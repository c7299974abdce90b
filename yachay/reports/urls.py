from django.urls import path

from yachay.reports import survey_pages, views

app_name = "reports"

urlpatterns = [
    path("informes/", views.home, name="home"),
    path("informes/cohortes/", views.cohorts, name="cohorts"),
    path("informes/calidad/", views.quality, name="quality"),
    path("informes/descargar/<slug:table>.<slug:fmt>", views.download, name="download"),
    path("informes/encuestas/", survey_pages.surveys, name="surveys"),
    path(
        "informes/encuestas/descargar/<slug:table>.<slug:fmt>",
        survey_pages.download,
        name="survey_download",
    ),
]
