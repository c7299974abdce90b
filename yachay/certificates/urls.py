from django.urls import path, re_path

from yachay.certificates import views

app_name = "certificates"

urlpatterns = [
    path(".well-known/did.json", views.did_json, name="did_json"),
    path("verificar/", views.verify_form, name="verify_form"),
    path("verificar/<str:code>/", views.verify, name="verify"),
    path("credenciales/estado/<slug:slug>", views.status_list, name="status_list"),
    path("mi-aprendizaje/certificados/", views.my_certificates, name="mine"),
    re_path(
        r"^mi-aprendizaje/certificados/(?P<code>[0-9A-Za-z-]{1,40})\.(?P<kind>pdf|json|png)$",
        views.my_certificate_file,
        name="my_file",
    ),
    path("personal/certificados/", views.staff_home, name="staff_home"),
    path(
        "personal/certificados/emitir/<str:kind>/<int:pk>/", views.staff_issue, name="staff_issue"
    ),
    path(
        "personal/certificados/aprendiz/<int:user_id>/",
        views.staff_learner,
        name="staff_learner",
    ),
    re_path(
        r"^certificados/(?P<code>[0-9A-Za-z-]{1,40})\.(?P<kind>pdf|json|png)$",
        views.staff_certificate_file,
        name="staff_file",
    ),
]
