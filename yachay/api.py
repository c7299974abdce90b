"""The API: each app's router mounted under /api/v1/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from yachay.cohorts.api import router as cohorts_router
from yachay.core import outage
from yachay.intake.api import router as intake_router
from yachay.learning.api import router as learning_router
from yachay.selection.api import router as selection_router

api = NinjaAPI(
    title="Yachay API",
    version="1",
    description=(
        "For partner systems: submit applications to a call and read their status. "
        "Authenticate with `Authorization: Bearer <key>` (keys come from "
        '`manage.py create_api_key`). Errors answer `{"errors": {field: [message]}}` '
        '(422) or `{"detail": message}`; messages follow `Accept-Language` (es, en).'
    ),
    urls_namespace="api",
)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": _("A valid API key is required (Authorization: Bearer <key>).")},
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="yachay"'  # RFC 9110: a 401 names its scheme
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja's own refusal of a body that is not JSON, in the house format and in words."""
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        body = {"errors": {"body": [_("The body is not valid JSON.")]}}
        return api.create_response(request, body, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Ninja's own parameter errors in the house format: {"errors": {field: [message]}}."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("query", "path", "body")]
        field = loc[-1] if loc else "body"
        kind = error.get("type", "")
        if kind == "missing":
            message = _("This field is required.")
        elif kind == "unknown":
            message = _("Unknown parameter.")
        elif kind.startswith("int"):
            message = _("Must be a whole number.")
        else:
            message = _("Enter a valid value.")
        errors.setdefault(field, []).append(str(message))
    return api.create_response(request, {"errors": errors}, status=422)


def database_down(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
    """JSON 503 with Retry-After while the database is unreachable (a retry is safe)."""
    return outage.unavailable(request)


for _error in outage.DATABASE_DOWN:
    api.add_exception_handler(_error, database_down)

api.add_router("/", intake_router)
api.add_router("/", selection_router)
api.add_router("/", cohorts_router)
api.add_router("/", learning_router)
