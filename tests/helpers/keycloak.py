"""Keycloak on 127.0.0.1: the tests' third provider and the one real admin API the support
console can be tested against (DESIGN.md "Real components in tests").

``scripts/setup.sh`` puts the pinned server distribution (``tests/keycloak/VERSION``, the
``org.keycloak:keycloak-quarkus-dist`` zip from Maven Central) into a cache folder, unpacked
once. :class:`Keycloak` runs it in dev mode (``kc.sh start-dev``) once per test session, from a
home of its own in a temporary folder: ``bin`` and ``conf`` are copied, the libraries and themes
are linked, and everything Keycloak writes (its H2 database and transaction log under ``data/``,
its build under ``lib/quarkus``) stays in that folder, so runs never share state. The bootstrap
admin comes from the environment with a random password (never on a command line).

Dev mode builds the server for its options on the first start (about 8-20 s on two cores); that
build is kept in the cache (``dev-build-VERSION``) and copied into the next runs' homes, so
only the first run after an install pays for it.

:func:`skip_reason` says why Keycloak cannot run here: no Java 21 or later (Keycloak 26 needs
it; setup never downloads one) or no distribution (run ``scripts/setup.sh``). Nothing else
skips: a Keycloak that does not start is an error.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.helpers.oidc_provider import free_port

VERSION = (Path(__file__).resolve().parent.parent / "keycloak" / "VERSION").read_text().strip()
JVM_DIRS = Path("/usr/lib/jvm")
#: What ``start-dev`` is given; a change here makes the next start rebuild (and re-cache) it.
BUILD_OPTIONS: tuple[str, ...] = ()
START_TIMEOUT = 300.0
_REBUILT = "Updating the configuration"


def cache_dir() -> Path:
    """Where setup puts the distribution: ``TOKENDESK_KEYCLOAK_CACHE``, else
    ``tokendesk/keycloak`` in ``XDG_CACHE_HOME`` or the account's ``~/.cache`` (its home from
    the password database, as setup.sh reads it: the keyring fixture moves ``HOME``)."""
    given = os.environ.get("TOKENDESK_KEYCLOAK_CACHE")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path(pwd.getpwuid(os.getuid()).pw_dir)
                                                     / ".cache")
    return Path(base) / "tokendesk" / "keycloak"


def distribution() -> Path | None:
    home = cache_dir() / f"keycloak-{VERSION}"
    return home if (home / "bin" / "kc.sh").is_file() and (home / "lib").is_dir() else None


def java_major(jdk: Path) -> int | None:
    """A JDK's major version, from its ``release`` file."""
    try:
        text = (jdk / "release").read_text(errors="replace")
    except OSError:
        return None
    found = re.search(r'^JAVA_VERSION="(\d+)', text, re.M)
    return int(found.group(1)) if found else None


def find_java(minimum: int = 21) -> Path | None:
    """A JDK home with Java ``minimum`` or later: ``JAVA_HOME`` if it is one, else the newest
    under /usr/lib/jvm."""
    candidates: list[Path] = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]))
    if JVM_DIRS.is_dir():
        found = sorted(JVM_DIRS.iterdir(), key=lambda p: java_major(p) or 0, reverse=True)
        candidates.extend(found)
    for jdk in candidates:
        major = java_major(jdk)
        if major is not None and major >= minimum and (jdk / "bin" / "java").is_file():
            return jdk
    return None


def skip_reason() -> str | None:
    """Why Keycloak cannot run on this machine, or None when it can."""
    if find_java() is None:
        return (f"Keycloak {VERSION} needs Java 21 or later: none in JAVA_HOME or under "
                f"{JVM_DIRS} (install a JDK 21+; setup does not download one)")
    if distribution() is None:
        return (f"the Keycloak {VERSION} distribution is not in {cache_dir()}: run "
                "scripts/setup.sh (it fetches it from Maven Central with mvn)")
    return None


