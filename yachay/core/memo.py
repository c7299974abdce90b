"""A small in-process cache with a time bound, for rows read on every request of a hot path.

The intake API reads the same API key and the same call for every application; reading them
again each time was a quarter of the endpoint's CPU (bench/intake_profile.py). A ``Memo`` keeps
them in this process for ``YACHAY_HOT_CACHE_SECONDS`` (default 5). A change made through the
ORM in this process clears the memo at once (``clear_on_save``); in the other worker
processes it shows after at most that many seconds. ``0`` switches the memo off.

Only values found are kept (a key created a moment ago works at once), at most ``size`` of
them: a full memo starts again empty rather than grow with guessed tokens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models.signals import post_delete, post_save

V = TypeVar("V")

_ALL: list[Memo[Any]] = []


class Memo(Generic[V]):
    def __init__(self, name: str, *, size: int = 1000) -> None:
        self.name = name
        self.size = size
        self._items: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()
        _ALL.append(self)

    def get(self, key: Hashable, load: Callable[[], V | None]) -> V | None:
        ttl = settings.YACHAY_HOT_CACHE_SECONDS
        if ttl <= 0:
            return load()
        now = time.monotonic()
        hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        if value is not None:
            with self._lock:
                if len(self._items) >= self.size:
                    self._items.clear()
                self._items[key] = (now + ttl, value)
        return value

    def clear(self, *args: Any, **kwargs: Any) -> None:
        """Forget everything (also a signal receiver: any save or delete of a watched model)."""
        with self._lock:
            self._items.clear()

    def clear_on_save(self, *models: type) -> None:
        for model in models:
            post_save.connect(self.clear, sender=model, weak=False)
            post_delete.connect(self.clear, sender=model, weak=False)


def clear_all() -> None:
    """Forget every memo (tests start each from nothing)."""
    for memo in _ALL:
        memo.clear()
