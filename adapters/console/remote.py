"""The console attached to a running ``snowops dev`` over loopback HTTP (``snowops chat
--server``, or when one answers on this machine's SnowOps port): each request carries the
run's token and the terminal's language, so the server answers in the user's."""

from __future__ import annotations

from typing import Any

import aiohttp

from adapters.console.action_forms import action_from_doc
from adapters.console.language import LOCALE_HEADER, console_locale
from adapters.console.session import (
    CONSOLE_HEADER,
    ConsoleError,
    FormReply,
    Reply,
    confirm_from_doc,
    form_from_doc,
    form_to_doc,
)
from adapters.console.sink import FeedEntry
from core.actions import ActionFormContext
from core.forms import TicketFormView
from core.i18n import _

__all__ = ["RemoteSession"]


class RemoteSession:
    """The console attached to a running ``snowops dev`` over loopback HTTP; ``locale``
    (default: this process's, see :func:`console_locale`) is the language it asks in."""

    def __init__(self, base_url: str, token: str, locale: str | None = None) -> None:
        self._base = base_url.rstrip("/")
        language = console_locale() if locale is None else locale
        self._http = aiohttp.ClientSession(
            headers={CONSOLE_HEADER: token, LOCALE_HEADER: language},
            timeout=aiohttp.ClientTimeout(total=120),
        )

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with self._http.request(method, self._base + path, **kwargs) as response:
                if response.status != 200:
                    raise ConsoleError(
                        _(
                            "{url} answered HTTP {status} to {path}: is it `snowops dev` "
                            "(or `snowops chat`) of this version?",
                            url=self._base,
                            status=response.status,
                            path=path,
                        )
                    )
                body: dict[str, Any] = await response.json()
                return body
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ConsoleError(
                _(
                    "cannot reach SnowOps at {url} ({error}): is `make dev` running?",
                    url=self._base,
                    error=type(exc).__name__,
                )
            ) from None

    async def ping(self) -> None:
        """Raise :class:`ConsoleError` unless a console-capable SnowOps answers."""
        await self._call("GET", "/console/events", params={"after": "0", "wait": "0"})

    async def command(self, text: str) -> Reply:
        """POST /console/commands."""
        body = await self._call("POST", "/console/commands", json={"text": text})
        form = form_from_doc(body["form"]) if body.get("form") else None
        action = action_from_doc(body["action"]) if body.get("action") else None
        confirm = confirm_from_doc(body.get("confirm"))
        return Reply(str(body.get("text") or ""), form, action, confirm)

    async def submit(self, form: TicketFormView, values: dict[str, str], key: str) -> FormReply:
        """POST /console/forms."""
        body = await self._call(
            "POST",
            "/console/forms",
            json={"form": form_to_doc(form), "values": values, "key": key},
        )
        return FormReply(str(body.get("text") or ""), dict(body.get("errors") or {}))

    async def act(self, context: ActionFormContext, values: dict[str, str]) -> FormReply:
        """POST /console/actions."""
        doc = {"context": context.to_doc(), "values": values}
        body = await self._call("POST", "/console/actions", json=doc)
        return FormReply(str(body.get("text") or ""), dict(body.get("errors") or {}))

    async def suggest(self, text: str) -> list[str]:
        """POST /console/groups."""
        body = await self._call("POST", "/console/groups", json={"query": text})
        return [str(n) for n in body.get("groups") or ()]

    async def events(self, after: int, wait: float) -> list[FeedEntry]:
        """GET /console/events (long poll)."""
        body = await self._call(
            "GET", "/console/events", params={"after": str(after), "wait": f"{wait:g}"}
        )
        return [FeedEntry(int(e["seq"]), str(e["text"])) for e in body.get("events", [])]

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._http.close()
