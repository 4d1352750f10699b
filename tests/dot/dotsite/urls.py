"""DOT under /o (the issuer is http://127.0.0.1:PORT/o); its RFC 8414 document also at the root,
path-inserted (/.well-known/oauth-authorization-server/o) as RFC 8414 §3.1 says; a login page
for the 'browser' of the tests; a test-only route that mints a refresh token."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from oauth2_provider.urls import metadata_urlpatterns

from . import views

urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("", include((metadata_urlpatterns, "oauth2_provider_root"))),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("test/mint", views.mint),
    path("test/count", views.count),
]