class KeycloakServer:
    """One ``kc.sh start-dev`` process on a free loopback port, with its own home."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="tokendesk-keycloak-"))
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.admin_user = "admin"
        self.admin_password = secrets.token_urlsafe(18)
        self.startup_seconds = 0.0
        self.rebuilt = False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.root / "keycloak.log"

    def start(self) -> KeycloakServer:
        dist, java = distribution(), find_java()
        if dist is None or java is None:
            raise RuntimeError(skip_reason() or "Keycloak cannot run here")
        started = time.perf_counter()
        home = self._home(dist)
        self.port = free_port()
        env = {**os.environ, "JAVA_HOME": str(java), "JAVA": str(java / "bin" / "java"),
               "KC_BOOTSTRAP_ADMIN_USERNAME": self.admin_user,
               "KC_BOOTSTRAP_ADMIN_PASSWORD": self.admin_password,
               # a test server: a modest heap instead of a share of the machine's memory
               "JAVA_OPTS_KC_HEAP": "-Xms128m -Xmx1g"}
        env.pop("KC_DB_URL", None)
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [str(home / "bin" / "kc.sh"), "start-dev", "--http-host=127.0.0.1",
                 f"--http-port={self.port}", *BUILD_OPTIONS],
                cwd=home, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent)
        self._wait_ready()
        self.startup_seconds = time.perf_counter() - started
        self.rebuilt = _REBUILT in self.log.read_text(errors="replace")
        if self.rebuilt:
            self._keep_build(home)
        return self

    def _home(self, dist: Path) -> Path:
        """A home of this run's own: copies of bin/ and conf/ (kc.sh finds its home from its
        own path), links to the read-only libraries and themes, and a build to start from."""
        home = self.root / "home"
        (home / "lib").mkdir(parents=True)
        for name in ("bin", "conf"):
            shutil.copytree(dist / name, home / name)
        for name in ("themes", "providers"):
            if (dist / name).exists():
                (home / name).symlink_to(dist / name)
        for name in ("app", "lib"):
            (home / "lib" / name).symlink_to(dist / "lib" / name)
        shutil.copy2(dist / "lib" / "quarkus-run.jar", home / "lib" / "quarkus-run.jar")
        try:  # the cached dev build; another run may be replacing it right now
            if not (_build_cache() / "quarkus-application.dat").is_file():
                raise FileNotFoundError
            shutil.copytree(_build_cache(), home / "lib" / "quarkus")
        except OSError:  # the distribution's own: Keycloak builds it for dev mode first
            shutil.rmtree(home / "lib" / "quarkus", ignore_errors=True)
            shutil.copytree(dist / "lib" / "quarkus", home / "lib" / "quarkus")
        return home

    def _keep_build(self, home: Path) -> None:
        """Keep this run's dev-mode build for the next runs (a rename: never half-written)."""
        target = _build_cache()
        staging = Path(tempfile.mkdtemp(prefix=".dev-build-", dir=target.parent))
        try:
            shutil.copytree(home / "lib" / "quarkus", staging / "new")
            if target.exists():  # a build Keycloak did not take (older options): moved away
                os.replace(target, staging / "old")
            os.replace(staging / "new", target)
        except OSError:
            pass  # another run kept its build first: theirs is as good
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + START_TIMEOUT
        url = f"{self.base}/realms/master/.well-known/openid-configuration"
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Keycloak exited ({self.proc.returncode}) while starting: "
                                   f"{self._log_tail()}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Keycloak did not start in {START_TIMEOUT:.0f} s: "
                                   f"{self._log_tail()}")
            time.sleep(0.25)

    def _log_tail(self) -> str:
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-8:])

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # kc.sh and its java: the whole group
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)


