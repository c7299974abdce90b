from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, str]:
    """What the header and footer of every page need besides the user."""
    return {"organiser": settings.YACHAY_ORGANISER, "contact_email": settings.YACHAY_CONTACT_EMAIL}
