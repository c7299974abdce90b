from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from yachay.accounts.forms import LoginLinkRequestForm
from yachay.accounts.services import login_link_request, safe_next, user_from_login_link
from yachay.core.http import ratelimit


@require_http_methods(["GET", "POST"])
@ratelimit("login_link", "YACHAY_RATELIMIT_STATUS")
def login_with_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET asks to confirm (mail scanners open links); POST signs in and spends the link."""
    user = user_from_login_link(uidb64, token)
    next_url = safe_next(request.POST.get("next") or request.GET.get("next"))
    if user is None:
        return render(request, "accounts/login_link.html", {"invalid": True}, status=404)
    if request.method == "POST":
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_url or "accounts:me")
    return render(request, "accounts/login_link.html", {"user_to_login": user, "next": next_url})


@require_http_methods(["GET", "POST"])
@ratelimit("login_request", "YACHAY_RATELIMIT_STATUS")
def request_login_link(request: HttpRequest) -> HttpResponse:
    """A new sign-in link by email. The answer is the same whether or not the address is
    known, so the page cannot be used to find out who is enrolled."""
    form = LoginLinkRequestForm(request.POST or None)
    # Where a learner was going (the QR of a session): the emailed link leads back there.
    next_url = safe_next(request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST" and form.is_valid():
        login_link_request(email=form.cleaned_data["email"], next_url=next_url)
        return render(request, "accounts/login_request.html", {"sent": True})
    return render(request, "accounts/login_request.html", {"form": form, "next": next_url})


@login_required(login_url="/entrar/")
def me(request: HttpRequest) -> HttpResponse:
    """A learner's place: their cohort, its sessions, check-in when one is open."""
    from yachay.cohorts import selectors, services

    user = request.user
    enrollments = list(selectors.learner_enrollments(user))  # type: ignore[arg-type]
    now = timezone.now()
    open_ids = set()
    for e in enrollments:
        for s in e.cohort.sessions.all() if e.cohort else ():
            opens, closes = services.checkin_window(s)
            if opens <= now <= closes:
                open_ids.add(s.pk)
    context = {
        "enrollments": [(e, selectors.attendance_figures(e)) for e in enrollments],
        "open_ids": open_ids,
        "staff": user.works_with_cohorts,  # type: ignore[union-attr]
    }
    return render(request, "accounts/me.html", context)
