from django.urls import path

from yachay.certificates import views

urlpatterns = [
    path(".well-known/did.json", views.did_json, name="did_json"),
]
