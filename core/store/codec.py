"""Models ↔ JSON documents, with secret fields encrypted.

Every Store implementation writes these documents, so the at-rest format (and what is
encrypted) is defined once, here.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from core import jsonfast
from core.models import (
    CardLocation,
    ChannelRef,
    Comment,
    Connection,
    ConnectionStatus,
    OAuthState,
    RecommendationSource,
    Subscription,
    Ticket,
    TicketKind,
)
from core.secrets import SecretBox

__all__ = [
    "ConnectionMemo",
    "card_location_from_doc",
    "card_location_to_doc",
    "channel_from_doc",
    "channel_to_doc",
    "connection_from_doc",
    "connection_to_doc",
    "created_micros",
    "oauth_state_from_doc",
    "oauth_state_to_doc",
    "parse_at",
    "subscription_from_doc",
    "subscription_to_doc",
    "ticket_from_doc",
    "ticket_to_doc",
]

Doc = dict[str, Any]

_CONNECTION_SECRETS = ("client_secret", "access_token", "refresh_token")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Sort key of a ticket without a creation time: before every real one.
NO_DATE_MICROS = -(2**62)


def created_micros(value: datetime | None) -> int:
    """Exact microseconds since the epoch (naive taken as UTC), for newest-first indexes.

    Integers, not float seconds, so ordering matches ``datetime`` ordering exactly.
    """
    if value is None:
        return NO_DATE_MICROS
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // timedelta(microseconds=1)


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def parse_at(value: str) -> datetime:
    """An audit entry's ``at`` (ISO 8601) as an aware datetime (naive is read as UTC)."""
    when = datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def channel_to_doc(ch: ChannelRef | None) -> Doc | None:
    """ChannelRef → dict."""
    if ch is None:
        return None
    return {"workspace": ch.workspace, "channel": ch.channel, "thread": ch.thread}


def channel_from_doc(d: Doc | None) -> ChannelRef | None:
    """dict → ChannelRef."""
    if not d:
        return None
    return ChannelRef(workspace=d["workspace"], channel=d["channel"], thread=d.get("thread"))


def connection_to_doc(
    c: Connection, box: SecretBox, *, seal: Callable[[str, str], str] | None = None
) -> Doc:
    """Connection → dict, secrets encrypted (by ``seal(field, value)`` when given)."""
    doc: Doc = {
        "workspace": c.workspace,
        "instance_url": c.instance_url,
        "client_id": c.client_id,
        "expires_at": _dt(c.expires_at),
        "connected_as": c.connected_as,
        "status": c.status.value,
        "created_at": _dt(c.created_at),
        "last_sync_at": _dt(c.last_sync_at),
        "last_error": c.last_error,
        "warning": c.warning,
    }
    for name in _CONNECTION_SECRETS:
        value: str = getattr(c, name)
        doc[name] = "" if not value else seal(name, value) if seal else box.encrypt(value)
    return doc


def connection_from_doc(
    d: Doc, box: SecretBox, *, unseal: Callable[[str], str] | None = None
) -> Connection:
    """dict → Connection, secrets decrypted (by ``unseal(token)`` when given)."""
    open_ = unseal or box.decrypt
    secrets = {n: (open_(d[n]) if d.get(n) else "") for n in _CONNECTION_SECRETS}
    return Connection(
        workspace=d["workspace"],
        instance_url=d["instance_url"],
        client_id=d["client_id"],
        expires_at=_parse_dt(d.get("expires_at")),
        connected_as=d.get("connected_as", ""),
        status=ConnectionStatus(d.get("status", "active")),
        created_at=_parse_dt(d.get("created_at")),
        last_sync_at=_parse_dt(d.get("last_sync_at")),
        last_error=d.get("last_error"),
        warning=d.get("warning"),
        **secrets,
    )


class ConnectionMemo:
    """Stored connection text → the Connection it decrypts to, and the other way. Every
    poll turn reads its connection, and decrypting its three secrets cost more than the
    read itself; a row that did not change is the same text, decrypted once. A connection
    saved again with the same secrets (its last sync noted, say) keeps their ciphertexts,
    and a ciphertext read again is not decrypted again. Bounded; kept per store."""

    def __init__(self, box: SecretBox, size: int = 20_000) -> None:
        self._box = box
        self._size = size
        self._known: dict[str, Connection] = {}
        #: (workspace, field) → (secret, its ciphertext as this process wrote it).
        self._sealed: dict[tuple[str, str], tuple[str, str]] = {}
        #: ciphertext → secret.
        self._opened: dict[str, str] = {}

    def load(self, raw: str) -> Connection:
        """The connection stored as ``raw`` (the codec's JSON text)."""
        found = self._known.get(raw)
        if found is None:
            found = connection_from_doc(jsonfast.loads(raw), self._box, unseal=self._unseal)
            _bounded(self._known, self._size)[raw] = found
        return found

    def dump(self, c: Connection) -> Doc:
        """``connection_to_doc``, reusing the ciphertext of a secret that did not change
        (compared in constant time). Only this process's own ciphertexts are reused, so a
        key rotation still re-encrypts what is saved after it."""

        def seal(name: str, value: str) -> str:
            kept = self._sealed.get((c.workspace, name))
            if kept is not None and hmac.compare_digest(kept[0].encode(), value.encode()):
                return kept[1]
            token = self._box.encrypt(value)
            _bounded(self._sealed, self._size)[(c.workspace, name)] = (value, token)
            _bounded(self._opened, self._size)[token] = value
            return token

        return connection_to_doc(c, self._box, seal=seal)

    def _unseal(self, token: str) -> str:
        value = self._opened.get(token)
        if value is None:
            value = self._box.decrypt(token)
            _bounded(self._opened, self._size)[token] = value
        return value


