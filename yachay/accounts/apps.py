from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "yachay.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from yachay.accounts import signals  # noqa: F401  (connects the receivers)
        from yachay.accounts.api_auth import KEYS
        from yachay.accounts.models import ApiKey, User

        KEYS.clear_on_save(ApiKey, User)
