"""Numbers as people read them: "20 000 vacantes" in Spanish, "20,000 places" in English."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def grouped(value: object) -> str:
    """Thousands grouped in the active language's style even though the project keeps
    ``USE_THOUSAND_SEPARATOR`` off (it would also group ids in links and form values).
    Django's Spanish format separates thousands with a non-breaking space, as the RAE and
    the SI recommend, so a number never breaks across two lines."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return number_format(value, use_l10n=True, force_grouping=True)