def _bounded[K, V](memo: dict[K, V], size: int) -> dict[K, V]:
    if len(memo) >= size:
        memo.clear()
    return memo


def oauth_state_to_doc(s: OAuthState) -> Doc:
    """OAuthState → dict (the store encrypts single-use values whole)."""
    return {
        "state": s.state,
        "workspace": s.workspace,
        "instance_url": s.instance_url,
        "client_id": s.client_id,
        "client_secret": s.client_secret,
        "code_verifier": s.code_verifier,
        "redirect_uri": s.redirect_uri,
        "requested_by": s.requested_by,
        "created_at": _dt(s.created_at),
        "origin": channel_to_doc(s.origin),
        "requested_by_email": s.requested_by_email,
        "purpose": s.purpose,
        "locale": s.locale,
    }


def oauth_state_from_doc(d: Doc) -> OAuthState:
    """dict → OAuthState."""
    created = _parse_dt(d["created_at"])
    assert created is not None
    return OAuthState(
        state=d["state"],
        workspace=d["workspace"],
        instance_url=d["instance_url"],
        client_id=d["client_id"],
        client_secret=d["client_secret"],
        code_verifier=d["code_verifier"],
        redirect_uri=d["redirect_uri"],
        requested_by=d["requested_by"],
        created_at=created,
        origin=channel_from_doc(d.get("origin")),
        requested_by_email=d.get("requested_by_email"),
        purpose=str(d.get("purpose") or "connect"),
        locale=str(d.get("locale") or ""),
    )


def ticket_to_doc(t: Ticket) -> Doc:
    """Ticket → dict."""
    return {
        "workspace": t.workspace,
        "kind": t.kind.value,
        "sys_id": t.sys_id,
        "number": t.number,
        "title": t.title,
        "state": t.state,
        "priority": t.priority,
        "url": t.url,
        "correlation_id": t.correlation_id,
        "mod_count": t.mod_count,
        "due": _dt(t.due),
        "updated_at": _dt(t.updated_at),
        "created_at": _dt(t.created_at),
        "recommendation_id": t.recommendation_id,
        "category": t.category,
        "source": t.source.value,
        "requested_by": t.requested_by,
        "origin": channel_to_doc(t.origin),
        "active": t.active,
        "history": [_comment_doc(c) for c in t.history],
    }


def _comment_doc(c: Comment) -> Doc:
    return {"id": c.id, "on": c.ticket_sys_id, "text": c.text, "by": c.author, "at": _dt(c.at)}


def _comment(d: Doc) -> Comment:
    return Comment(
        id=str(d.get("id", "")),
        ticket_sys_id=str(d.get("on", "")),
        text=str(d.get("text", "")),
        author=str(d.get("by", "")),
        at=_parse_dt(d.get("at")),
    )


def ticket_from_doc(d: Doc) -> Ticket:
    """dict → Ticket."""
    return Ticket(
        workspace=d["workspace"],
        kind=TicketKind(d["kind"]),
        sys_id=d["sys_id"],
        number=d["number"],
        title=d["title"],
        state=d["state"],
        priority=int(d["priority"]),
        url=d["url"],
        correlation_id=d["correlation_id"],
        mod_count=int(d.get("mod_count", 0)),
        due=_parse_dt(d.get("due")),
        updated_at=_parse_dt(d.get("updated_at")),
        created_at=_parse_dt(d.get("created_at")),
        recommendation_id=d.get("recommendation_id"),
        category=d.get("category"),
        source=RecommendationSource(d.get("source", "User")),
        requested_by=d.get("requested_by", ""),
        origin=channel_from_doc(d.get("origin")),
        active=bool(d.get("active", True)),
        history=tuple(_comment(c) for c in d.get("history") or ()),
    )


def card_location_to_doc(loc: CardLocation) -> Doc:
    """CardLocation → dict."""
    return {"channel": channel_to_doc(loc.channel), "message_id": loc.message_id}


def card_location_from_doc(d: Doc) -> CardLocation:
    """dict → CardLocation."""
    ch = channel_from_doc(d["channel"])
    assert ch is not None
    return CardLocation(channel=ch, message_id=d["message_id"])


def subscription_to_doc(s: Subscription) -> Doc:
    """Subscription → dict."""
    return {
        "channel": channel_to_doc(s.channel),
        "levels": {kind.value: level for kind, level in s.levels},
    }


def subscription_from_doc(d: Doc) -> Subscription:
    """dict → Subscription."""
    ch = channel_from_doc(d["channel"])
    assert ch is not None
    levels = tuple(sorted((TicketKind(k), int(v)) for k, v in d["levels"].items()))
    return Subscription(channel=ch, levels=levels)
