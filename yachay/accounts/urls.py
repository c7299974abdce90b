from django.urls import path

from yachay.accounts import views

app_name = "accounts"
urlpatterns = [
    path("entrar/", views.request_login_link, name="login_request"),
    path("entrar/<str:uidb64>/<str:token>/", views.login_with_link, name="login_link"),
    path("salir/", views.logout, name="logout"),
    path("personal/entrar/", views.staff_login, name="staff_login"),
    path("personal/verificacion/", views.two_factor, name="two_factor"),
    path("personal/verificacion/codigos/", views.two_factor_codes, name="two_factor_codes"),
    path("personal/contrasena/", views.password_reset, name="password_reset"),
    path("personal/contrasena/enviada/", views.password_reset_done, name="password_reset_done"),
    path(
        "personal/contrasena/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "personal/contrasena/lista/",
        views.password_reset_complete,
        name="password_reset_complete",
    ),
]
