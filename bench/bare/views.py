"""The ceiling: the same stack (middleware, database, gunicorn) doing the least a write can do."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bench.bare.models import Hit


@csrf_exempt  # a machine endpoint, like the ninja API (which is CSRF-exempt for Bearer keys)
@require_POST
def insert(request: HttpRequest) -> HttpResponse:
    """Parse the same JSON body the real endpoint gets, insert one row, answer 201."""
    try:
        body = json.loads(request.body)
        token = str(body["dni"])[:32]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"errors": {"body": ["bad body"]}}, status=400)
    hit = Hit.objects.create(token=token)
    return JsonResponse({"id": hit.pk, "token": hit.token}, status=201)
