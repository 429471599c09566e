"""Teams end to end: SnowOps's real server, a fake Bot Framework connector and sign-in, the
ServiceNow and Graph simulators. Activities are POSTed to ``/api/messages`` with tokens
minted by the fake sign-in, exactly as the Bot Framework would send them."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import pytest

from bot.app import Services
from bot.settings import Settings
from core.clock import FakeClock
from tests.conftest import Graph, Sim, graph_settings, serve_connected
from tests.fakes import bot_activities as bf
from tests.fakes.entra import FakeEntra
from tests.fakes.teams_connector import FakeConnector, Sent

APP_PASSWORD = "fake-bot-secret-0123456789"
WORKSPACE = f"teams:{bf.TENANT}"
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "adaptive-card-1.5.json"
_SCHEMA = json.loads(SCHEMA_PATH.read_text())
CARD_VALIDATOR = jsonschema.Draft6Validator(_SCHEMA)

_MINT = object()


def _without_typeahead(node: Any) -> Any:
    """``node`` without Teams' dynamic type-ahead (``choices.data``: a ``Data.Query``, which
    Teams honours on 1.5 cards though the 1.5 schema predates it), each checked first."""
    if isinstance(node, list):
        return [_without_typeahead(n) for n in node]
    if not isinstance(node, dict):
        return node
    query = node.get("choices.data")
    if query is not None:
        assert node.get("type") == "Input.ChoiceSet", node
        assert query.get("type") == "Data.Query"
        assert isinstance(query.get("dataset"), str)
    return {k: _without_typeahead(v) for k, v in node.items() if k != "choices.data"}


def validate_card(content: dict[str, Any]) -> None:
    """An Adaptive Card 1.5 that Teams renders: schema-valid, version 1.5 at most."""
    assert content.get("type") == "AdaptiveCard"
    assert content.get("version") in ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5")
    content = _without_typeahead(content)
    errors = sorted(CARD_VALIDATOR.iter_errors(content), key=lambda e: list(e.path))
    assert not errors, f"{errors[0].message[:300]} at {list(errors[0].path)}"


def cards_in(body: Any) -> list[dict[str, Any]]:
    """Adaptive Cards inside an invoke response (universal action answer, dialog)."""
    found: list[dict[str, Any]] = []
    if isinstance(body, dict):
        if body.get("type") == "AdaptiveCard":
            return [body]
        for value in body.values():
            found += cards_in(value)
    elif isinstance(body, list):
        for value in body:
            found += cards_in(value)
    return found


@dataclass
class TeamsClient:
    """The Bot Framework's side of one SnowOps server (in this process or another): it
    POSTs activities to ``url`` with tokens of the fake sign-in service."""

    url: str
    http: aiohttp.ClientSession
    connector: FakeConnector
    entra: FakeEntra
    answered: list[Any] = field(default_factory=list, kw_only=True)

    @property
    def service_url(self) -> str:
        """The fake connector's base URL, as activities carry it."""
        return self.connector.url

    async def send(self, activity: dict[str, Any], *, token: Any = _MINT) -> tuple[int, Any]:
        """POST an activity; returns the HTTP status and JSON body (None when empty)."""
        headers = {}
        if token is _MINT:
            token = self.entra.mint(activity["serviceUrl"])
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        async with self.http.post(f"{self.url}/api/messages", json=activity, headers=headers) as r:
            raw = await r.read()
            body = json.loads(raw) if raw else None
            if activity.get("type") == "invoke" and r.status == 200:
                self.answered.append(body)
            return r.status, body

    async def say(self, text: str, **kw: Any) -> list[Sent]:
        """Type ``text`` to the bot; returns what it posted in answer."""
        before = len(self.connector.sent)
        status, _ = await self.send(bf.message(text, self.service_url, **kw))
        assert status in (200, 202), status
        return self.connector.sent[before:]

    async def invoke(self, activity: dict[str, Any]) -> Any:
        """Send an invoke; returns its answer (the invoke response body)."""
        status, body = await self.send(activity)
        assert status == 200, (status, body)
        return body

    def every_card_is_valid(self) -> int:
        """Every card SnowOps sent or answered is a valid Adaptive Card 1.5; returns how many."""
        cards = self.connector.all_cards() + [c for b in self.answered for c in cards_in(b)]
        for content in cards:
            validate_card(content)
        return len(cards)


@dataclass
class TeamsHarness(TeamsClient):
    """SnowOps in this process, reachable as the Bot Framework would reach it."""

    services: Services
    clock: FakeClock
    sim: Sim


@pytest.fixture
def teams_env() -> dict[str, str]:
    """Extra settings for the ``teams`` fixture."""
    return {}


