from django.urls import path

from yachay.privacy import views

app_name = "privacy"

urlpatterns = [
    path("privacidad/mis-datos/", views.rights, name="rights"),
    path("privacidad/solicitudes/<slug:slug>/nueva/", views.request_new, name="request"),
    path("privacidad/confirmar/<str:token>/", views.confirm, name="confirm"),
    path("privacidad/solicitud/<str:code>/", views.case_page, name="case"),
    path(
        "privacidad/solicitud/<str:code>/mis-datos.<str:fmt>",
        views.case_download,
        name="download",
    ),
    path("personal/privacidad/solicitudes/", views.staff_cases, name="staff_cases"),
    path("personal/privacidad/solicitudes/<str:code>/", views.staff_case, name="staff_case"),
    path("personal/datos-personales/", views.registry_page, name="registry"),
]
