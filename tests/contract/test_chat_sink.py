"""The ChatSink contract (core.ports): Slack, Teams and the console deliver alike.

Every test runs on each sink as the production composition root builds it
(``bot.services.build_services``), against that platform's fake: Slack's Web API
(tests/fakes/slack_api.py), Teams' Bot Framework connector with Microsoft Graph and the
sign-in service (tests/fakes/teams_connector.py, tests/fakes/entra.py), the console in
process. A :class:`Platform` hides how each one is observed (what a conversation shows now)
and made to misbehave (an answer lost after the post was made, the bot removed).

The heart of it is exactly-once: a notification whose post went out but whose answer never
came back is redone by the Notifier, which asks ``was_posted`` first; one message shows.
Where a platform cannot tell (a Teams personal chat, Graph without consent) the redo posts
a second copy: a rare double beats a lost message. Those cases are documented at the end.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote

import aiohttp
import pytest

from adapters.console.session import CONSOLE_WORKSPACE
from adapters.console.sink import ConsoleSink
from adapters.teams.recall import tag_of
from bot.app import Services, build_services
from bot.settings import Settings
from core.clock import FakeClock
from core.models import CardLocation, ChannelRef, Ticket, TicketKind
from core.ports import ChatSink, DeliveryError
from core.views import Notice, TicketCard, ticket_card
from tests.conftest import Sim, serve_connected
from tests.e2e.teams_harness import validate_card
from tests.fakes import bot_activities as bf
from tests.fakes.entra import BOT_FRAMEWORK_SCOPE, GRAPH_SCOPE, FakeEntra
from tests.fakes.slack_api import TEAM_ID, FakeSlackApi
from tests.fakes.teams_connector import FakeConnector, Sent

#: Graph's id of the team whose channel is bf.CHANNEL (its Microsoft 365 group).
TEAM_GROUP = "0d4ae3c8-95b4-4a7d-9a5e-1f2b3c4d5e6f"
LINK = "https://acme.service-now.com/incident.do?sys_id=" + "a" * 32


class Platform:
    """One sink, its fake, and SnowOps around it."""

    name = "?"
    sink: ChatSink
    services: Services
    clock: FakeClock
    #: A channel the bot is in; a person with a private conversation with it.
    channel: ChannelRef
    user: str

    def messages(self) -> list[str]:
        """Everything the platform shows, one string per message (text and card)."""
        raise NotImplementedError

    def shown(self, channel: ChannelRef) -> list[str]:
        """The top-level messages of ``channel``."""
        raise NotImplementedError

    def thread(self, where: CardLocation) -> list[str]:
        """The replies under the card at ``where``."""
        raise NotImplementedError

    def card(self, where: CardLocation) -> str:
        """What the card at ``where`` shows now."""
        raise NotImplementedError

    def private(self, user: str) -> list[str]:
        """The messages of the bot's private conversation with ``user``."""
        raise NotImplementedError

    def lose_next_answer(self) -> None:
        """The next post is made, and its answer never reaches SnowOps."""
        raise NotImplementedError

    def remove(self, channel: ChannelRef) -> None:
        """The bot is removed from ``channel``."""
        raise NotImplementedError

    async def outside(self) -> ChannelRef:
        """A conversation SnowOps hears about but cannot post in (a private channel the
        bot or app was never added to)."""
        raise NotImplementedError

    def count(self, text: str) -> int:
        """How many messages show ``text``."""
        return sum(text in m for m in self.messages())


