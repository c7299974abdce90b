from django.urls import path

from yachay.accounts import views

app_name = "accounts"
urlpatterns = [
    path("entrar/", views.request_login_link, name="login_request"),
    path("entrar/<str:uidb64>/<str:token>/", views.login_with_link, name="login_link"),
    path("mi-cuenta/", views.me, name="me"),
]
