"""Graceful overload: past capacity, a fast honest 503 instead of a queue that never ends.

Each web process lets at most ``YACHAY_OVERLOAD_ACTIVE`` requests into the application at
once (a semaphore); a request that finds every slot taken waits for one, but only while its
whole wait — in the server's queue since the worker accepted it, plus here — stays under
``YACHAY_OVERLOAD_WAIT_MS``, and while fewer than ``YACHAY_OVERLOAD_QUEUE`` others are
waiting. Past either it is *shed*: answered at once with 503 and
``Retry-After`` ("estamos con mucha demanda, intenta en un minuto"; JSON under ``/api/``),
before any session, user or database is touched, so a shed request costs a fraction of a
millisecond and stores nothing (no view ran: a shed POST is not half-stored).

Why a slot count and a wait bound rather than more workers: the pages are CPU-bound Python,
so two cores answer a fixed number of pages a second whatever the concurrency; beyond it,
every extra request admitted only makes all of them slower, until every answer is late (the
collapse of issue #17: p95 80 s, timeouts). Bounding the wait keeps the accepted requests
fast and tells the others the truth within a second.

The wait in the server's queue: :class:`yachay.core.serving.ThreadWorker` (the gunicorn
worker of ``gunicorn.conf.py``) stamps each request when its connection is handed to the
thread pool and measures, when a thread picks it up, how long it sat there; :func:`queued_for`
reads that on the request's thread. (The time a slow phone takes to send its request is not
counted: it is not the server's queue.) Behind a proxy
that sets ``X-Request-Start: t=<seconds since the epoch>`` (nginx: ``"t=${msec}"``) and with
``YACHAY_OVERLOAD_TRUST_REQUEST_START`` on, the wait since the proxy received the request is
used instead when it is larger (the wait in the kernel's accept queue included). Under any
other server (``runserver``, the test client) the queue wait is taken as zero.

Static files (WhiteNoise, earlier in the chain) never meet the limiter.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger("yachay.overload")

RETRY_AFTER = 60  # seconds: "intenta en un minuto"
_LOG_EVERY = 10.0  # seconds between two log lines about shedding, per process

_stamp = threading.local()


def mark_queued(seconds: float | None) -> None:
    """Record on this thread how long the current request waited for it (None: unknown).
    Called by the gunicorn worker when one of its threads picks a request up."""
    _stamp.queued = seconds


def queued_for(request: HttpRequest) -> float:
    """Seconds the request waited in the server's queue before a thread took it (0 when
    unknown)."""
    waited = getattr(_stamp, "queued", None) or 0.0
    if settings.YACHAY_OVERLOAD_TRUST_REQUEST_START:
        waited = max(waited, _proxy_wait(request.META.get("HTTP_X_REQUEST_START", "")))
    return waited


def _proxy_wait(header: str) -> float:
    """The wait since a proxy received the request, from ``X-Request-Start: t=1700000000.123``
    (seconds, or milli-/microseconds as some proxies write them); 0 when absent or odd."""
    raw = header.strip().removeprefix("t=")
    if not raw or len(raw) > 32:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        return 0.0
    while value > 1e11:  # milliseconds or microseconds since the epoch
        value /= 1000.0
    waited = time.time() - value
    return waited if 0.0 < waited < 3600.0 else 0.0


def busy(request: HttpRequest) -> HttpResponse:
    """The 503 for a shed request: JSON under /api/, the page elsewhere. Rendered without the
    request (no session, user or database), like the outage page; in the language the request
    asks for (its cookie or Accept-Language: the locale middleware, later in the chain, has
    not run)."""
    with translation.override(translation.get_language_from_request(request)):
        return _busy(request)


def _busy(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": _("We have a lot of demand right now. Try again in a minute.")},
            status=503,
        )
    else:
        response = HttpResponse(_busy_page(translation.get_language()), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    # Not one "Service Unavailable" error line per shed request from django.request (the
    # attribute Django itself sets once a response is logged): under overload that would add
    # to the load; the middleware logs a count instead.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


# The busy page by language, rendered once per process: it names nothing of the request, and
# past capacity every shed request needs it (rendering it each time was most of a shed's cost).
_pages: dict[str, str] = {}


def _busy_page(language: str) -> str:
    page = _pages.get(language)
    if page is None:
        page = loader.get_template("503.html").render({"busy": True, "retry_minutes": 1})
        _pages[language] = page
    return page


class OverloadMiddleware:
    """At most ``YACHAY_OVERLOAD_ACTIVE`` requests of this process in the application at
    once; a request that cannot start within ``YACHAY_OVERLOAD_WAIT_MS`` of being accepted
    is answered :func:`busy` (503). ``YACHAY_OVERLOAD_ACTIVE=0`` turns it off."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        active = settings.YACHAY_OVERLOAD_ACTIVE
        self.slots = threading.BoundedSemaphore(active) if active > 0 else None
        self.max_wait = settings.YACHAY_OVERLOAD_WAIT_MS / 1000.0
        self.max_waiting = settings.YACHAY_OVERLOAD_QUEUE
        self.waiting = 0  # requests of this process waiting for a slot now
        self.shed = 0  # since the last log line
        self._last_log = 0.0
        self._lock = threading.Lock()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if self.slots is None:
            return self.get_response(request)
        if not self._admit(request):
            self._count_shed()
            return busy(request)
        try:
            return self.get_response(request)
        finally:
            self.slots.release()

    def _admit(self, request: HttpRequest) -> bool:
        """Take a slot: at once if one is free, else by waiting for one within what is left
        of the request's wait budget. False: none in time (the request is shed)."""
        assert self.slots is not None
        # A non-blocking try first: when a slot is free, no timer is armed at all, and a
        # request that waited long in the server's queue is still served if it can be now.
        if self.slots.acquire(blocking=False):
            return True
        budget = self.max_wait - queued_for(request)
        if budget <= 0:
            return False
        # At most YACHAY_OVERLOAD_QUEUE wait at once: past that the line is long enough that
        # a newcomer would not get a slot in time anyway, and waiting would hold a thread
        # that must stay free to answer the others at once.
        with self._lock:
            if self.waiting >= self.max_waiting:
                return False
            self.waiting += 1
        try:
            return self.slots.acquire(timeout=budget)
        finally:
            with self._lock:
                self.waiting -= 1

    def _count_shed(self) -> None:
        """Log how many were shed, at most once every few seconds per process: under
        overload a line per request would add to the load."""
        with self._lock:
            self.shed += 1
            now = time.monotonic()
            if now - self._last_log < _LOG_EVERY:
                return
            shed, self.shed, self._last_log = self.shed, 0, now
        logger.warning(
            "Overloaded: %d request(s) answered 503 (every slot busy for %d ms).",
            shed,
            settings.YACHAY_OVERLOAD_WAIT_MS,
        )
