from django.urls import path

from yachay.learning import views

app_name = "learning"
urlpatterns = [
    path("aprender/", views.home, name="home"),
    path("aprender/<slug:slug>/", views.outline, name="outline"),
    path("aprender/<slug:slug>/leccion/<slug:activity_id>/", views.lesson, name="lesson"),
    path("aprender/<slug:slug>/cuestionario/<slug:activity_id>/", views.quiz, name="quiz"),
    path(
        "aprender/<slug:slug>/cuestionario/<slug:activity_id>/resultado/",
        views.quiz_result,
        name="quiz_result",
    ),
    path(
        "aprender/<slug:slug>/recursos/<int:version>/<path:path>",
        views.asset,
        name="asset",
    ),
    path("cohortes/<int:pk>/progreso/", views.cohort_progress, name="cohort_progress"),
    path(
        "cohortes/<int:pk>/progreso/otro-intento/",
        views.cohort_attempt_grant,
        name="cohort_attempt_grant",
    ),
    path("cohortes/<int:pk>/progreso.csv", views.cohort_progress_csv, name="cohort_progress_csv"),
]
