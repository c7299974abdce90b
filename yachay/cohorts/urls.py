from django.urls import path

from yachay.cohorts import views

app_name = "cohorts"
urlpatterns = [
    path("personal/", views.home, name="home"),
    path("cohortes/", views.cohort_list, name="list"),
    path("cohortes/<int:pk>/", views.cohort_detail, name="detail"),
    path("cohortes/sesiones/<int:pk>/", views.session_detail, name="session"),
    path("cohortes/sesiones/<int:pk>/codigo/", views.session_code, name="session_code"),
    path(
        "cohortes/sesiones/<int:pk>/codigo.json", views.session_code_json, name="session_code_json"
    ),
    path("cohortes/sesiones/<int:pk>/lista.csv", views.session_roster_csv, name="roster_csv"),
    path("asistencia/<int:pk>/", views.checkin_page, name="checkin"),
    path("mi-cuenta/", views.me, name="me"),
    path("mi-cuenta/cohorte-<int:pk>.ics", views.learner_calendar, name="calendar"),
]