@pytest.fixture
async def teams(
    make_settings: Callable[..., Settings], sim: Sim, graph: Graph, teams_env: dict[str, str]
) -> AsyncIterator[TeamsHarness]:
    """SnowOps with Teams credentials (tokens checked in and sent out), its tenant's workspace
    connected to the ServiceNow simulator, Secure Score from the Graph simulator."""
    entra = FakeEntra(bf.TENANT, bf.APP_ID, APP_PASSWORD)
    await entra.start()
    connector = FakeConnector(tokens=lambda: entra.issued, token_tenant=entra.tenant_of.get)
    await connector.start()
    connector.set_member(
        bf.ADMIN_ID, name="Beth Anglin", aadObjectId=bf.ADMIN_AAD, email="beth.anglin@example.com"
    )
    connector.set_member(
        bf.USER_ID, name="Abel Tuter", aadObjectId=bf.USER_AAD, email="abel.tuter@example.com"
    )
    env = {
        "TEAMS_APP_ID": bf.APP_ID,
        "TEAMS_APP_PASSWORD": APP_PASSWORD,
        "TEAMS_TENANT_ID": bf.TENANT,
        "TEAMS_LOGIN_URL": entra.url,
        "TEAMS_OPENID_URL": entra.openid_url,
        "TEAMS_GRAPH_URL": connector.url,
        "SNOWOPS_ADMINS": bf.ADMIN_AAD,
        **graph_settings(graph),
    }
    settings = make_settings(**{**env, **teams_env})
    try:
        async with (
            serve_connected(settings, sim, WORKSPACE) as (services, clock),
            aiohttp.ClientSession() as http,
        ):
            harness = TeamsHarness(
                settings.public_url, http, connector, entra, services, clock, sim
            )
            yield harness
    finally:
        await connector.close()
        await entra.close()
    harness.every_card_is_valid()


def form_inputs(
    *,
    kind: str = "incident",
    name: str = "Rotate the VPN certificate",
    description: str = "It expires next week.",
    priority: str = "2",
    due: str = "2026-12-31",
    category: str = "Infrastructure",
) -> dict[str, str]:
    """The ticket form's inputs as Teams sends them (every input, as a string)."""
    return {
        "kind": kind,
        "name": name,
        "description": description,
        "priority": priority,
        "due": due,
        "category": category,
    }


