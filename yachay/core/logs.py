"""Logging filters, and the access log without secrets.

Some addresses carry a secret: a learner's sign-in link (``/entrar/<uid>/<token>/``), an
offer (``/ofertas/<token>/``, ``/api/v1/offers/<token>/accept``), a survey's answer link
(``/encuestas/<token>/``), a staff password reset
(``/personal/contrasena/<uid>/<token>/``), a session's check-in code (``?c=123456``, also
inside ``?next=``). Whoever reads a log line with one of those could sign in as the learner
or answer their offer. :func:`scrub_secrets` replaces them with ``[scrubbed]`` in any text;
``ScrubSecrets`` applies it to log records (Django's and gunicorn's error log), and
``GunicornLogger`` to gunicorn's access log (``gunicorn --logger-class
yachay.core.logs.GunicornLogger``).

This module names the addresses as text only: core imports none of our other apps.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote, unquote_plus

from gunicorn.glogging import Logger as _GunicornLogger
from gunicorn.glogging import SafeAtoms

SCRUBBED = "[scrubbed]"

# The path segment after each of these is a secret. The character class stops at what ends
# a path segment in a URL or in a log line.
_SEGMENT = r"[^/?#&\s\"']+"
_SECRET_PATH = re.compile(
    rf"(?P<head>/entrar/{_SEGMENT}/|/personal/contrasena/{_SEGMENT}/|/ofertas/|/offers/"
    rf"|/encuestas/)"
    rf"(?!set-password/)(?P<secret>{_SEGMENT})",  # Django's stand-in once the token is spent
    re.IGNORECASE,
)
# A query parameter (name=value), wherever it appears in the text, or a bare query string
# ("c=123456&x=1", gunicorn's %(q)s).
_PARAM = re.compile(r"(?P<sep>^|[?&;])(?P<name>[^=&#\s\"'?;]+)=(?P<value>[^&#\s\"';]*)")
# Query parameters whose value is a secret or personal data, whatever the page.
SECRET_PARAMS = frozenset(
    {
        "c", "code", "token", "key", "api_key", "apikey", "access_token", "password",
        "secret", "signature", "sig", "sessionid", "csrftoken", "csrfmiddlewaretoken",
        "uidb64", "dni", "reference", "email", "phone",
    }
)  # fmt: skip
# Request and response headers that are credentials in themselves.
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "x-csrftoken", "x-api-key"})


def _scrub_param(match: re.Match[str], depth: int) -> str:
    name, value = match["name"], match["value"]
    if unquote_plus(name).lower() in SECRET_PARAMS:
        return f"{match['sep']}{name}={SCRUBBED}"
    decoded = unquote_plus(value)
    if depth < 3 and ("/" in decoded or "=" in decoded):
        # An address inside a parameter (?next=/asistencia/5/%3Fc%3D123456): scrub it too.
        scrubbed = _scrub(decoded, depth + 1)
        if scrubbed != decoded:
            return f"{match['sep']}{name}={quote(scrubbed, safe='/[]')}"
    return match.group(0)


def _scrub(text: str, depth: int) -> str:
    text = _SECRET_PATH.sub(lambda m: f"{m['head']}{SCRUBBED}", text)
    if "=" in text:
        text = _PARAM.sub(lambda m: _scrub_param(m, depth), text)
    return text


def scrub_secrets(text: str) -> str:
    """``text`` (a URL, a request line, a log message) without the secrets it carries."""
    if "/" not in text and "=" not in text:
        return text  # fast path: most atoms of an access log line (a status, a size)
    return _scrub(text, 0)


class ScrubSecrets(logging.Filter):
    """Scrub secret tokens out of a record's message ("Not Found: /ofertas/<token>/")."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler to report
            return True
        scrubbed = scrub_secrets(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


class ClientErrorsBrief(logging.Filter):
    """Drop the traceback of a 4xx response logged by ``django.request``.

    Django logs a refused request (``PermissionDenied`` → 403, ``SuspiciousOperation`` →
    400) as a warning *with* the exception's traceback, which reads like a server error in
    the logs. A refusal is the expected answer to a client: keep the one line, lose the trace.
    Server errors (5xx) keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class _ScrubbedAtoms(SafeAtoms):
    """The access log's atoms (``%(r)s``, ``%(U)s``, ``%(q)s``, ``%(f)s``, ``%({header}i)s``
    and the rest), each scrubbed when the format reads it: only what is logged pays."""

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        if not isinstance(value, str) or value == "-":
            return value
        if key.startswith("{"):
            name = key[1:].rsplit("}", 1)[0].lower()
            if name in SECRET_HEADERS or name in {"http_authorization", "http_cookie"}:
                return SCRUBBED
        return scrub_secrets(value)


class GunicornLogger(_GunicornLogger):
    """gunicorn's logger with no secret in any line.

    Start gunicorn with ``--logger-class yachay.core.logs.GunicornLogger``.

    The access log keeps its usual format (method, path, status, size, referrer...) with
    sign-in tokens, offer tokens, reset tokens, check-in codes and credentials replaced by
    ``[scrubbed]``; the error log ("Error handling request /ofertas/...") is scrubbed too.
    """

    atoms_wrapper_class = _ScrubbedAtoms

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if not any(isinstance(f, ScrubSecrets) for f in self.error_log.filters):
            self.error_log.addFilter(ScrubSecrets())
