"""Settings of the test Django OAuth Toolkit site: SQLite in a temporary directory, one server
process per configuration, chosen by environment variables (tests/helpers/dot_provider.py):

DOT_DATA      the directory of the SQLite database and the OIDC signing key
DOT_PORT      the port this process serves (the issuer is http://127.0.0.1:PORT/o)
DOT_ROTATE    "1": a new refresh token at every refresh (ROTATE_REFRESH_TOKEN)
DOT_REUSE     "1": a reused refresh token revokes its family (REFRESH_TOKEN_REUSE_PROTECTION)
DOT_OIDC      "1": OpenID Connect on (ID tokens, userinfo, the OpenID discovery document)
"""

import os
from pathlib import Path

DATA = Path(os.environ.get("DOT_DATA", "/tmp/tokendesk-dot"))
PORT = os.environ.get("DOT_PORT", "8000")
ISSUER = f"http://127.0.0.1:{PORT}/o"
OIDC = os.environ.get("DOT_OIDC", "1") == "1"

SECRET_KEY = "tokendesk-tests-only-not-a-secret"  # noqa: S105 - a test server on loopback
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
ROOT_URLCONF = "dotsite.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "dotsite",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [str(Path(__file__).resolve().parent.parent / "templates")],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                       "django.contrib.auth.context_processors.auth"]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": str(DATA / f"db-{PORT}.sqlite3"),
                         "OPTIONS": {"timeout": 20}}}
# fast hashing: the test user's password and the clients' secrets (not a real deployment)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/accounts/login/"
LOGGING = {"version": 1, "disable_existing_loggers": True,
           "root": {"handlers": [], "level": "CRITICAL"}}


def _key() -> str:
    path = DATA / "oidc.pem"
    return path.read_text() if path.exists() else ""


OAUTH2_PROVIDER = {
    "ROTATE_REFRESH_TOKEN": os.environ.get("DOT_ROTATE", "1") == "1",
    "REFRESH_TOKEN_REUSE_PROTECTION": os.environ.get("DOT_REUSE", "1") == "1",
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "OIDC_ENABLED": OIDC,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": _key() if OIDC else "",
    "PKCE_REQUIRED": True,
    "SCOPES": {"read": "Read", "write": "Write", "introspection": "Introspect",
               **({"openid": "OpenID Connect"} if OIDC else {})},
    "DEFAULT_SCOPES": ["read"],
    "OAUTH_DEVICE_VERIFICATION_URI": f"http://127.0.0.1:{PORT}/o/device/",
    "DEVICE_FLOW_INTERVAL": 1,
}
