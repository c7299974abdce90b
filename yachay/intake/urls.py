from django.urls import path

from yachay.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.home, name="home"),
    path("convocatorias/<slug:slug>/", views.call_detail, name="call"),
    path("convocatorias/<slug:slug>/postular/", views.apply, name="apply"),
    path(
        "convocatorias/<slug:slug>/postular/enviada/<uuid:key>/",
        views.apply_done,
        name="apply_done",
    ),
]