def _die_with_parent() -> None:
    """In the child, before kc.sh runs: a SIGTERM when the test process dies, however it dies
    (kc.sh passes it on to its java), so a killed test run leaves no Keycloak behind."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _build_cache() -> Path:
    return cache_dir() / f"dev-build-{VERSION}"


class Admin:
    """The admin REST API as the bootstrap admin (master realm, ``admin-cli``); its token lives
    a minute, so it is fetched again when it is about to expire."""

    def __init__(self, server: KeycloakServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=f"{server.base}/admin/realms", timeout=60)
        self._token = ""
        self._until = 0.0

    def _headers(self) -> dict[str, str]:
        if time.monotonic() >= self._until:
            answer = httpx.post(
                f"{self.server.base}/realms/master/protocol/openid-connect/token",
                data={"grant_type": "password", "client_id": "admin-cli",
                      "username": self.server.admin_user,
                      "password": self.server.admin_password}, timeout=30)
            answer.raise_for_status()
            body = answer.json()
            self._token = str(body["access_token"])
            self._until = time.monotonic() + float(body.get("expires_in", 60)) - 15
        return {"Authorization": f"Bearer {self._token}"}

    def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        response = self.http.request(method, path, headers=self._headers(), **options)
        if response.status_code >= 400:
            raise AssertionError(f"Keycloak admin {method} {path}: HTTP "
                                 f"{response.status_code} {response.text[:300]}")
        return response

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params).json()

    def post(self, path: str, body: Any = None) -> httpx.Response:
        return self.request("POST", path, json=body)

    def put(self, path: str, body: Any) -> httpx.Response:
        return self.request("PUT", path, json=body)

    def delete(self, path: str, **params: Any) -> httpx.Response:
        return self.request("DELETE", path, params=params)

    def close(self) -> None:
        self.http.close()


class Keycloak:
    """The tests' Keycloak: a started server, its admin API, and the realms of
    :mod:`tests.helpers.keycloak_realms` (``rotate``, ``norotate``, ``support``)."""

    def __init__(self) -> None:
        self.server = KeycloakServer()
        self.admin: Admin | None = None
        self.configure_seconds = 0.0

    def start(self) -> Keycloak:
        from tests.helpers.keycloak_realms import REALMS, realm_representation

        try:
            self.server.start()
            started = time.perf_counter()
            self.admin = Admin(self.server)
            for name, rotation in REALMS.items():
                self.admin.post("", realm_representation(name, rotation))
            self.configure_seconds = time.perf_counter() - started
        except BaseException:
            self.stop()  # nothing left behind: the process group and its folder
            raise
        return self

    def stop(self) -> None:
        if self.admin is not None:
            self.admin.close()
        self.server.stop()

    @property
    def api(self) -> Admin:
        assert self.admin is not None, "Keycloak is not started"
        return self.admin

    @property
    def startup_seconds(self) -> float:
        return self.server.startup_seconds

    @property
    def base(self) -> str:
        return self.server.base

    def issuer(self, realm: str) -> str:
        return f"{self.base}/realms/{realm}"

    def endpoint(self, realm: str, name: str = "token") -> str:
        return f"{self.issuer(realm)}/protocol/openid-connect/{name}"

    # -- tokens, as an app would get them ---------------------------------------------------
    def token(self, realm: str, client_id: str, **form: str) -> dict[str, Any]:
        """A token request by ``client_id`` (its secret from the realm's clients); the answer,
        an error included."""
        from tests.helpers.keycloak_realms import CLIENTS

        secret = CLIENTS[client_id][0]
        auth = (client_id, secret) if secret else None
        data = {**form, **({} if secret else {"client_id": client_id})}
        body: dict[str, Any] = httpx.post(self.endpoint(realm), data=data, auth=auth,
                                          timeout=30).json()
        return body

    def tokens(self, realm: str, client_id: str = "td-confidential", user: str = "alice",
               scope: str = "openid") -> dict[str, Any]:
        """A fresh sign-in of ``user`` (a new Keycloak session), without a browser (the
        client's direct grant)."""
        from tests.helpers.keycloak_realms import PASSWORD

        answer = self.token(realm, client_id, grant_type="password", username=user,
                            password=PASSWORD, scope=scope)
        if "refresh_token" not in answer:
            raise AssertionError(f"Keycloak gave {user} no refresh token: "
                                 f"{answer.get('error')}: {answer.get('error_description')}")
        return answer

    def mint(self, realm: str, client_id: str = "td-confidential", user: str = "alice",
             scope: str = "openid") -> str:
        return str(self.tokens(realm, client_id, user, scope)["refresh_token"])

    def refresh_refused(self, realm: str, client_id: str, refresh_token: str) -> bool:
        """Whether Keycloak refuses this refresh token now (``invalid_grant``)."""
        answer = self.token(realm, client_id, grant_type="refresh_token",
                            refresh_token=refresh_token)
        return answer.get("error") == "invalid_grant"

    # -- the admin API, to set up and to check what the console did ---------------------------
    def user_id(self, realm: str, username: str) -> str:
        found = self.api.get(f"/{realm}/users", username=username, exact="true")
        return str(found[0]["id"])

    def new_user(self, realm: str, username: str, first: str = "Test", last: str = "Person"
                 ) -> str:
        from tests.helpers.keycloak_realms import user

        response = self.api.post(f"/{realm}/users", user(username, realm, first, last))
        return response.headers["location"].rsplit("/", 1)[1]

    def bulk_users(self, realm: str, prefix: str, count: int) -> None:
        """``count`` users in one partial import (no passwords: nothing to hash)."""
        from tests.helpers.keycloak_realms import user

        users = [user(f"{prefix}-{i:04d}", realm, "Bulk", f"Person {i}", password=False)
                 for i in range(count)]
        result = self.api.post(f"/{realm}/partialImport",
                               {"ifResourceExists": "SKIP", "users": users}).json()
        assert result.get("added", 0) + result.get("skipped", 0) == count, result

    def client_uuid(self, realm: str, client_id: str) -> str:
        return str(self.api.get(f"/{realm}/clients", clientId=client_id)[0]["id"])

    def sessions(self, realm: str, user_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.api.get(f"/{realm}/users/{user_id}/sessions")
        return found

    def offline_sessions(self, realm: str, user_id: str, client_id: str
                         ) -> list[dict[str, Any]]:
        uuid = self.client_uuid(realm, client_id)
        found: list[dict[str, Any]] = self.api.get(
            f"/{realm}/users/{user_id}/offline-sessions/{uuid}")
        return found

    def consents(self, realm: str, user_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.api.get(f"/{realm}/users/{user_id}/consents")
        return found

    def set_service_roles(self, realm: str, client_id: str, roles: list[str]) -> None:
        """Give the client's service account exactly these ``realm-management`` roles."""
        account = self.api.get(f"/{realm}/clients/{self.client_uuid(realm, client_id)}"
                               "/service-account-user")
        management = self.client_uuid(realm, "realm-management")
        path = f"/{realm}/users/{account['id']}/role-mappings/clients/{management}"
        current = self.api.get(path)
        if current:
            self.api.request("DELETE", path, json=current)
        wanted = [r for r in self.api.get(f"/{realm}/clients/{management}/roles")
                  if r["name"] in roles]
        if wanted:
            self.api.post(path, wanted)