class SlackPlatform(Platform):
    name = "slack"
    user = "U0USER"

    def __init__(self, api: FakeSlackApi, services: Services, clock: FakeClock) -> None:
        assert services.slack is not None
        self.api, self.services, self.clock = api, services, clock
        self.sink = services.slack.sink
        self.channel = ChannelRef(f"slack:{TEAM_ID}", "C0SEC")

    def _in(self, channel: str, thread: str | None = None) -> list[str]:
        return [
            f"{m.get('text', '')} {m.get('blocks', '')}"
            for (c, ts), m in self.api.messages.items()
            if c == channel and m.get("thread_ts", ts) == (thread or ts) and ts != thread
        ]

    def messages(self) -> list[str]:
        return [f"{m.get('text', '')} {m.get('blocks', '')}" for m in self.api.messages.values()]

    def shown(self, channel: ChannelRef) -> list[str]:
        return self._in(channel.channel)

    def thread(self, where: CardLocation) -> list[str]:
        return self._in(where.channel.channel, where.message_id)

    def card(self, where: CardLocation) -> str:
        return str(self.api.message(where.channel.channel, where.message_id))

    def private(self, user: str) -> list[str]:
        return self._in("D" + user[1:])  # a post to a user id lands in their DM

    def lose_next_answer(self) -> None:
        self.api.lose_answer_next("chat.postMessage")

    def remove(self, channel: ChannelRef) -> None:
        for method in ("chat.postMessage", "chat.update"):
            self.api.fail_next(method, "not_in_channel", count=20)

    async def outside(self) -> ChannelRef:
        self.api.set_channel("C0PRIVATE", private=True, bot_member=False)
        return ChannelRef(self.channel.workspace, "C0PRIVATE")


class TeamsPlatform(Platform):
    name = "teams"
    user = bf.USER_AAD

    def __init__(
        self,
        connector: FakeConnector,
        entra: FakeEntra,
        services: Services,
        clock: FakeClock,
        url: str,
    ) -> None:
        assert services.teams is not None
        self.connector, self.entra, self.services, self.clock = connector, entra, services, clock
        self.url = url  # where SnowOps hears activities
        self.sink = services.teams.sink
        self.workspace = f"teams:{bf.TENANT}"
        self.channel = ChannelRef(self.workspace, bf.CHANNEL)
        self.group = ChannelRef(self.workspace, bf.GROUP)
        self.personal = ChannelRef(self.workspace, bf.PERSONAL)

    @staticmethod
    def _text(sent: Sent) -> str:
        return " ".join(sent.texts) + f" {sent.cards}"

    def _latest(self, activity_id: str) -> Sent:
        return [s for s in self.connector.sent if s.id == activity_id][-1]

    def messages(self) -> list[str]:
        return [self._text(self._latest(s.id)) for s in self.connector.posts()]

    def shown(self, channel: ChannelRef) -> list[str]:
        return [self._text(self._latest(s.id)) for s in self.connector.posts(channel.channel)]

    def thread(self, where: CardLocation) -> list[str]:
        in_thread = f"{where.channel.channel};messageid={where.message_id}"
        return [self._text(s) for s in self.connector.posts(in_thread)]

    def card(self, where: CardLocation) -> str:
        return self._text(self._latest(where.message_id))

    def private(self, user: str) -> list[str]:
        assert user == bf.USER_AAD
        return self.shown(self.personal)

    def lose_next_answer(self, *, hang_up: bool = False) -> None:
        self.connector.lose_answer_next(status=None if hang_up else 500)

    def remove(self, channel: ChannelRef) -> None:
        self.connector.remove_bot(channel.channel, 403)

    async def outside(self) -> ChannelRef:
        await hear(self.url, self.entra, self.connector, bf.PRIVATE_CHANNEL)
        self.connector.leave_out(bf.PRIVATE_CHANNEL)
        return ChannelRef(self.workspace, bf.PRIVATE_CHANNEL)


class ConsolePlatform(Platform):
    name = "console"
    user = "console"

    def __init__(self, services: Services, clock: FakeClock) -> None:
        assert services.console is not None
        self.console: ConsoleSink = services.console
        self.services, self.clock, self.sink = services, clock, self.console
        self.channel = ChannelRef(CONSOLE_WORKSPACE, "terminal")

    def messages(self) -> list[str]:
        return [e.text for e in self.console.since(0)]

    def shown(self, channel: ChannelRef) -> list[str]:
        return self.messages()  # one conversation: the terminal's feed

    def thread(self, where: CardLocation) -> list[str]:
        return self.messages()  # no threads: replies are announced in the feed

    def card(self, where: CardLocation) -> str:
        return repr(self.console.cards[where.message_id])  # remembered, shown on demand

    def private(self, user: str) -> list[str]:
        return self.messages()

    def lose_next_answer(self) -> None:
        # In process nothing is lost on a wire: the line goes into the feed, and then the
        # delivery fails anyway (as when it overran its lease), so the Notifier redoes it.
        real = self.console.post

        async def post_then_fail(*args: Any, **kwargs: Any) -> None:
            del self.console.post  # once
            await real(*args, **kwargs)
            raise DeliveryError("the delivery was cut off after the line went out")

        self.console.post = post_then_fail  # type: ignore[method-assign]