def action_of(content: dict[str, Any], title: str) -> dict[str, Any]:
    """The button called ``title`` on a card (top level or inside an ActionSet)."""

    def walk(node: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action.") and node.get("title") == title:
                found.append(node)
            for value in node.values():
                found += walk(value)
        elif isinstance(node, list):
            for value in node:
                found += walk(value)
        return found

    matches = walk(content)
    assert matches, f"no button {title!r} on the card"
    return matches[0]


def shown_words(content: Any) -> list[str]:
    """What a person reads on a card, in order: each text (a RichTextBlock's runs joined),
    fact, input label, placeholder and error message, and button title."""
    found: list[str] = []
    if isinstance(content, list):
        for item in content:
            found += shown_words(item)
        return found
    if not isinstance(content, dict):
        return found
    kind = str(content.get("type", ""))
    if kind == "TextBlock":
        found.append(str(content.get("text", "")))
    elif kind == "RichTextBlock":
        runs = content.get("inlines") or []
        found.append("".join(str(r.get("text", "")) for r in runs if isinstance(r, dict)))
        return found
    elif kind == "FactSet":
        for fact in content.get("facts", []):
            found += [str(fact.get("title", "")), str(fact.get("value", ""))]
    elif kind.startswith(("Input.", "Action.")):
        found += [str(content[k]) for k in ("label", "placeholder", "errorMessage", "title")
                  if content.get(k)]  # fmt: skip
    for key, value in content.items():
        if key not in ("facts", "inlines") and isinstance(value, dict | list):
            found += shown_words(value)
    return found


def dialog_button(content: dict[str, Any]) -> dict[str, Any]:
    """The first button of a card that opens a dialog (``task/fetch``), whatever its title's
    language."""

    def walk(node: Any) -> list[dict[str, Any]]:
        if isinstance(node, list):
            return [b for item in node for b in walk(item)]
        if not isinstance(node, dict):
            return []
        data = node.get("data")
        if node.get("type") == "Action.Submit" and isinstance(data, dict):
            if (data.get("msteams") or {}).get("type") == "task/fetch":
                return [node]
        return [b for value in node.values() for b in walk(value)]

    found = walk(content)
    assert found, "no button that opens a dialog on the card"
    return found[0]


async def create_inline(
    teams: TeamsClient, name: str = "Patch the VPN concentrator", **kw: Any
) -> tuple[str, Sent]:
    """``snow create <name>``, then Create ticket on the form card; returns the ticket
    number and the message that held the form (now the ticket card)."""
    answers = await teams.say(
        f"snow create {name}",
        **{k: v for k, v in kw.items() if k in ("conv", "tenant", "activity_id", "locale")},
    )
    # Only the answer in this conversation: replicas deliver other news meanwhile.
    where = kw.get("conv")
    [form_msg] = [a for a in answers if where is None or a.conversation == where]
    kw.pop("activity_id", None)
    # By its verb: the button's title is in the asker's language.
    [button] = [a for a in form_msg.cards[0]["actions"] if a.get("verb") == "submit_ticket"]
    data = {**button["data"], **form_inputs(name=name)}
    body = await teams.invoke(
        bf.card_action(button["verb"], data, teams.service_url, card_id=form_msg.id, **kw)
    )
    card = body["value"]
    first = card["body"][0]
    text = first.get("text") or "".join(str(r.get("text", "")) for r in first.get("inlines", []))
    number = str(text).split(" ")[0]
    return number, form_msg


# -- ticket notifications in Teams --------------------------------------------------------

#: Microsoft Graph's id of the team whose channels the notification tests use.
TEAM_GROUP = "0d4ae3c8-95b4-4a7d-9a5e-1f2b3c4d5e6f"
#: The channel that subscribes to incidents (a second channel of the same team).
SUBSCRIBED = bf.PRIVATE_CHANNEL
ADMIN = {"user": bf.ADMIN_ID, "aad": bf.ADMIN_AAD, "user_name": "Beth Anglin"}


@dataclass(frozen=True)
class Card:
    """A ticket's card in ``#security``: in the thread of the post that asked for it, as
    Teams places a bot's answer to a new channel post."""

    number: str
    id: str  # the card's message id
    root: str  # the id of the post that started the thread

    @property
    def thread(self) -> str:
        """The thread's conversation id (Teams': ``<channel>;messageid=<root>``)."""
        return f"{bf.CHANNEL};messageid={self.root}"


_roots = itertools.count(1)


async def card_and_subscriber(teams: TeamsClient, name: str) -> Card:
    """The team with its two channels (Graph reads both back), ``#incident-room``
    subscribed to incidents by an admin, and a ticket made from the form card SnowOps
    answers a new post in ``#security`` with (``@SnowOps snow create <name>``)."""
    if bf.CHANNEL not in teams.connector.teams:
        teams.connector.set_team(bf.CHANNEL, TEAM_GROUP, SUBSCRIBED, tenant=bf.TENANT)
        [answer] = await teams.say("subscribe incident", conv=SUBSCRIBED, mention=True, **ADMIN)
        assert "will hear about incidents" in answer.text, answer.texts
    root = f"1690000000{next(_roots):03d}"  # a new post: its activity names its own thread
    thread = f"{bf.CHANNEL};messageid={root}"
    number, form = await create_inline(teams, name, conv=thread, activity_id=root, mention=True)
    assert form.conversation == thread
    services = getattr(teams, "services", None)
    if services is not None:
        # The subscribed channel hears that the ticket was made: said now, before the
        # test's own changes (told() leaves it out unless asked).
        while await services.notifier.deliver("test"):
            pass
    return Card(number, form.id, root)


def thread_of(connector: FakeConnector, card: Card) -> list[str]:
    """What SnowOps posted in the card's thread after the card (not its answer to the post)."""
    return [s.texts[0] for s in connector.posts(card.thread) if s.activity_id != card.root]


def told(
    connector: FakeConnector, conversation: str = SUBSCRIBED, *, made: bool = False
) -> list[str]:
    """What SnowOps posted on its own at the top level of ``conversation`` (the subscribed
    channel), not in answer to someone; with ``made``, also that a ticket was made."""
    posts = [s.texts[0] for s in connector.posts(conversation) if s.activity_id is None]
    return [p for p in posts if made or not p.startswith(("New incident ", "New change "))]


def card_updates(connector: FakeConnector, card: Card) -> list[Sent]:
    """The in-place updates of the card, in the order the connector took them."""
    return [s for s in connector.updates() if s.activity_id == card.id]


async def sync_and_deliver(teams: TeamsHarness) -> int:
    """One sync cycle of the Teams workspace, then one delivery round; returns how many
    deliveries were carried out."""
    workers = teams.services.workers
    notifier = teams.services.notifier
    assert workers is not None
    assert notifier is not None
    await workers.run_cycle(WORKSPACE)
    return await notifier.deliver("test")
