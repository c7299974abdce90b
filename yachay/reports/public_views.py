"""The public transparency page (/transparencia/) and its open data (CSV, JSON): no sign-in,
works without JavaScript, every number from the newest stored snapshot
(``models.PublicSnapshot``), small cells already suppressed (``public``)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotModified,
)
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from yachay.core import charts, exports
from yachay.core.actors import PUBLIC
from yachay.core.memo import Memo
from yachay.core.numbers import format_percent, grouped, percent
from yachay.reports import public, services, tilemap
from yachay.reports.models import PublicSnapshot

# The page and the open data may be kept this long by browsers and proxies (seconds).
MAX_AGE = 300
# A snapshot older than this is counted again by the first visitor (no worker running).
STALE_AFTER = dt.timedelta(days=1)
OPEN_DATA_FORMATS = ("csv", "json")

_latest: Memo[PublicSnapshot] = Memo("reports.public_snapshot", size=4)
_latest.clear_on_save(PublicSnapshot)


def current_snapshot(*, now: dt.datetime | None = None) -> PublicSnapshot:
    """The newest snapshot (kept in this process for ``YACHAY_HOT_CACHE_SECONDS``), counted
    now when there is none or it is older than a day."""
    now = now or timezone.now()
    snapshot = _latest.get("latest", lambda: PublicSnapshot.objects.first())
    if snapshot is None or snapshot.computed_at < now - STALE_AFTER:
        snapshot = services.public_snapshot_refresh(actor=PUBLIC, now=now)
    return snapshot


def _count(n: int | None) -> str:
    return "—" if n is None else grouped(n)


def _funnel_chart(model: public.Page) -> Any:
    bars = [(label, float(n)) for _s, label, n, _r in model.funnel if n is not None]
    hidden = [label for _s, label, n, _r in model.funnel if n is None]
    desc = ", ".join(f"{label}: {_count(n)}" for _s, label, n, _r in model.funnel)
    if hidden:
        desc += ". " + _("Hidden to protect the people in them: %(stages)s.") % {
            "stages": ", ".join(hidden)
        }
    return charts.bar_chart(
        bars,
        title=_("People at each stage of the call"),
        description=desc,
        value_label=lambda v: grouped(round(v)),
    )


def _map(model: public.Page, stage: str) -> Any:
    departments = next(b for b in model.breakdowns if b.by == "department")
    column = public.PUBLIC_STAGES.index(stage)
    values: dict[str, float | None] = {}
    for line in departments.rows:
        n = line.counts[column]
        values[line.key] = None if n is None else float(n)
    label = dict(model.stages)[stage]
    shown = sorted(
        ((line.label, line.counts[column]) for line in departments.rows),
        key=lambda kv: -(kv[1] if kv[1] is not None else -1),
    )
    desc = _("%(measure)s by department, highest first: %(list)s.") % {
        "measure": label,
        "list": ", ".join(f"{name} {_count(n)}" for name, n in shown),
    }
    return charts.tile_map(
        tilemap.peru_tiles(),
        values,
        title=_("Map of Peru by department: %(measure)s") % {"measure": label},
        description=desc,
        value_label=lambda v: grouped(round(v)),
        no_data_legend=_("hidden (1 to %(n)d people)") % {"n": model.k - 1},
    )


def _body(snapshot: PublicSnapshot, stage: str, call: str) -> str:
    """The page's content, rendered once per snapshot, language, call and map measure, then
    kept in the cache: the page itself only wraps it."""
    key = f"transparency:{snapshot.digest}:{get_language()}:{call}:{stage}"
    body = cache.get(key)
    if body is None:
        model = public.page(snapshot.data, call or None)
        context: dict[str, Any] = {
            "page": model,
            "call_param": bool(call),
            "map_stage": stage,
            "map_stages": [(s, public.stage_labels()[s]) for s in public.MAP_STAGES],
            "rule": public.rule_text(model.k),
            "dictionary": [(name, str(text)) for name, text in public.DICTIONARY],
            "licence_url": public.LICENCE_URL,
            "women_share": _share_text(model.women_share),
            "outside_lima_share": _share_text(model.outside_lima_share),
        }
        if model.call is not None:
            context["funnel_chart"] = _funnel_chart(model)
            context["map"] = _map(model, stage)
        body = render_to_string("reports/_transparency_body.html", context)
        cache.set(key, body, timeout=3600)
    return mark_safe(body)  # noqa: S308 - our own template's output, kept as it was rendered


def _share_text(value: float | None) -> str:
    return "—" if value is None else format_percent(percent(value, 1))


# The whole page of a visitor without cookies is kept in the cache with this in place of the
# CSRF token of the language form, which is put back per request (a token is per visitor).
CSRF_PLACEHOLDER = "__yachay_csrf_token__"


def _frame(
    request: HttpRequest, snapshot: PublicSnapshot, stage: str, call: str, **extra: Any
) -> str:
    return render_to_string(
        "reports/transparency.html",
        {"body": _body(snapshot, stage, call), "computed_at": snapshot.computed_at, **extra},
        request=request,
    )


def _is_plain_visit(request: HttpRequest, stage: str, call: str) -> bool:
    """A visitor with no cookie of ours (no session, no messages) asking for the page with
    no other parameters than the call's and the map's, as the page's own links write them:
    every such visit sees the same page."""
    if request.COOKIES.get(settings.SESSION_COOKIE_NAME) or request.COOKIES.get("messages"):
        return False
    canonical = [f"convocatoria={quote(call)}"] if call else []
    query = request.META.get("QUERY_STRING", "")
    return query in ("&".join(canonical), "&".join([*canonical, f"mapa={stage}"]))


@require_safe
def page(request: HttpRequest) -> HttpResponse:
    """The transparency page: headline numbers, the funnel, the map, the breakdowns, the
    rule, the data dictionary and the open data. Unknown query parameters are ignored; an
    unknown map measure shows the default one. For a visitor without cookies the page is
    rendered once per snapshot, language and measure and kept in the cache."""
    snapshot = current_snapshot()
    stage = request.GET.get("mapa", "")
    if stage not in public.MAP_STAGES:
        stage = public.MAP_STAGES[0]
    call = request.GET.get("convocatoria", "")
    if call not in {c["slug"] for c in snapshot.data.get("calls", [])}:
        call = ""  # unknown: the default call
    if _is_plain_visit(request, stage, call):
        key = f"transparency:page:{snapshot.digest}:{get_language()}:{call}:{stage}"
        html = cache.get(key)
        if html is None:
            html = _frame(request, snapshot, stage, call, csrf_token=CSRF_PLACEHOLDER)
            cache.set(key, html, timeout=3600)
        response = HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request), 1))
    else:
        response = HttpResponse(_frame(request, snapshot, stage, call))
    if not request.user.is_authenticated:  # a signed-in person's page names them: no-store
        response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


def _open_data_body(snapshot: PublicSnapshot, fmt: str, request: HttpRequest) -> bytes:
    """The file's bytes, made once per snapshot and kept in the cache (a few hundred rows
    per call: small, and the same for everybody)."""
    key = f"transparency:data:{snapshot.digest}:{fmt}"
    body = cache.get(key)
    if body is None:
        if fmt == "json":
            page_url = request.build_absolute_uri(reverse("transparency:page"))
            document = public.document(snapshot.data, page_url=page_url)
            body = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
        else:
            body = b"".join(exports.csv_chunks(public.CSV_HEADER, public.rows(snapshot.data)))
        cache.set(key, body, timeout=3600)
    return bytes(body)


def _open_data_headers(response: HttpResponseBase, snapshot: PublicSnapshot, etag: str) -> None:
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["Last-Modified"] = http_date(snapshot.computed_at.timestamp())
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    response["Link"] = f'<{public.LICENCE_URL}>; rel="license"'


@require_safe
def open_data(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The snapshot as CSV or JSON at a stable address, with an ETag (a repeated request
    with ``If-None-Match`` gets a 304). Another format: a 404 in words; query parameters
    are ignored (the file is the same for everybody)."""
    if fmt not in OPEN_DATA_FORMATS:
        message = _(
            "There is no open data in the format “%(fmt)s”. The numbers are published as "
            "%(formats)s."
        )
        return HttpResponse(
            message
            % {"fmt": fmt[:20], "formats": ", ".join(f"datos.{f}" for f in OPEN_DATA_FORMATS)},
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    snapshot = current_snapshot()
    etag = f'"{snapshot.digest[:32]}-{fmt}"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        not_modified = HttpResponseNotModified()
        _open_data_headers(not_modified, snapshot, etag)
        return not_modified
    response = HttpResponse(
        _open_data_body(snapshot, fmt, request),
        content_type="application/json" if fmt == "json" else exports.CSV_CONTENT_TYPE,
    )
    if fmt == "csv":
        response["Content-Disposition"] = 'inline; filename="yachay-transparencia.csv"'
    _open_data_headers(response, snapshot, etag)
    return response
