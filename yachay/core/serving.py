"""The gunicorn worker of ``gunicorn.conf.py``: gunicorn's threaded worker that remembers when
it took each request, so that :mod:`yachay.core.overload` can tell how long the request has
already waited for a thread.

gunicorn's ``gthread`` worker accepts connections in its main thread and hands each one (and
each kept-alive connection that has a new request) to a pool of threads; when every thread is
busy, the request waits in the pool's queue, which the application cannot see. The stamp is
taken at that hand-over and given to the thread that picks the connection up.
"""

from __future__ import annotations

import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker as _GunicornThreadWorker

from yachay.core.overload import mark_queued


class ThreadWorker(_GunicornThreadWorker):
    def enqueue_req(self, conn: Any) -> None:
        conn.yachay_enqueued_at = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        enqueued = getattr(conn, "yachay_enqueued_at", None)
        mark_queued(None if enqueued is None else time.monotonic() - enqueued)
        try:
            return super().handle(conn)
        finally:
            mark_queued(None)
