"""Create the test user and the clients (``python manage.py tokendesk_setup``)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from oauth2_provider.models import get_application_model

#: client_id -> (secret or None, grant type, Tokendesk's auth method); mirrored in
#: tests/helpers/dot_provider.py
CLIENTS = {
    "td-basic": ("dot-basic-secret-for-tests-0123456789", "authorization-code",
                 "client_secret_basic"),
    "td-public": (None, "authorization-code", "none"),
    "td-device": (None, "urn:ietf:params:oauth:grant-type:device_code", "none"),
    "td-machine": ("dot-machine-secret-for-tests-0123456789", "client-credentials",
                   "client_secret_basic"),
}


class Command(BaseCommand):
    help = "create the tests' user and clients"

    def handle(self, *args, **options):
        users = get_user_model()
        for name in ("alice", "bob", "carol", "dev-user"):
            if not users.objects.filter(username=name).exists():
                users.objects.create_user(name, password="dot-password-for-tests")  # noqa: S106
        apps = get_application_model()
        for client_id, (secret, grant, _method) in CLIENTS.items():
            if apps.objects.filter(client_id=client_id).exists():
                continue
            apps.objects.create(
                client_id=client_id, name=client_id, user=None,
                client_type=apps.CLIENT_CONFIDENTIAL if secret else apps.CLIENT_PUBLIC,
                client_secret=secret or "", authorization_grant_type=grant,
                redirect_uris="http://127.0.0.1/callback", algorithm="RS256",
                skip_authorization=False)
