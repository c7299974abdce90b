"""Notes a browser's session keeps about what it just did, for a short while.

An answer page that shows what a person sent ("we received your application, we wrote to
<email>") must not be a bearer URL that anyone holding the link can open later (a shared
computer's history, a forwarded link, a log). The view that handles the form writes a
note in the sender's session; the answer page shows only what a note of *this* session,
younger than ``max_age``, says, and a neutral page otherwise.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest

# A few notes of each kind per session are enough (one browser, a few forms in an hour).
KEEP = 5


def note_write(request: HttpRequest, *, kind: str, key: str, data: dict[str, Any]) -> None:
    """Remember ``data`` under ``key`` in this session (JSON-serialisable values only)."""
    notes: dict[str, Any] = dict(request.session.get(f"notes:{kind}", {}))
    notes[key] = {"at": int(time.time()), "data": data}
    newest = sorted(notes.items(), key=lambda item: item[1]["at"])[-KEEP:]
    request.session[f"notes:{kind}"] = dict(newest)


def note_read(
    request: HttpRequest, *, kind: str, key: str, max_age: int
) -> tuple[dict[str, Any], int] | None:
    """``(data, written at as a Unix time)`` of this session's note, if younger than
    ``max_age`` seconds; else None."""
    notes = request.session.get(f"notes:{kind}")
    note = notes.get(key) if isinstance(notes, dict) else None
    if not isinstance(note, dict) or not isinstance(note.get("at"), int):
        return None
    if time.time() - note["at"] > max_age:
        return None
    data = note.get("data")
    return (data, note["at"]) if isinstance(data, dict) else None
