"""The vault: clients and credentials, with their secrets in a :class:`SecretStore`.

Service names: ``tokendesk/credential/<uid>`` and ``tokendesk/client/<uid>``, one per record.
A credential's tokens sit in a *slot* (``refresh_token@<slot>``): one secret holding the refresh
token with the access and ID tokens that came with it, so a refresh costs one keyring write, not
two. A slot is never written over (DESIGN.md "Storage", SECURITY.md 19 and 29):

0. name the new slot in the index as *pending*;
1. write the new tokens to it;
2. read it back and compare;
3. switch the index to the new slot in one transaction (the old slot is remembered as stale);
4. delete the old slot, then forget it (for an exchange, on a background thread: the answer does
   not wait for it, and the next rotation of the same credential waits for it first).

A crash before 1 leaves the index on the old, intact slot. A crash between 1 and 3 leaves the
server's new token in the pending slot: the next time the vault opens it is read, checked and
switched to (the server has already retired the old token, so the new one is the one to keep);
after 3 the index is on the new, verified slot; a stale slot left by a crash between 3 and 4 is
deleted the next time the vault opens.

Slots written before this layout hold the bare refresh token, with the access and ID tokens in a
separate ``session`` secret; both are still read.

At most one refresh per credential runs at a time: :meth:`Vault.refresh_lock` is a lock per
credential inside the process and an advisory file lock across processes.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import secrets as _random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import VaultCorrupt, VaultError
from .bindings import DPOP_KEY, TLS_CLIENT
from .deleter import SlotDeleter
from .index import Index
from .locking import file_lock
from .model import AUTH_METHODS, Client, Credential, Status, fingerprint
from .secrets import SecretStore
from .tokenset import (
    _SLOT,
    ACCESS_TOKEN,
    ID_TOKEN,
    REFRESH_TOKEN,
    SESSION,
    TokenSet,
    _slot_doc,
    pack_slot,
    token_metadata,
    unpack_slot,
)

__all__ = ["TokenSet", "Vault", "token_metadata"]

CLIENT_SECRET, PRIVATE_KEY = "client_secret", "private_key"
#: Secrets of the older layouts, beside a bare refresh token: one session secret (schema 2-3),
#: or one per token (schema 1). Read while a slot of that layout is current; deleted after.
_LEGACY_KEYS = (SESSION, ACCESS_TOKEN, ID_TOKEN)


def _refresh_key(slot: str) -> str:
    return f"refresh_token@{slot}"


def _new_slot() -> str:
    return _random.token_hex(6)


class Vault:
    def __init__(self, home: Path, store: SecretStore, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.home = home
        self.store = store
        self.clock = clock
        self.index = Index(home / "vault.sqlite3")
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        #: The tokens of each credential's current slot, read once (uid -> (slot, tokens)).
        #: A slot is never written over, so a cached slot stays true; another process's
        #: rotation changes the index's slot, and the next read goes to the store.
        self._slots: dict[str, tuple[str, dict[str, str]]] = {}
        #: Credentials whose current slot has the older layout (a separate session secret).
        self._legacy: set[str] = set()
        #: Old slots deleted by a background worker, off the answer's path.
        self._deleter = SlotDeleter()
        self.actor = _actor()
        self.recover_pending_slots()
        self.collect_stale_slots()

    def close(self) -> None:
        self._deleter.close()
        self._slots.clear()
        self.index.close()
        close_store = getattr(self.store, "close", None)
        if callable(close_store):
            close_store()

    # -- clients ------------------------------------------------------------------------------
    def add_client(self, client: Client, secret: str | None = None,
                   private_key: str | None = None) -> Client:
        if client.auth_method not in AUTH_METHODS:
            raise VaultError(f"unknown client authentication {client.auth_method!r} "
                             f"(one of {', '.join(AUTH_METHODS)})")
        if not client.name.strip() or not client.issuer.strip() or not client.client_id.strip():
            raise VaultError("a client needs a name, an issuer and a client_id")
        uid = _random.token_hex(8)
        stored = Client(**{**client.__dict__, "uid": uid, "created_at": self.clock(),
                           "has_secret": bool(secret or private_key)})
        service = f"tokendesk/client/{uid}"
        if secret:
            self.store.set(service, CLIENT_SECRET, secret)
        if private_key:
            self.store.set(service, PRIVATE_KEY, private_key)
        try:
            self.index.add_client(stored)
        except VaultError:
            self.store.delete(service, CLIENT_SECRET)
            self.store.delete(service, PRIVATE_KEY)
            raise
        self.index.audit("client added", client.name,
                         f"issuer {client.issuer}, client_id {client.client_id}, "
                         f"{client.auth_method}", self.actor)
        return stored

    def client(self, name: str) -> Client:
        found = self.index.client(name)
        if found is None:
            raise VaultError(f"no client named {name!r}")
        return found

    def clients(self) -> list[Client]:
        return self.index.clients()

    def update_client(self, client: Client, secret: str | None = None) -> Client:
        """Change a client's settings (its name stays); a new ``secret`` replaces the old."""
        old = self.client(client.name)
        if client.auth_method not in AUTH_METHODS:
            raise VaultError(f"unknown client authentication {client.auth_method!r}")
        if secret:
            self.store.set(f"tokendesk/client/{old.uid}", CLIENT_SECRET, secret)
        updated = Client(**{**client.__dict__, "uid": old.uid, "created_at": old.created_at,
                            "has_secret": old.has_secret or bool(secret),
                            "clock_skew": old.clock_skew,  # measured, not set by hand
                            "secret_rev": _random.token_hex(4) if secret else old.secret_rev})
        self.index.update_client(updated)
        self.index.audit("client changed", client.name,
                         "new secret" if secret else "settings", self.actor)
        return updated

    def client_secret(self, name: str) -> str | None:
        return self.store.get(f"tokendesk/client/{self.client(name).uid}", CLIENT_SECRET)

    def client_private_key(self, name: str) -> str | None:
        return self.store.get(f"tokendesk/client/{self.client(name).uid}", PRIVATE_KEY)

    def remove_client(self, name: str) -> None:
        client = self.client(name)
        if self.index.credentials(client=name):
            raise VaultError(f"the client {name!r} still has credentials: remove them first")
        service = f"tokendesk/client/{client.uid}"
        for key in (CLIENT_SECRET, PRIVATE_KEY, DPOP_KEY, TLS_CLIENT):  # (DPoP, mTLS: issue 18)
            self.store.delete(service, key)
        self.index.remove_client(name)
        self.index.audit("client deleted", name, "", self.actor)

    # -- credentials --------------------------------------------------------------------------
    def add_credential(self, name: str, client: str, tokens: TokenSet, *,
                       notes: str = "") -> Credential:
        if not name.strip():
            raise VaultError("a credential needs a name")
        if not tokens.refresh_token:
            raise VaultError("no refresh token given (paste one, or a token response with one)")
        client_uid = self.client(client).uid
        if self.index.credential(name) is not None:
            raise VaultError(f"a credential named {name!r} already exists")
        uid, slot = _random.token_hex(8), _new_slot()
        service = f"tokendesk/credential/{uid}"
        doc = _slot_doc(tokens.refresh_token, tokens.access_token, tokens.id_token)
        self._write_slot(service, slot, doc, lambda _s: None)
        self._slots[uid] = (slot, doc)
        now = self.clock()
        fields = self._expiry_fields(tokens, now)
        cred = Credential(name=name, client=client, uid=uid, status=Status.ACTIVE,
                          created_at=now, notes=notes, slot=slot,
                          refresh_fp=fingerprint(tokens.refresh_token),
                          access_fp=fingerprint(tokens.access_token),
                          id_fp=fingerprint(tokens.id_token),
                          has_access_token=bool(tokens.access_token),
                          has_id_token=bool(tokens.id_token), **fields)
        self.index.add_credential(cred, client_uid)
        self.index.audit("added", name, f"client {client}, refresh {cred.refresh_fp}", self.actor)
        found = self.index.credential(name)
        assert found is not None
        return found

    def _expiry_fields(self, tokens: TokenSet, now: float) -> dict[str, Any]:
        access, ident, refresh = (token_metadata(tokens.access_token),
                                  token_metadata(tokens.id_token),
                                  token_metadata(tokens.refresh_token))
        fields: dict[str, Any] = {}
        if tokens.access_token:
            fields["access_expires_at"] = access.get("exp") or (
                now + tokens.expires_in if tokens.expires_in is not None else None)
        if tokens.id_token:
            fields["id_expires_at"] = ident.get("exp")
        if "exp" in refresh:
            fields["refresh_expires_at"] = refresh["exp"]
            fields["refresh_expiry_kind"] = "absolute (the refresh token's exp)"
        elif tokens.refresh_expires_in is not None:
            fields["refresh_expires_at"] = now + tokens.refresh_expires_in
            fields["refresh_expiry_kind"] = "as the server said (refresh_expires_in)"
        subject = ident.get("sub") or access.get("sub")
        if subject:
            fields["subject"] = subject
        scope = tokens.scope or access.get("scope")
        if scope:
            fields["scope"] = scope
        return fields

    def credential(self, name: str) -> Credential:
        found = self.index.credential(name)
        if found is None:
            raise VaultError(f"no credential named {name!r}")
        return found

    def credentials(self, search: str = "", **filters: Any) -> list[Credential]:
        return self.index.credentials(search, **filters)

    def refresh_token(self, name: str) -> str:
        return self.tokens(name)[REFRESH_TOKEN]

    def token(self, name: str, kind: str) -> str | None:
        """The stored access or ID token (``kind`` is ``access_token`` or ``id_token``)."""
        if kind not in (ACCESS_TOKEN, ID_TOKEN):
            raise VaultError(f"unknown token kind {kind!r}")
        return self.tokens(name).get(kind)

    def tokens(self, name: str) -> dict[str, str]:
        """Every token stored for ``name`` (refresh, and access and ID when stored), in one
        read of the secret store at most."""
        return dict(self._slot_tokens(self.credential(name)))

    def _slot_tokens(self, cred: Credential) -> dict[str, str]:
        cached = self._slots.get(cred.uid)
        if cached is not None and cached[0] == cred.slot and not getattr(self.store, "locked",
                                                                           False):
            return cached[1]  # (a locked file store serves nothing, not even from memory)
        service = f"tokendesk/credential/{cred.uid}"
        value = self.store.get(service, _refresh_key(cred.slot))
        if value is None:
            raise VaultCorrupt(f"the refresh token of {cred.name!r} is missing from "
                               f"{self.store.description}")
        tokens = unpack_slot(value)
        if not value.startswith(_SLOT):  # the older layout: access and ID tokens apart
            tokens = {**self._legacy_session(service), **tokens}
            self._legacy.add(cred.uid)
        else:
            self._legacy.discard(cred.uid)
        self._slots[cred.uid] = (cred.slot, tokens)
        return tokens

    def _legacy_session(self, service: str) -> dict[str, str]:
        """The access and ID tokens of the older layouts: one ``session`` secret (schema 2 and
        3), or before it (schema 1) one secret each, named ``access_token`` and ``id_token``."""
        raw = self.store.get(service, SESSION)
        if not raw:
            found = {kind: self.store.get(service, kind) for kind in (ACCESS_TOKEN, ID_TOKEN)}
            return {k: v for k, v in found.items() if v}
        try:
            doc = json.loads(raw)
        except ValueError:
            raise VaultCorrupt("the stored access and ID tokens are damaged") from None
        if not isinstance(doc, dict):
            return {}
        return {k: v for k, v in doc.items()
                if k in (ACCESS_TOKEN, ID_TOKEN) and isinstance(v, str) and v}

    def set_status(self, name: str, status: Status, detail: str = "") -> None:
        self.credential(name)
        self.index.update_credential(name, status=status)
        self.index.audit(f"status {status}", name, detail, self.actor)

    def set_auto_refresh(self, name: str, before: float | None) -> None:
        """Refresh ``name`` automatically ``before`` seconds ahead of its access token's expiry
        (``None`` turns it off)."""
        if before is not None and not 0 < before <= 86_400:
            raise VaultError("auto-refresh needs a time between 1 second and 1 day before expiry")
        self.credential(name)
        self.index.update_credential(name, auto_refresh=before)
        self.index.audit("auto-refresh", name, f"{before:g} s before expiry" if before
                         else "off", self.actor)

    def set_client_skew(self, client: str, skew: float) -> None:
        self.index.set_client_skew(client, skew)

    def set_notes(self, name: str, notes: str) -> None:
        self.credential(name)
        self.index.update_credential(name, notes=notes)

    def begin_rotation(self, name: str) -> str:
        """Before a refresh is sent: name the slot its answer will go to, as pending. A crash
        before the answer is stored leaves the mark, and the vault's next opening says that a
        refresh was interrupted (the server may have retired the token) instead of nothing."""
        slot = _new_slot()
        self.index.set_pending_slot(name, slot)
        return slot

    def abandon_rotation(self, name: str) -> None:
        """The refresh begun with :meth:`begin_rotation` ended without an answer to store."""
        self.index.set_pending_slot(name, None)

    def store_tokens(self, name: str, tokens: TokenSet, *,
                     on_step: Callable[[str], None] | None = None,
                     defer_delete: bool = False, slot: str | None = None) -> bool:
        """Store the result of a refresh. A new refresh token goes through the rotation protocol
        with the access and ID tokens beside it; an absent or unchanged one keeps the old
        (SECURITY.md 19–20). Returns whether the refresh token rotated.

        ``defer_delete``: delete the old slot on a background thread (an exchange's answer does
        not wait for it; :meth:`finish_pending` and the next rotation wait for it). ``slot``:
        the one :meth:`begin_rotation` named."""
        cred = self.credential(name)
        current = self._slot_tokens(cred)
        old_refresh = current[REFRESH_TOKEN]
        new_refresh = tokens.refresh_token or old_refresh
        rotated = new_refresh != old_refresh
        doc = _slot_doc(new_refresh, tokens.access_token or current.get(ACCESS_TOKEN),
                        tokens.id_token or current.get(ID_TOKEN))
        now = self.clock()
        fields = self._expiry_fields(tokens, tokens.server_time or now)
        if not tokens.refresh_token:
            fields.pop("refresh_expires_at", None)
            fields.pop("refresh_expiry_kind", None)
        fields.update(last_refreshed_at=now, status=Status.ACTIVE)
        if tokens.access_token:
            fields.update(access_fp=fingerprint(tokens.access_token), has_access_token=True)
        if tokens.id_token:
            fields.update(id_fp=fingerprint(tokens.id_token), has_id_token=True)
        new_fp = fingerprint(new_refresh)
        audit = (("rotated", f"refresh {cred.refresh_fp} -> {new_fp}", self.actor) if rotated
                 else ("refreshed", f"refresh token kept ({new_fp})", self.actor))
        if doc == current:  # nothing new to keep: the index alone changes
            if slot is not None:
                fields["pending_slot"] = None
            self.index.update_credential(name, **fields)
            self.index.audit(*audit[:2], self.actor)
            return False
        self._switch(cred, doc, rotated, fields, audit, on_step or (lambda _s: None),
                     defer_delete, slot)
        return rotated

    def restore_tokens(self, name: str, before: Credential, tokens: dict[str, str],
                       detail: str) -> None:
        """Put back the access and ID tokens of before a refresh (``before`` and its
        ``tokens``) whose answer failed a check, keeping the refresh token that answer brought:
        the server has already retired the old one."""
        cred = self.credential(name)
        current = self._slot_tokens(cred)
        doc = _slot_doc(current[REFRESH_TOKEN], tokens.get(ACCESS_TOKEN), tokens.get(ID_TOKEN))
        fields: dict[str, Any] = {
            "access_fp": before.access_fp, "id_fp": before.id_fp,
            "has_access_token": before.has_access_token, "has_id_token": before.has_id_token,
            "access_expires_at": before.access_expires_at,
            "id_expires_at": before.id_expires_at}
        if doc == current:
            self.index.update_credential(name, **fields)
            return
        self._switch(cred, doc, False, fields, ("tokens put back", detail, self.actor),
                     lambda _s: None, defer_delete=True)

    def _write_slot(self, service: str, slot: str, doc: dict[str, str],
                    on_step: Callable[[str], None]) -> None:
        """Steps 1 and 2: write a new slot and read it back."""
        packed = pack_slot(doc)
        self.store.set(service, _refresh_key(slot), packed)
        on_step("written")
        if self.store.get(service, _refresh_key(slot)) != packed:
            self.store.delete(service, _refresh_key(slot))
            raise VaultCorrupt("the secret store did not return the tokens just stored: the "
                               "old ones are kept")
        on_step("read back")

    def _switch(self, cred: Credential, doc: dict[str, str], rotation: bool,
                fields: dict[str, Any], audit: tuple[str, str, str],
                on_step: Callable[[str], None], defer_delete: bool,
                slot: str | None = None) -> None:
        service = f"tokendesk/credential/{cred.uid}"
        legacy = cred.uid in self._legacy  # (its slot was read just before: store_tokens)
        self._wait_deleting(cred.uid)
        if slot is None:
            slot = _new_slot()
            self.index.set_pending_slot(cred.name, slot)  # findable if a crash comes next
        try:
            self._write_slot(service, slot, doc, on_step)
        except VaultError:
            self.index.set_pending_slot(cred.name, None)
            raise
        old = self.index.switch_slot(cred.name, slot, fingerprint(doc[REFRESH_TOKEN]),
                                     rotation=rotation, fields=fields, audit=audit)
        self._slots[cred.uid] = (slot, doc)
        self._legacy.discard(cred.uid)
        on_step("switched")

        def delete_old() -> None:
            try:
                # the switch must survive a power loss before the token it replaced is gone
                self.index.make_durable()
                self.store.delete(service, _refresh_key(old))
                if legacy:  # the older layouts' secrets, if any
                    for key in _LEGACY_KEYS:
                        self.store.delete(service, key)
                on_step("deleted")
                self.index.clear_stale_slot(cred.name, old)
            except Exception:  # noqa: BLE001, S110 - never let a background thread raise:
                pass  # the stale slot is recorded and collected when the vault opens next

        if not defer_delete:
            delete_old()
            return
        self._deleter.submit(cred.uid, delete_old)

    def _wait_deleting(self, uid: str) -> None:
        self._deleter.wait(uid)

    def finish_pending(self) -> None:
        """Wait for old slots still being deleted in the background."""
        self._deleter.finish()

    def recover_pending_slots(self) -> int:
        """Finish rotations a crash stopped (see :mod:`tokendesk.core.vault.recovery`)."""
        from .recovery import recover_pending_slots

        return recover_pending_slots(self)

    def collect_stale_slots(self) -> int:
        """Delete refresh-token slots a crash left behind (step 4 of a rotation)."""
        from .recovery import collect_stale_slots

        return collect_stale_slots(self)

    def remember(self, uid: str, slot: str, tokens: dict[str, str]) -> None:
        """Keep ``tokens`` as what the credential's current ``slot`` holds (read once)."""
        self._slots[uid] = (slot, tokens)

    def _readable(self, cred: Credential) -> bool:
        try:
            self._slot_tokens(cred)
        except VaultError:
            return False
        return True

    def remove_credential(self, name: str, *, detail: str = "") -> None:
        """Delete the local copy (whatever a server said about revocation)."""
        cred = self.credential(name)
        service = f"tokendesk/credential/{cred.uid}"
        self._wait_deleting(cred.uid)
        for key in (_refresh_key(cred.slot), *_LEGACY_KEYS, DPOP_KEY):  # (DPoP: issue 18)
            self.store.delete(service, key)
        self._slots.pop(cred.uid, None)
        self.index.remove_credential(name)
        self.index.audit("deleted", name, detail or f"refresh {cred.refresh_fp}", self.actor)

    # -- one refresh at a time per credential (a lock across threads and processes) ---------
    @contextlib.contextmanager
    def refresh_lock(self, name: str, *, timeout: float = 60.0) -> Iterator[None]:
        """Exclusive right to refresh ``name``: other threads wait, other processes too."""
        cred = self.credential(name)
        with self._locks_guard:
            lock = self._locks.setdefault(cred.uid, threading.Lock())
        if not lock.acquire(timeout=timeout):
            raise VaultError(f"another refresh of {name!r} is still running")
        try:
            with _file_lock(self.home / "locks" / f"{cred.uid}.lock", timeout):
                yield
        finally:
            lock.release()

    # -- audit --------------------------------------------------------------------------------
    def audit(self, action: str, target: str, detail: str = "") -> None:
        self.index.audit(action, target, detail, self.actor)


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _file_lock(path: Path, timeout: float) -> contextlib.AbstractContextManager[None]:
    return file_lock(path, timeout, busy="another Tokendesk process is refreshing this credential")