# -- building each platform ---------------------------------------------------------------

Make = Callable[..., Settings]


@asynccontextmanager
async def slack_platform(make_settings: Make, sim: Sim) -> AsyncIterator[Platform]:
    api = FakeSlackApi()
    await api.start()
    settings = make_settings(
        SLACK_BOT_TOKEN="xoxb-0123-snowops-test",
        SLACK_SIGNING_SECRET="8f742231b10e8888abcd99yyyzzz85a5",
        SLACK_API_URL=api.base_url,
    )
    try:
        async with serve_connected(settings, sim, f"slack:{TEAM_ID}") as (services, clock):
            yield SlackPlatform(api, services, clock)
    finally:
        await api.close()


async def hear(url: str, entra: FakeEntra, connector: FakeConnector, conv: str, **kw: Any) -> None:
    """SnowOps hears a message in ``conv`` (and keeps its conversation reference)."""
    mention = conv != bf.PERSONAL
    activity = bf.message("snow help", connector.url, conv=conv, mention=mention, **kw)
    headers = {"Authorization": f"Bearer {entra.mint(connector.url)}"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{url}/api/messages", json=activity, headers=headers) as response,
    ):
        assert response.status in (200, 202), await response.text()


@asynccontextmanager
async def teams_platform(make_settings: Make, sim: Sim) -> AsyncIterator[Platform]:
    entra = FakeEntra(bf.TENANT, bf.APP_ID, "fake-bot-secret-0123456789")
    await entra.start()
    connector = FakeConnector(
        tokens=lambda: entra.issued_for(BOT_FRAMEWORK_SCOPE),
        graph_tokens=lambda: entra.issued_for(GRAPH_SCOPE),
    )
    await connector.start()
    connector.set_team(bf.CHANNEL, TEAM_GROUP)
    settings = make_settings(
        TEAMS_APP_ID=bf.APP_ID,
        TEAMS_APP_PASSWORD=entra.app_password,
        TEAMS_TENANT_ID=bf.TENANT,
        TEAMS_LOGIN_URL=entra.url,
        TEAMS_OPENID_URL=entra.openid_url,
        TEAMS_GRAPH_URL=connector.url,
    )
    try:
        async with serve_connected(settings, sim, f"teams:{bf.TENANT}") as (services, clock):
            for conv in (bf.CHANNEL, bf.GROUP, bf.PERSONAL):
                await hear(settings.public_url, entra, connector, conv)
            connector.sent.clear()  # its answers to "help": not what the tests look at
            yield TeamsPlatform(connector, entra, services, clock, settings.public_url)
    finally:
        await connector.close()
        await entra.close()
    for content in connector.all_cards():
        validate_card(content)  # a tagged card is still a card Teams renders


@asynccontextmanager
async def console_platform(make_settings: Make, sim: Sim) -> AsyncIterator[Platform]:
    async with serve_connected(make_settings(), sim, CONSOLE_WORKSPACE) as (services, clock):
        yield ConsolePlatform(services, clock)


_MAKERS = {"slack": slack_platform, "teams": teams_platform, "console": console_platform}


@pytest.fixture(params=list(_MAKERS))
async def platform(
    request: pytest.FixtureRequest, make_settings: Make, sim: Sim
) -> AsyncIterator[Platform]:
    """Each sink in turn, with SnowOps built around it."""
    async with _MAKERS[request.param](make_settings, sim) as made:
        yield made


def card_of(platform: Platform, state: str) -> TicketCard:
    return ticket_card(
        Ticket(
            workspace=platform.channel.workspace,
            kind=TicketKind.INCIDENT,
            sys_id="a" * 32,
            number="INC0010042",
            title="Block legacy authentication",
            state=state,
            priority=2,
            url=LINK,
            correlation_id="snowops:rec:BlockLegacyAuthentication",
        )
    )


