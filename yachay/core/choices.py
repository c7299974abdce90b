"""Codes shared by programs (targets, eligibility) and intake (the application).

Stored values are stable English codes, the same as the API's; labels are translated.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:  # the stubs' name for a str or a lazy translation
    from django_stubs_ext import StrOrPromise


class Gender(models.TextChoices):
    FEMALE = "female", pgettext_lazy("gender", "woman")
    MALE = "male", pgettext_lazy("gender", "man")
    OTHER = "other", pgettext_lazy("gender", "other")
    UNDISCLOSED = "undisclosed", _("prefer not to say")


class Segment(models.TextChoices):
    SME_EXPERT = "sme_expert", _("MYPE or PYME expert")
    ENTREPRENEUR = "entrepreneur", _("entrepreneur")
    SME_OWNER = "sme_owner", _("MYPE owner")
    OTHER = "other", _("other")


class Modality(models.TextChoices):
    VIRTUAL = "virtual", _("virtual")
    IN_PERSON = "in_person", _("in person")


class Schedule(models.TextChoices):
    MORNING = "morning", _("morning")
    AFTERNOON = "afternoon", _("afternoon")
    EVENING = "evening", _("evening")
    WEEKEND = "weekend", _("weekend")


# The hours of each slot: the one place they are written. Sessions of a cohort fall within
# its slot's hours; the form, the call page and the API show them next to the slot's name.
# The weekend slot is held on Saturdays.
SLOT_HOURS: dict[str, tuple[dt.time, dt.time]] = {
    Schedule.MORNING: (dt.time(9), dt.time(12)),
    Schedule.AFTERNOON: (dt.time(15), dt.time(18)),
    Schedule.EVENING: (dt.time(19), dt.time(22)),
    Schedule.WEEKEND: (dt.time(9), dt.time(13)),
}


def slot_hours(slot: str) -> str:
    """ "9:00–12:00": the slot's hours, 24-hour clock, as Peru writes them."""
    start, end = SLOT_HOURS[slot]
    return f"{start.hour}:{start.minute:02d}\u2013{end.hour}:{end.minute:02d}"


def slot_label(slot: str) -> StrOrPromise:
    """The slot in words with its hours: "mañana, 9:00–12:00", "fin de semana, sábados
    9:00–13:00"."""
    hours: object = slot_hours(slot)
    if slot == Schedule.WEEKEND:
        hours = format_lazy(_("Saturdays {hours}"), hours=hours)
    return format_lazy(
        pgettext_lazy("a schedule slot and its hours", "{slot}, {hours}"),
        slot=Schedule(slot).label,
        hours=hours,
    )


def slot_choices() -> list[tuple[str, StrOrPromise]]:
    return [(slot, slot_label(slot)) for slot in Schedule.values]


class Sector(models.TextChoices):
    COMMERCE = "commerce", _("retail and trade")
    SERVICES = "services", _("services")
    FOOD = "food", _("food and restaurants")
    MANUFACTURING = "manufacturing", _("manufacturing and crafts")
    AGRICULTURE = "agriculture", _("agriculture, livestock and fishing")
    TOURISM = "tourism", _("tourism")
    TRANSPORT = "transport", _("transport and logistics")
    TECHNOLOGY = "technology", _("technology")
    OTHER = "other", _("other")


class DepartmentGroup(models.TextChoices):
    LIMA_CALLAO = "lima_callao", _("Lima Metropolitana and Callao")
    REST = "rest", _("rest of Peru")
