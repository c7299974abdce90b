"""What accounts hold about people (the registry: yachay/core/personal_data.py).

A cancelled account is kept as an empty shell (enrollments, progress and certificates point
to it, and the program's figures count them), signed out and unable to sign in again: its
username becomes ``cancelled-<id>``, its names and email are erased and its password can
never match.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from yachay.core.personal_data import Category as C
from yachay.core.personal_data import Field, declare
from yachay.core.personal_data import OnCancel as X
from yachay.core.personal_data import Retention as R

#: The username of a cancelled account: ``cancelled-<id>``.
CANCELLED_USERNAME = "cancelled-{pk}"

SIGN_IN = _("to let the person sign in and to write to them")

declare(
    "accounts.User",
    subject="user",
    purpose=_("the learner's or staff member's account: sign-in, role and scope"),
    personal={
        "username": Field(
            C.IDENTIFIER,
            SIGN_IN,
            R.ACCOUNT,
            X.ANONYMISE,
            to=lambda user: CANCELLED_USERNAME.format(pk=user.pk),
        ),
        "first_name": Field(C.IDENTIFIER, SIGN_IN, R.ACCOUNT, X.ERASE),
        "last_name": Field(C.IDENTIFIER, SIGN_IN, R.ACCOUNT, X.ERASE),
        "email": Field(C.CONTACT, SIGN_IN, R.ACCOUNT, X.ERASE),
        # An unusable hash: also ends every session (Django checks the hash on each request).
        "password": Field(
            C.CREDENTIAL, SIGN_IN, R.ACCOUNT, X.ANONYMISE, to=lambda user: make_password(None)
        ),
        "last_login": Field(C.TECHNICAL, _("security of the account"), R.ACCOUNT, X.ERASE),
        "date_joined": Field(
            C.TECHNICAL,
            _("when the account was made"),
            R.AGGREGATE,
            X.KEEP,
            reason=_("a date shared by everyone placed that day; identifies nobody alone"),
        ),
        "is_active": Field(C.TECHNICAL, SIGN_IN, R.ACCOUNT, X.ANONYMISE, to=False),
    },
    not_personal="id is_superuser is_staff role departments groups user_permissions",
)

declare(
    "accounts.ApiKey",
    # A key stores its hash and the partner's or user's link; a cancelled person's keys are
    # revoked (revoked_at), not erased, so that the revocation can be proven.
    not_personal="id name prefix key_hash user role created_at revoked_at",
)
