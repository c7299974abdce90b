"""Refuse control characters where they can mean nothing, before any view sees the request.

PostgreSQL cannot store or even compare a NUL character: a ``%00`` in a path, a query or a
form field that reached a query answered 500 (issue #10). Forms refuse NUL field by field
(Django's ``CharField`` does) and say so next to the field; this middleware is the backstop
for everything that is not a form field: path and query parameters, and any form value or
JSON string a view reads by hand.

- the path and the query string (names and values): no control character at all (C0, DEL),
  since nothing typed into an address bar or a link carries one;
- form values (urlencoded or multipart, not files): no NUL (a text area may hold tabs and
  line breaks, and other control characters get a message next to their field);
- a JSON body: no ``\\u0000`` escape and no raw NUL.

The answer is a 400: JSON ``{"detail": ...}`` under ``/api/``, a page in the reader's
language elsewhere. Nothing is stored or changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# ``\u0000`` preceded by an even number of backslashes (zero included): an escape of NUL, not
# the six characters of an escaped backslash followed by "u0000".
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def has_address_control(request: HttpRequest) -> bool:
    """A control character in the path or in a query parameter's name or value."""
    if _CONTROL.search(request.path_info):
        return True
    return any(
        _CONTROL.search(name) or any(_CONTROL.search(value) for value in values)
        for name, values in request.GET.lists()
    )


def has_body_nul(request: HttpRequest) -> bool:
    """A NUL in a form value (or name), or a NUL escape in a JSON body."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return False
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            items = list(request.POST.lists())
        except Exception:  # a malformed or oversized body: the view's own handling answers
            return False
        return any("\x00" in name or any("\x00" in v for v in values) for name, values in items)
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            body = request.body
        except Exception:
            return False
        return b"\x00" in body or (b"\\u0000" in body and bool(_JSON_NUL.search(body)))
    return False


class ControlCharacterMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_address_control(request) or has_body_nul(request):
            return refuse(request)
        return self.get_response(request)


def refuse(request: HttpRequest) -> HttpResponse:
    message = _(
        "The request holds an invisible control character (such as a NUL byte) where none "
        "can be used. Remove it and try again."
    )
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    response = TemplateResponse(request, "core/400.html", {"message": message}, status=400)
    return response.render()
