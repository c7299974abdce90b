"""A cohort's live sessions as an iCalendar (RFC 5545) file for the learner's calendar app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from icalendar import Calendar, Event

from yachay.cohorts.models import Cohort, Session


def cohort_calendar(cohort: Cohort, sessions: Iterable[Session]) -> bytes:
    """One VEVENT per session; the UID is stable, so a re-import updates rather than duplicates."""
    cal = Calendar()
    cal.add("prodid", "-//Yachay//cohorts//ES")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", cohort.name)
    host = settings.YACHAY_SITE_URL.split("//", 1)[-1].split("/", 1)[0] or "yachay"
    stamp = dt.datetime.now(dt.UTC)
    for s in sessions:
        event = Event()
        event.add("uid", f"session-{s.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", s.starts_at)
        event.add("dtend", s.ends_at)
        event.add("summary", f"{cohort.name}: {s.topic}")
        if s.place or cohort.venue:
            event.add("location", s.place or cohort.venue)
        if s.meeting_url:
            event.add("url", s.meeting_url)
            event.add("description", s.meeting_url)
        cal.add_component(event)
    return cal.to_ical()
