from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yachay.core"
    label = "core"
    verbose_name = "Yachay"
