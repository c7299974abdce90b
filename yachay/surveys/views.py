"""The answer page: a personal link (no password), one page of questions at a time, plain
forms (no JavaScript), answers saved as the person goes, and sent once."""

from __future__ import annotations

import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from yachay.core.actors import PUBLIC
from yachay.core.caching import personal_data
from yachay.core.http import ratelimit
from yachay.surveys import selectors, services
from yachay.surveys import survey_format as sf
from yachay.surveys.models import Invitation

FIELD = "q-"


def _language() -> str:
    return "en" if (get_language() or "es").startswith("en") else "es"


def _visible_pages(spec: sf.SurveySpec, given: dict[str, Any]) -> list[int]:
    """Pages with at least one question shown, given the answers so far (skip logic)."""
    return [
        i for i, page in enumerate(spec.pages) if any(sf.is_shown(q, given) for q in page.questions)
    ]


def _question_view(question: sf.Question, value: Any, error: str, language: str) -> dict[str, Any]:
    chosen = value if isinstance(value, list) else [value] if value not in (None, "") else []
    chosen = [str(c) for c in chosen]
    if question.type == "scale":
        options = []
        for n in range(1, 6):
            label = str(n)
            if n == 1 and question.low_label.es:
                label = f"1 — {question.low_label.get(language)}"
            if n == 5 and question.high_label.es:
                label = f"5 — {question.high_label.get(language)}"
            options.append({"id": str(n), "text": label, "checked": _same_number(chosen, n)})
    else:
        options = [
            {"id": o.id, "text": o.text.get(language), "checked": o.id in chosen}
            for o in question.options
        ]
    shown = ""
    if question.type in ("number", "text") and chosen:
        raw = chosen[0]
        shown = _plain_number(raw) if question.type == "number" else raw
    return {
        "id": question.id,
        "name": FIELD + question.id,
        "type": question.type,
        "prompt": question.prompt.get(language),
        "help": question.help.get(language),
        "unit": question.unit.get(language),
        "required": question.required,
        "options": options,
        "value": shown,
        "error": error,
        "max_length": question.max_length,
        "integer": question.integer,
    }


def _same_number(chosen: list[str], n: int) -> bool:
    for c in chosen:
        try:
            if float(c) == n:
                return True
        except ValueError:
            continue
    return False


def _plain_number(raw: str) -> str:
    """A stored number as a person writes it (3000, not 3000.0); anything else (what the
    person typed and was refused: "1e3", "NaN", "inf") kept as typed."""
    if not _DECIMAL.fullmatch(raw.strip()):
        return raw
    number = float(raw)
    return str(int(number)) if number == int(number) else f"{number:g}"


_DECIMAL = re.compile(r"-?\d{1,15}(\.\d{1,15})?")


def _posted(request: HttpRequest, spec: sf.SurveySpec, page: int) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for question in spec.pages[page].questions:
        values = request.POST.getlist(FIELD + question.id)
        raw[question.id] = values if question.type == "multiple" else (values or [""])
    return raw


def _state(request: HttpRequest, invitation: Invitation, status: int, state: str) -> HttpResponse:
    return render(
        request,
        "surveys/answer.html",
        {
            "state": state,
            "invitation": invitation,
            "title": services.spec_of(invitation).title.get(_language()),
        },
        status=status,
    )


@personal_data
@ratelimit("survey", "YACHAY_RATELIMIT_SURVEY")
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_for_token(token)
    if invitation is None or not selectors.may_answer(request.user, invitation):
        # Says nothing: a forged link, and someone signed in opening another person's link
        # (a forwarded message), look the same.
        raise Http404
    language = _language()
    now = timezone.now()
    if invitation.submitted_at is not None:
        return _state(request, invitation, 409 if request.method == "POST" else 200, "submitted")
    if services.is_closed(invitation, now):
        return _state(request, invitation, 410, "closed")
    spec = services.spec_of(invitation)
    given = services.stored_answers(invitation)
    pages = _visible_pages(spec, given)
    errors: dict[str, str] = {}
    posted: dict[str, Any] | None = None
    try:
        requested = int(request.POST.get("page") or request.GET.get("p") or -1)
    except (TypeError, ValueError):
        requested = -1
    if requested not in pages:
        missing = services.first_incomplete_page(invitation, spec)
        fallback = missing if missing is not None and missing in pages else pages[0]
        if request.method == "POST":
            # Answers for a page that is not shown now (an old tab after the skip logic
            # changed, a tampered form): nothing is saved, nor blanked; the page to fill.
            return redirect(f"{request.path}?p={fallback}")
        requested = fallback
    page = requested
    if request.method == "POST":
        action = request.POST.get("action", "next")
        posted = _posted(request, spec, page)
        try:
            errors = services.answers_save(
                invitation, page, posted, require=action in ("next", "submit"), now=now
            )
            if not errors:
                given = services.stored_answers(invitation)
                pages = _visible_pages(spec, given)
                after = [p for p in pages if p > page]
                before = [p for p in pages if p < page]
                if action == "save":
                    return _state(request, invitation, 200, "saved")
                if action == "back" and before:
                    return redirect(f"{request.path}?p={before[-1]}")
                if action == "next" and after:
                    return redirect(f"{request.path}?p={after[0]}")
                if action in ("next", "submit"):
                    services.invitation_submit(invitation, now=now, actor=PUBLIC)
                    return _state(request, invitation, 200, "thanks")
                return redirect(f"{request.path}?p={page}")
        except services.AnswerRefused as exc:
            if exc.code == "submitted":
                return _state(request, invitation, 409, "submitted")
            if exc.code == "closed":
                return _state(request, invitation, 410, "closed")
            missing = int(exc.errors.get("", "0") or 0) if exc.errors.get("", "").isdigit() else 0
            return redirect(f"{request.path}?p={missing}&falta=1")
    given = services.stored_answers(invitation)
    pages = _visible_pages(spec, given)
    if page not in pages:
        page = pages[0]
    values: dict[str, Any] = dict(given)
    if posted is not None:
        for key, raw in posted.items():
            if key in errors:
                values[key] = raw
    questions = [
        _question_view(q, values.get(q.id), errors.get(q.id, ""), language)
        for q in spec.pages[page].questions
        if sf.is_shown(q, given)
    ]
    position = pages.index(page)
    context = {
        "state": "form",
        "invitation": invitation,
        "title": spec.title.get(language),
        "intro": spec.intro_html.get(language) if position == 0 else "",
        "page": page,
        "page_title": spec.pages[page].title.get(language),
        "step": position + 1,
        "steps": len(pages),
        "questions": questions,
        "errors": errors,
        "first": position == 0,
        "last": position == len(pages) - 1,
        "missing": request.GET.get("falta") == "1",
        "closes_at": invitation.closes_at,
    }
    return render(request, "surveys/answer.html", context, status=400 if errors else 200)
