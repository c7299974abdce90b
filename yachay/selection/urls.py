from django.urls import path

from yachay.selection import views

app_name = "selection"
urlpatterns = [
    path("ofertas/<str:token>/", views.offer, name="offer"),
    path("convocatorias/<slug:slug>/estado/", views.status, name="status"),
    path("programa/convocatorias/<slug:slug>/seleccion/", views.call_selection, name="call"),
    path("programa/seleccion/<int:run_id>/", views.run_review, name="run"),
]
