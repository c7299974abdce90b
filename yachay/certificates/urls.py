from django.urls import path

from yachay.certificates import views

app_name = "certificates"

urlpatterns = [
    path(".well-known/did.json", views.did_json, name="did_json"),
    path("verificar/", views.verify_form, name="verify_form"),
    path("verificar/<str:code>/", views.verify, name="verify"),
]
