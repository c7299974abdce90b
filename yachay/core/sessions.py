"""Django's database sessions, read with SQL compiled once per process.

Every signed-in request reads its session row; building and compiling that one-line query
cost four times running it (issue #17, bench/learning_profile.py). The store is Django's own
(``django.contrib.sessions.backends.db``) in all else: same table, same signed data, same
expiry. ``SESSION_ENGINE = "yachay.core.sessions"``.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from yachay.core.compiled import Compiled

_by_key = Compiled(lambda session_key: Session.objects.filter(session_key=session_key))


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        found = _by_key(session_key=self.session_key)
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None  # unknown or expired: as Django's store does
        return None
