from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data of every app (the top floor: it imports every app, and none imports it)."""

    name = "yachay.demo"
    label = "demo"
