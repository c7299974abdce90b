from django.urls import path

from yachay.privacy import views

app_name = "privacy"

urlpatterns = [
    path("personal/datos-personales/", views.registry_page, name="registry"),
]
