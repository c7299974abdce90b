from django import forms
from django.utils.translation import gettext_lazy as _


class LoginLinkRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        error_messages={"invalid": _("Write a valid email address, such as nombre@ejemplo.pe.")},
    )