async def settle(platform: Platform) -> int:
    """The Notifier's next round, after any retry wait."""
    platform.clock.advance(600)
    return await platform.services.notifier.deliver("contract")


async def redo(sink: ChatSink, to: ChannelRef, message: Notice, key: str, thread: str) -> None:
    """The Notifier's second attempt at a message (``Notifier._send``): post only if the
    first did not in fact go out."""
    if not await sink.was_posted(to, key, thread=thread):
        await sink.post(to, message, key=key, thread=thread)


# -- the contract ---------------------------------------------------------------------------


async def test_a_card_is_posted_updated_in_place_and_replied_to_in_its_thread(
    platform: Platform,
) -> None:
    sink, channel = platform.sink, platform.channel
    where = await sink.post_card(channel, card_of(platform, "1"))
    assert where.channel == channel
    assert where.message_id
    assert "INC0010042" in platform.card(where)
    assert "In Progress" not in platform.card(where)
    shown = len(platform.shown(channel))

    await sink.update_card(where, card_of(platform, "2"))
    assert "In Progress" in platform.card(where)
    assert len(platform.shown(channel)) == shown  # in place: nothing new in the channel

    change = "INC0010042 Block legacy authentication: New → In Progress"
    await sink.post(channel, Notice(change), key="contract|reply", thread=where.message_id)
    assert [m for m in platform.thread(where) if change in m]
    if platform.name != "console":  # the console's feed has no threads
        assert not [m for m in platform.shown(channel) if change in m]


async def test_a_short_message_goes_to_the_channel_with_its_link_and_is_found_by_its_key(
    platform: Platform,
) -> None:
    sink, channel = platform.sink, platform.channel
    change = "INC0010042 Block legacy authentication: In Progress → Resolved"
    assert not await sink.was_posted(channel, "contract|post")
    await sink.post(channel, Notice(change, link=LINK), key="contract|post")
    [shown] = [m for m in platform.shown(channel) if change in m]
    assert LINK in shown
    assert await sink.was_posted(channel, "contract|post")
    assert not await sink.was_posted(channel, "contract|another")


async def test_a_lost_answer_then_the_notifiers_redo_posts_once(platform: Platform) -> None:
    """The platform posted, the answer never came back: the Notifier retries, asks
    ``was_posted`` first, and settles the delivery without a second copy."""
    notifier = platform.services.notifier
    text = "SnowOps lost this answer once"
    await notifier.tell(platform.channel, text, "contract|lost|channel")
    platform.lose_next_answer()
    assert await notifier.deliver("contract") == 0  # failed, as far as SnowOps knows
    assert platform.count(text) == 1  # …but it is there
    assert await settle(platform) == 1  # done, not posted again
    assert platform.count(text) == 1


async def test_a_lost_reply_in_a_thread_is_not_posted_again(platform: Platform) -> None:
    sink, channel = platform.sink, platform.channel
    where = await sink.post_card(channel, card_of(platform, "2"))
    change, key = "INC0010042 Block legacy authentication: New → Resolved", "contract|lost|thread"
    platform.lose_next_answer()
    with pytest.raises(DeliveryError):
        await sink.post(channel, Notice(change), key=key, thread=where.message_id)
    assert platform.count(change) == 1
    assert await sink.was_posted(channel, key, thread=where.message_id)
    await redo(sink, channel, Notice(change), key, where.message_id)
    assert platform.count(change) == 1
    assert not await sink.was_posted(channel, "contract|other", thread=where.message_id)


@pytest.mark.parametrize("platform", ["teams"], indirect=True)
async def test_a_lost_answer_in_a_group_chat_is_not_posted_again(platform: Platform) -> None:
    assert isinstance(platform, TeamsPlatform)
    notifier, text = platform.services.notifier, "SnowOps lost this answer in a group chat"
    await notifier.tell(platform.group, text, "contract|lost|group")
    platform.lose_next_answer(hang_up=True)  # the connection closes once the post is made
    assert await notifier.deliver("contract") == 0
    assert await settle(platform) == 1
    assert platform.count(text) == 1
    assert any("/v1.0/chats/" in call for call in platform.connector.graph_calls)


