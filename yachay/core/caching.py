"""Pages with personal data are never kept by a browser's or a proxy's cache.

A shared computer (a cabina de internet, a library) or a caching proxy must not hand the
next person someone's status, reference, offer or account. Two rules:

* ``NoStoreForPersonalData`` (middleware): every answer of the API, and every answer to a
  signed-in person or to a request with credentials (an API key), is
  ``Cache-Control: no-store``, unless the view chose its own caching (a course image,
  immutable and ``private``; the public help pages).
* ``personal_data`` (decorator): the same for a public page that shows personal data to
  whoever holds a secret (the status result, the "application sent" page, an offer).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers, patch_vary_headers


def no_store(response: HttpResponseBase) -> HttpResponseBase:
    """``Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private``."""
    add_never_cache_headers(response)
    return response


def personal_data(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Mark a view whose answers may show personal data: none of them is ever stored."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return no_store(view(request, *args, **kwargs))

    return wrapped


# The API's answers (a status, an offer taken by its token) are never worth caching.
API_PREFIX = "/api/"


class NoStoreForPersonalData:
    """``no-store`` on every answer of the API, and on every answer to a signed-in person
    or a request with credentials."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response  # the view chose (a public help page, an immutable private image)
        user = getattr(request, "user", None)
        if (
            request.path.startswith(API_PREFIX)
            or "HTTP_AUTHORIZATION" in request.META
            or (user is not None and user.is_authenticated)
        ):
            no_store(response)
            patch_vary_headers(response, ("Cookie",))
        return response
