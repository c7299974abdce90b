"""What intake announces to the apps above it. Intake imports none of them: an app that
cares connects a receiver in its ``AppConfig.ready`` (certificates re-issues one)."""

from __future__ import annotations

from django.dispatch import Signal

# Staff rectified an application's data (``services.application_rectify``), and the change
# is committed. Sent with ``application`` (the ``Application``, as saved) and ``fields``
# (a frozenset of the changed field names; "full_name" is in it when the person's full
# name, as certificates print it, changed).
application_rectified = Signal()

# A new application is stored (``services.application_submit``, the web form and the API
# alike), and committed. Sent with ``application`` (the ``Application``, as saved). Connect
# to this, not to ``post_save``: on PostgreSQL the row is written by one statement together
# with its audit row and its email's task row (``core.inserts``).
application_submitted = Signal()