async def test_a_replica_that_died_after_posting_is_not_doubled(platform: Platform) -> None:
    """A consumer posts and dies before its ack; after the lease another one takes the
    delivery over and finds the message already there."""
    notifier, queue = platform.services.notifier, platform.services.deliveries
    text = "SnowOps posted this and died"
    await notifier.tell(platform.channel, text, "contract|crash")
    [claimed] = await queue.claim("dead", 10, 30, platform.clock.now())
    await platform.sink.post(platform.channel, Notice(text), key=claimed.delivery_id)
    platform.clock.advance(31)
    assert await notifier.deliver("alive") == 1
    assert platform.count(text) == 1


#: The console has one conversation, which SnowOps cannot be removed from.
REMOVABLE = pytest.mark.parametrize("platform", ["slack", "teams"], indirect=True)


@REMOVABLE
async def test_a_conversation_the_bot_was_removed_from_fails_for_good_with_a_hint(
    platform: Platform,
) -> None:
    sink, channel = platform.sink, platform.channel
    where = await sink.post_card(channel, card_of(platform, "1"))
    platform.remove(channel)
    attempts: list[Callable[[], Any]] = [
        lambda: sink.post(channel, Notice("hello"), key="contract|gone"),
        lambda: sink.post_card(channel, card_of(platform, "1")),
        lambda: sink.update_card(where, card_of(platform, "2")),
    ]
    for attempt in attempts:
        with pytest.raises(DeliveryError) as info:
            await attempt()
        assert info.value.permanent
        assert info.value.hint


@REMOVABLE
async def test_the_notifier_parks_a_removed_conversation_with_its_hint(
    platform: Platform,
) -> None:
    sink, channel, notifier = platform.sink, platform.channel, platform.services.notifier
    platform.remove(channel)
    with pytest.raises(DeliveryError) as info:
        await sink.post(channel, Notice("hello"), key="contract|probe")
    await notifier.tell(channel, "You are subscribed.", "contract|parked")
    assert await notifier.deliver("contract") == 0
    [parked] = await platform.services.deliveries.parked(channel.workspace)
    assert parked.delivery_id == "contract|parked"
    assert info.value.hint in (parked.last_error or "")
    assert await settle(platform) == 0  # parked: not retried


async def test_direct_is_the_persons_private_conversation(platform: Platform) -> None:
    sink = platform.sink
    to = await sink.direct(platform.channel.workspace, platform.user)
    assert to.workspace == platform.channel.workspace
    text = "Connected to https://acme.service-now.com as snowops.integration."
    await sink.post(to, Notice(text), key="contract|direct")
    assert [m for m in platform.private(platform.user) if text in m]
    if platform.name != "console":  # the console has one conversation
        assert not [m for m in platform.shown(platform.channel) if text in m]


# -- Teams: how it finds its copy, and where it cannot tell ------------------------------------

TEAMS = pytest.mark.parametrize("platform", ["teams"], indirect=True)


def teams(platform: Platform) -> TeamsPlatform:
    assert isinstance(platform, TeamsPlatform)
    return platform


@TEAMS
async def test_teams_tags_each_message_and_reads_it_back_with_an_app_only_graph_token(
    platform: Platform,
) -> None:
    teams_ = teams(platform)
    sink, channel, connector = teams_.sink, teams_.channel, teams_.connector
    await sink.post(channel, Notice("Tagged"), key="contract|tag")
    # Text Teams must not read as Markdown goes in another kind of block: tagged alike.
    await sink.post(channel, Notice("See **this**: https://x.example/a_b"), key="contract|md")
    posted = connector.posts(bf.CHANNEL)
    assert [p.cards[0]["body"][0]["id"] for p in posted] == [
        tag_of("contract|tag"),  # invisible to people
        tag_of("contract|md"),
    ]
    assert await sink.was_posted(channel, "contract|tag")
    assert await sink.was_posted(channel, "contract|md")
    base = f"/v1.0/teams/{TEAM_GROUP}/channels/{bf.CHANNEL}/messages"
    assert [unquote(c) for c in connector.graph_calls] == [f"{base}?$top=50"] * 2
    # Graph's team id came from the connector once (the activities did not carry it).
    assert connector.team_lookups == 1
    scopes = [r["scope"] for r in teams_.entra.token_requests]
    assert scopes.count(GRAPH_SCOPE) == 1  # one app-only token, reused


