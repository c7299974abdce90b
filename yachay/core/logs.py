"""Logging filters."""

from __future__ import annotations

import logging


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
