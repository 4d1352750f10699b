"""What a crash leaves behind in the vault, and how the next opening finishes it.

* A *pending* slot (named before a refresh is sent, SECURITY.md 19 and 29): if it holds tokens,
  the crash came between writing the server's answer and switching to it, so the vault switches
  to it (the server has already retired the old token); if it is empty, the crash came while
  the answer was on the wire, which nothing can recover, and the credential says so.
* A *stale* slot (the old one, switched away from but not yet deleted): deleted.

A rotation still running in another process or thread holds the credential's refresh lock and
is left alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import VaultCorrupt, VaultError, VaultLocked
from .model import Status, fingerprint
from .tokenset import _SLOT, REFRESH_TOKEN, unpack_slot

if TYPE_CHECKING:
    from .vault import Vault

__all__ = ["collect_stale_slots", "recover_pending_slots"]


def _refresh_key(slot: str) -> str:
    return f"refresh_token@{slot}"


def recover_pending_slots(vault: Vault) -> int:
    """Finish the rotations crashes stopped; returns how many were switched to."""
    recovered = 0
    for name, _uid, _slot in vault.index.pending_slots():
        try:
            with vault.refresh_lock(name, timeout=0):
                recovered += _finish(vault, name)
        except VaultLocked:
            return recovered  # a locked store: try again next time
        except VaultError:
            continue  # its rotation is alive elsewhere (or it is gone): not ours to finish
    return recovered


def _finish(vault: Vault, name: str) -> int:
    """Under the credential's refresh lock: finish its stopped rotation, if it still is."""
    pending = [p for p in vault.index.pending_slots() if p[0] == name]
    if not pending:
        return 0  # finished meanwhile
    _name, uid, slot = pending[0]
    service = f"tokendesk/credential/{uid}"
    try:
        value = vault.store.get(service, _refresh_key(slot))
        doc = unpack_slot(value) if value and value.startswith(_SLOT) else None
    except VaultCorrupt:
        doc = None
    if doc is None:
        # a refresh was sent and its process ended before the answer was stored: the server
        # may have retired the token this vault still holds. Say so.
        vault.index.set_pending_slot(name, None)
        vault.index.update_credential(name, status=Status.UNKNOWN)
        vault.index.audit("interrupted", name, "a refresh was interrupted before its answer "
                          "was stored: a rotating server may have retired the stored refresh "
                          "token; if the next refresh is refused, sign in again", vault.actor)
        return 0
    cred = vault.credential(name)
    old_refresh = vault.tokens(name)[REFRESH_TOKEN] if vault._readable(cred) else None
    old = vault.index.switch_slot(
        name, slot, fingerprint(doc[REFRESH_TOKEN]),
        rotation=doc[REFRESH_TOKEN] != old_refresh, fields={"status": Status.ACTIVE},
        audit=("recovered", "a rotation stopped by a crash was finished: the new refresh "
               f"token {fingerprint(doc[REFRESH_TOKEN])} is in use", vault.actor))
    vault.remember(uid, slot, doc)
    try:
        vault.index.make_durable()
        vault.store.delete(service, _refresh_key(old))
        vault.index.clear_stale_slot(name, old)
    except VaultError:
        pass  # collected as a stale slot next time
    return 1


def collect_stale_slots(vault: Vault) -> int:
    """Delete the old slots a crash left between a switch and the deletion."""
    stale = vault.index.stale_slots()
    for name, uid, slot in stale:
        try:
            vault.store.delete(f"tokendesk/credential/{uid}", _refresh_key(slot))
        except VaultError:
            return 0  # locked store: try again next time
        vault.index.clear_stale_slot(name)
    return len(stale)