@TEAMS
async def test_teams_keeps_the_team_group_id_its_activities_carry(platform: Platform) -> None:
    teams_ = teams(platform)
    team = {"id": bf.CHANNEL, "aadGroupId": TEAM_GROUP}
    data = {"tenant": {"id": bf.TENANT}, "channel": {"id": bf.CHANNEL}, "team": team}
    await hear(teams_.url, teams_.entra, teams_.connector, bf.CHANNEL, channelData=data)
    assert not await teams_.sink.was_posted(teams_.channel, "contract|none")
    assert teams_.connector.graph_calls
    assert teams_.connector.team_lookups == 0


@TEAMS
async def test_teams_reads_more_than_one_page_of_a_busy_channel(platform: Platform) -> None:
    teams_ = teams(platform)
    sink, channel = teams_.sink, teams_.channel
    await sink.post(channel, Notice("Found later"), key="contract|busy")
    [first] = teams_.connector.posts(bf.CHANNEL)
    for n in range(60):  # people talk on: 60 newer posts, more than a page of 50
        later = {**first.activity, "attachments": [], "text": f"chatter {n}"}
        teams_.connector.sent.append(Sent("POST", bf.CHANNEL, None, later, None, f"18{n:011d}"))
    assert await sink.was_posted(channel, "contract|busy")
    assert len(teams_.connector.graph_calls) == 2


