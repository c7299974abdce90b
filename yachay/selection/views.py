from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from yachay.core.actors import PUBLIC, Actor
from yachay.core.http import ratelimit
from yachay.selection import services


@require_http_methods(["GET", "POST"])
@ratelimit("offer", "YACHAY_RATELIMIT_STATUS")
def offer(request: HttpRequest, token: str) -> HttpResponse:
    """The offer: GET shows it (mail scanners open links), only a POST answers it."""
    try:
        the_offer = services.offer_from_token(token)
    except services.OfferRefused as exc:
        return render(request, "selection/offer.html", {"error": exc.message}, status=404)
    context: dict[str, object] = {"offer": the_offer, "app": the_offer.decision.application}
    if request.method == "POST":
        user = request.user if request.user.is_authenticated else None
        actor = Actor.of_user(user) if user is not None else PUBLIC
        try:
            if request.POST.get("answer") == "accept":
                services.offer_accept(offer=the_offer, actor=actor, user=user)
                context["done"] = "accepted"
            elif request.POST.get("answer") == "decline":
                services.offer_decline(offer=the_offer, actor=actor, user=user)
                context["done"] = "declined"
        except services.OfferRefused as exc:
            context["error"] = exc.message
            return render(request, "selection/offer.html", context, status=409)
        the_offer.refresh_from_db()
    context["expired"] = the_offer.expires_at <= timezone.now()
    return render(request, "selection/offer.html", context)
