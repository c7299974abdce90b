"""The public transparency page and its open data: addresses that stay (open data is linked
to and cited), mounted at /transparencia/ by the project's urls.py."""

from django.urls import path

from yachay.reports import public_views

app_name = "transparency"

urlpatterns = [
    path("", public_views.page, name="page"),
    path("datos.<str:fmt>", public_views.open_data, name="data"),
]
