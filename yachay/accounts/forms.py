from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordResetForm,
    SetPasswordForm,
    UsernameField,
)
from django.utils.translation import gettext_lazy as _

from yachay.accounts.models import User


class LoginLinkRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        error_messages={"invalid": _("Write a valid email address, such as nombre@ejemplo.pe.")},
    )


class StaffLoginForm(AuthenticationForm):
    """Username or email, and password, for instructors, coordinators and program admins.

    An address is turned into the username of the one active account that has it and a
    password; when none or several do, the form answers as for a wrong password, so the
    page does not tell who has an account.
    """

    username = UsernameField(
        label=_("Username or email"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _(
            "The username or email and the password do not match. Check them and try again; "
            "capital letters matter in the password."
        ),
        "inactive": _("This account is disabled. Ask the program office to enable it."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = _("Write your username or your email.")
        self.fields["password"].error_messages["required"] = _("Write your password.")

    def clean(self) -> dict[str, Any]:
        typed = (self.cleaned_data.get("username") or "").strip()
        if "@" in typed:
            matches = [
                u.get_username()
                for u in User.objects.filter(email__iexact=typed, is_active=True)[:2]
                if u.has_usable_password()
            ]
            if len(matches) == 1:
                self.cleaned_data["username"] = matches[0]
        return super().clean()


class StaffPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Write the email of your account."),
            "invalid": _("Write a valid email address, such as nombre@ejemplo.pe."),
        },
    )


class StaffSetPasswordForm(SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].error_messages["required"] = _("Write a new password.")
        self.fields["new_password1"].help_text = _(
            "At least 8 characters, not only digits, not a common password and not like your "
            "name or username. A few words joined by dashes are easy to remember."
        )
        self.fields["new_password2"].help_text = _("Write it again, to be sure.")
        self.fields["new_password2"].error_messages["required"] = _("Write the new password again.")


class TwoFactorCodeForm(forms.Form):
    """A six-digit code from the authenticator app or, when verifying, a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
        error_messages={"required": _("Write the code.")},
    )

    def __init__(self, *args: Any, recovery: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        if recovery:
            field.label = _("Code from your app, or a recovery code")
            field.help_text = _(
                "Six digits from the authenticator app on your phone. Lost your phone? "
                "Write one of your recovery codes instead."
            )
        else:
            field.label = _("Code from your app")
            field.help_text = _("The six digits the app shows now, with or without the space.")
            field.widget.attrs["inputmode"] = "numeric"
