"""Test-only routes (loopback, tests only): mint a refresh token through DOT's own models, as
a sign-in would have, for tests that do not need the browser; count refresh tokens."""

import json
import secrets
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_refresh_token_model,
)


@csrf_exempt
def mint(request):
    body = json.loads(request.body or b"{}")
    app = get_application_model().objects.get(client_id=body.get("client_id", "td-basic"))
    user, _ = get_user_model().objects.get_or_create(username=body.get("sub", "alice"))
    access = get_access_token_model().objects.create(
        user=user, application=app, token=secrets.token_urlsafe(30),
        expires=timezone.now() + timedelta(seconds=int(body.get("expires_in", 3600))),
        scope=body.get("scope", "read"))
    refresh = get_refresh_token_model().objects.create(
        user=user, application=app, token=secrets.token_urlsafe(30), access_token=access,
        token_family=uuid.uuid4())
    return JsonResponse({"refresh_token": refresh.token, "access_token": access.token})


def count(request):
    live = get_refresh_token_model().objects.filter(revoked__isnull=True).count()
    return HttpResponse(str(live), content_type="text/plain")
