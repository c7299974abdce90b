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

The answer is a page in the reader's language with a 400; under ``/api/`` it is in the API's
documented shapes: a 404 ``{"detail": ...}`` for a path (it can name nothing), a 422
``{"errors": {"query"|"body": [...]}}`` for a parameter or a body. Nothing is stored or
changed.
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


def address_control(request: HttpRequest) -> str:
    """Where a control character sits in the address: "path", "query", or "" for nowhere."""
    if _CONTROL.search(request.path_info):
        return "path"
    for name, values in request.GET.lists():
        if _CONTROL.search(name) or any(_CONTROL.search(value) for value in values):
            return "query"
    return ""


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
        where = address_control(request) or ("body" if has_body_nul(request) else "")
        if where:
            return refuse(request, where)
        return self.get_response(request)


def refuse(request: HttpRequest, where: str) -> HttpResponse:
    message = _(
        "The request holds an invisible control character (such as a NUL byte) where none "
        "can be used. Remove it and try again."
    )
    if request.path_info.startswith("/api/"):
        if where == "path":  # an address that can name nothing, as for any unknown object
            return JsonResponse({"detail": message}, status=404)
        # The API's format for a parameter it cannot take, as ninja's own checks answer.
        return JsonResponse({"errors": {where: [message]}}, status=422)
    response = TemplateResponse(request, "core/400.html", {"message": message}, status=400)
    return response.render()
