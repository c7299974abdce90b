"""Yachay's URLs plus the bare endpoint, for the intake benchmark only."""

from django.urls import include, path

from bench.bare import views

urlpatterns = [
    path("bench/bare/", views.insert, name="bench_bare"),
    path("", include("yachay.urls")),
]