@TEAMS
async def test_teams_cannot_tell_in_a_personal_chat_and_posts_again(
    platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    """Graph cannot read the bot's personal chats for it: a lost answer there means a
    second copy (a rare double beats a lost message), logged once per chat."""
    teams_ = teams(platform)
    notifier, text = teams_.services.notifier, "Connected to https://acme.service-now.com."
    caplog.set_level(logging.INFO, logger="adapters.teams.sink")
    await notifier.tell(teams_.personal, text, "contract|lost|personal")
    teams_.lose_next_answer()
    assert await notifier.deliver("contract") == 0
    assert await settle(teams_) == 1
    assert teams_.count(text) == 2
    assert not await teams_.sink.was_posted(teams_.personal, "contract|lost|personal")
    assert teams_.connector.graph_calls == []
    told = [r for r in caplog.records if "cannot check" in r.getMessage()]
    assert len(told) == 1
    assert "personal" in told[0].getMessage()


@TEAMS
async def test_teams_without_consent_cannot_tell_and_posts_again(
    platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    """The RSC permissions were not consented to in this team: Graph answers 403, and
    SnowOps posts (twice, rarely) rather than lose a message."""
    teams_ = teams(platform)
    caplog.set_level(logging.INFO, logger="adapters.teams.sink")
    teams_.connector.refuse_graph(403)
    text = "SnowOps cannot see this team's messages"
    await teams_.services.notifier.tell(teams_.channel, text, "contract|lost|no-consent")
    teams_.lose_next_answer()
    assert await teams_.services.notifier.deliver("contract") == 0
    assert await settle(teams_) == 1
    assert teams_.count(text) == 2
    assert not await teams_.sink.was_posted(teams_.channel, "contract|lost|no-consent")
    assert len([r for r in caplog.records if "cannot check" in r.getMessage()]) == 1


@TEAMS
async def test_teams_graph_rate_limit_is_waited_out_by_the_notifier(platform: Platform) -> None:
    teams_ = teams(platform)
    notifier, text = teams_.services.notifier, "SnowOps was asked to slow down"
    await notifier.tell(teams_.channel, text, "contract|lost|throttled")
    teams_.lose_next_answer()
    assert await notifier.deliver("contract") == 0
    teams_.connector.throttle_graph("120")
    with pytest.raises(DeliveryError) as info:
        await teams_.sink.was_posted(teams_.channel, "contract|lost|throttled")
    assert info.value.retry_after == 120
    assert not info.value.permanent
    teams_.connector.throttle_graph("120")
    assert await settle(teams_) == 0  # Graph said wait: nothing posted meanwhile
    assert teams_.count(text) == 1
    teams_.clock.advance(60)
    assert await notifier.deliver("contract") == 0  # not yet: 120 s
    assert await settle(teams_) == 1
    assert teams_.count(text) == 1


async def test_teams_in_anonymous_mode_cannot_tell(make_settings: Make) -> None:
    """Without bot credentials there is no Graph token: ``was_posted`` says False, without
    asking anyone."""
    services = build_services(make_settings(SNOWOPS_TEAMS_ANONYMOUS="true"), clock=FakeClock())
    assert services.teams is not None
    sink = services.teams.sink
    channel = ChannelRef(f"teams:{bf.TENANT}", bf.CHANNEL)
    try:
        assert not await sink.was_posted(channel, "contract|anonymous")
    finally:
        await services.stop()


# -- can SnowOps post there? ---------------------------------------------------------------


async def test_a_conversation_the_bot_is_in_can_be_posted_in(platform: Platform) -> None:
    reach = await platform.sink.can_post(platform.channel)
    assert reach.reachable
    assert reach.known


@REMOVABLE
async def test_a_conversation_the_bot_is_not_in_is_unreachable_with_the_fix(
    platform: Platform,
) -> None:
    outside = await platform.outside()
    reach = await platform.sink.can_post(outside)
    assert not reach.reachable
    assert reach.reason
    fix = "/invite @SnowOps" if platform.name == "slack" else "Manage channel > Apps"
    assert fix in reach.fix
    with pytest.raises(DeliveryError) as info:  # and the check told the truth
        await platform.sink.post(outside, Notice("hello"), key="contract|outside")
    assert info.value.permanent


@REMOVABLE
async def test_a_conversation_the_bot_was_removed_from_is_unreachable(platform: Platform) -> None:
    platform.remove(platform.channel)
    if isinstance(platform, SlackPlatform):  # the bot was kicked from the (public) channel
        platform.api.set_channel(platform.channel.channel, bot_member=False)
    reach = await platform.sink.can_post(platform.channel)
    assert not reach.reachable
    assert reach.fix


@pytest.mark.parametrize("platform", ["teams"], indirect=True)
async def test_teams_a_conversation_never_heard_from_is_unreachable(platform: Platform) -> None:
    never = ChannelRef(platform.channel.workspace, "19:never-heard@thread.tacv2")
    reach = await platform.sink.can_post(never)
    assert not reach.reachable
    assert "Manage team > Apps" in reach.fix


@pytest.mark.parametrize("platform", ["slack"], indirect=True)
async def test_slack_asks_conversations_info_when_it_may(platform: Platform) -> None:
    assert isinstance(platform, SlackPlatform)
    api = platform.api
    api.bot_scopes += ",channels:read,groups:read"
    api.set_channel("C0PUBLIC", bot_member=False)
    api.set_channel("C0OLD", archived=True)
    api.set_channel("C0PRIVATE", private=True, bot_member=False)
    ws = platform.channel.workspace
    assert (await platform.sink.can_post(platform.channel)).reachable
    public = await platform.sink.can_post(ChannelRef(ws, "C0PUBLIC"))
    assert (public.reachable, public.reason) == (False, "SnowOps is not in this channel")
    hidden = await platform.sink.can_post(ChannelRef(ws, "C0PRIVATE"))
    assert not hidden.reachable
    assert "/invite @SnowOps" in hidden.fix
    assert not (await platform.sink.can_post(ChannelRef(ws, "C0OLD"))).reachable
    assert {c.method for c in api.calls} == {"conversations.info"}  # no history probe


@pytest.mark.parametrize("platform", ["slack", "teams"], indirect=True)
async def test_when_the_platform_cannot_tell_the_channel_is_not_refused(
    platform: Platform,
) -> None:
    if isinstance(platform, SlackPlatform):
        platform.api.bot_scopes = "commands,chat:write"  # neither info nor history allowed
        platform.api.answer_raw_next("conversations.info", 503, "<html>down</html>")
        outage = await platform.sink.can_post(platform.channel)
        scopeless = await platform.sink.can_post(platform.channel)
        assert scopeless.reachable
        assert not scopeless.known
    else:
        assert isinstance(platform, TeamsPlatform)
        platform.connector.remove_bot(platform.channel.channel, 503)
        outage = await platform.sink.can_post(platform.channel)
    assert outage.reachable
    assert not outage.known
