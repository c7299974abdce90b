"""Lesson HTML, sanitised with nh3: the tags, attributes and URL schemes a lesson may use,
and :func:`resolve_lesson_html`, which turns a stored lesson's ``lesson:`` links and image
paths into URLs for the web (the lessons module says how they are written)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

import nh3

from yachay.learning.course_format.model import LESSON_SCHEME

_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "img",
    "hr",
    "br",
}


_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}


_URL_SCHEMES = {"http", "https", "mailto"}


def _clean(
    html: str, schemes: set[str], attribute_filter: Callable[[str, str, str], str | None] | None
) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        url_schemes=schemes,
        filter_style_properties={"text-align"},  # table column alignment, nothing else
        attribute_filter=attribute_filter,
    )


def sanitize_html(html: str) -> str:
    """Keep only the tags, attributes and URL schemes a lesson may use (http, https, mailto,
    relative)."""
    return _clean(html, _URL_SCHEMES, None)


def resolve_lesson_html(
    html: str,
    *,
    lesson_url: Callable[[str], str],
    asset_url: Callable[[str], str],
) -> str:
    """Turn a :attr:`Lesson.html` into the HTML a learner gets.

    ``lesson_url(lesson_id)`` gives the URL of a lesson (``lesson:<id>`` links);
    ``asset_url(path)`` gives the URL of an image from its plain (not percent-encoded)
    course-relative path, one of :attr:`Lesson.images`. The result is sanitised again, so a
    resolver returning a ``javascript:`` URL cannot harm anyone.
    """

    def resolve(tag: str, attribute: str, value: str) -> str | None:
        if tag == "a" and attribute == "href" and value.startswith(f"{LESSON_SCHEME}:"):
            lesson_id, _, fragment = value[len(LESSON_SCHEME) + 1 :].partition("#")
            return lesson_url(lesson_id) + (f"#{fragment}" if fragment else "")
        if tag == "img" and attribute == "src":
            return asset_url(unquote(value))
        return value

    # nh3 checks URL schemes before it calls the filter, hence the second pass.
    return sanitize_html(_clean(html, _URL_SCHEMES | {LESSON_SCHEME}, resolve))
