"""Settings for bench/intake_load.py: production's settings plus the bare ceiling endpoint.

Everything comes from ``yachay.settings`` (read from the environment the bench sets:
DATABASE_URL, DEBUG=0, YACHAY_RATELIMIT_API=0, EMAIL_BACKEND). Only the ``bench.bare``
app and a URL conf that adds ``POST /bench/bare/`` to ``yachay.urls`` are added here.
"""

from yachay.settings import *  # noqa: F403
from yachay.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.bare"]
ROOT_URLCONF = "bench.urls_bench"
