"""``{% url %}`` as Django's, with each address reversed once per process (a builtin of every
template, settings: builtins, so it stands in for Django's own tag).

Issue #17: a learner page's header, footer and links reverse ten to fifteen addresses, and
Django reverses every one afresh on every render: about a sixth of the page's template time.
The same name with the same arguments (under the same script prefix, URLconf, language and
current app) always gives the same address, so it is kept (at most ``_SIZE`` addresses, the
least recently used dropped first). Arguments that cannot be a key (a list) reverse each time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.template.base import Parser, Token
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

_SIZE = 4096


@lru_cache(maxsize=_SIZE)
def _reversed(
    view_name: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    current_app: str | None,
    _prefix: str,
    _urlconf: Any,
    _language: str | None,
) -> str:
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


class CachedURLNode(URLNode):
    def render(self, context: Any) -> str:
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items()))
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            try:
                url = _reversed(
                    view_name,
                    args,
                    kwargs,
                    current_app,
                    get_script_prefix(),
                    get_urlconf(),
                    get_language(),
                )
            except TypeError:  # an argument that cannot be a key: as Django does
                url = reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return str(conditional_escape(url)) if context.autoescape else url


@register.tag("url")
def url(parser: Parser, token: Token) -> CachedURLNode:
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
