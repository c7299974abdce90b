"""gunicorn's configuration for Yachay: what `make run` serves with and what docs/operators.md
describes (read there for the why). Every value can be changed from the environment:

    WEB_CONCURRENCY   worker processes             (default: 2 × cores + 1)
    GUNICORN_THREADS  threads per worker           (default: 16)
    GUNICORN_BIND     address                      (default: 127.0.0.1:8000; make run sets it)

The workers are gunicorn's threaded workers (``gthread``; ``yachay.core.serving.ThreadWorker``
adds a stamp of when each request was taken). A process runs at most YACHAY_OVERLOAD_ACTIVE
requests in the application at once (default 2: the pages are CPU-bound Python, one core
each); its other threads hold the connections that wait, cheaply, for at most
YACHAY_OVERLOAD_WAIT_MS, after which they are answered 503 "try again in a minute"
(yachay/core/overload.py). Keep-alive spares a phone a new TCP (and TLS) hand-shake for the
page that follows a form it sent; a large accept backlog absorbs a burst of connections
instead of refusing them.
"""

import os

_cores = os.cpu_count() or 1

wsgi_app = "yachay.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * _cores + 1))
worker_class = "yachay.core.serving.ThreadWorker"
threads = int(os.environ.get("GUNICORN_THREADS", 16))
# Connections a worker holds at once (in requests or kept alive); beyond, new ones wait in
# the kernel's accept queue (backlog) for a worker to take them.
worker_connections = 1000
backlog = 2048
keepalive = 5  # seconds a connection stays open for the next request
# A worker silent this long is killed and replaced; no page takes anywhere near it.
timeout = 30
graceful_timeout = 30
# Requests whose line or headers are absurdly large are refused before Django sees them.
limit_request_line = 8190
limit_request_fields = 100
# The access log without secrets in it (sign-in links, offer tokens, check-in codes).
logger_class = "yachay.core.logs.GunicornLogger"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# gunicorn's control socket (gunicornc) is not used; its default path is shared by every
# gunicorn of the same user on the machine.
control_socket_disable = True
# X-Forwarded-For/-Proto are believed only from here (a proxy on the same machine).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
