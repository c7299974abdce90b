"""Codes shared by programs (targets, eligibility) and intake (the application).

Stored values are stable English codes, the same as the API's; labels are translated.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
