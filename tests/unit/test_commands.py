"""The /snow grammar: every command parses, and bad input gets a usage message."""

from __future__ import annotations

import pytest

from core import commands as c
from core.errors import UsageError
from core.grammar import parse, strip_invocation
from core.models import TicketKind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", c.Help()),
        ("help", c.Help()),
        ("home", c.Home()),
        ("status", c.Status()),
        ("disconnect", c.Disconnect()),
        ("unsubscribe", c.Unsubscribe()),
        ("connect acme", c.Connect("acme")),
        ("connect https://acme.service-now.com", c.Connect("https://acme.service-now.com")),
        ("recommendations", c.Recommendations()),
        ("recommendations identity", c.Recommendations("Identity")),
        ("recommendations device", c.Recommendations("Devices")),
        ("share MFARegistrationV2", c.Share("MFARegistrationV2")),
        ("create", c.Create(TicketKind.INCIDENT, "")),
        ("create change Rotate keys now", c.Create(TicketKind.CHANGE, "Rotate keys now")),
        ("create Patch the VPN", c.Create(TicketKind.INCIDENT, "Patch the VPN")),
        ("tickets", c.Tickets(None, True)),
        ("tickets change all", c.Tickets(TicketKind.CHANGE, False)),
        ("tickets incident open", c.Tickets(TicketKind.INCIDENT, True)),
        ("ticket inc0010001", c.ShowTicket("INC0010001")),
        ("subscribe", c.Subscribe(frozenset(TicketKind), 5)),
        ("subscribe incident priority<=2", c.Subscribe(frozenset({TicketKind.INCIDENT}), 2)),
        ("subscribe change priority <= 3", c.Subscribe(frozenset({TicketKind.CHANGE}), 3)),
        ("subscribe all priority<3", c.Subscribe(frozenset(TicketKind), 2)),
        ("states", c.ShowStates()),
        ("states change", c.ShowStates(TicketKind.CHANGE)),
        ('states incident 2 "Being fixed"', c.RenameState(TicketKind.INCIDENT, "2", "Being fixed")),
        ("states incident 2 “Being fixed”", c.RenameState(TicketKind.INCIDENT, "2", "Being fixed")),
        ('states incident 2 ""', c.RenameState(TicketKind.INCIDENT, "2", "")),
    ],
)
def test_parses(text: str, expected: c.Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("frobnicate", "Unknown command 'frobnicate'"),
        ("connect", "instance name or URL"),
        ("connect acme secret123", "never typed in chat"),
        ("share", "one recommendation id"),
        ("ticket 12345", "is not a ticket number"),
        ("ticket", "Usage: /snow ticket"),
        ("tickets pending", "'pending' is not understood"),
        ("subscribe urgent", "'urgent' is not understood"),
        ("subscribe priority<1", "matches nothing"),
        ("states story", "'story' is not a ticket type"),
        ("states incident 2 Being fixed", 'like this: /snow states incident 2 "Being fixed"'),
        ('states incident 2 "unclosed', "quote is not closed"),
        ("recommendations planets", "'planets' is not a category"),
        ("x" * 2001, "too long"),
    ],
)
def test_usage_errors_say_what_to_do(text: str, says: str) -> None:
    with pytest.raises(UsageError) as info:
        parse(text)
    assert says in str(info.value)


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("/snow tickets", "tickets"),
        ("snow help", "help"),
        ("<at>SnowOps</at> snow status", "status"),
        ("@SnowOps /snow ticket INC0010001", "ticket INC0010001"),
        ("SNOW home", "home"),
    ],
)
def test_strip_invocation(text: str, rest: str) -> None:
    assert strip_invocation(text) == rest


def test_admin_commands_are_marked() -> None:
    admin = {
        type(parse(t)).__name__
        for t in ("connect a", "disconnect", "subscribe", "unsubscribe", 'states incident 2 "x"')
    }
    assert admin == {"Connect", "Disconnect", "Subscribe", "Unsubscribe", "RenameState"}
    assert all(parse(t).admin for t in ("connect a", "disconnect", "subscribe"))
    assert not any(parse(t).admin for t in ("help", "tickets", "create", "states", "status"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("recommendations identity all", c.Recommendations("Identity", True, 1)),
        ("recommendations page 3", c.Recommendations(None, False, 3)),
        ("recs apps page 2 all", c.Recommendations("Apps", True, 2)),
        (
            'recommendations add data "Label HR files" "Use sensitivity labels"',
            c.AddRecommendation("Data", "Label HR files", "Use sensitivity labels"),
        ),
        (
            'recommendations add devices "Patch kiosks"',
            c.AddRecommendation("Devices", "Patch kiosks"),
        ),
        ("recommendations remove own-1a2b3c4d", c.RemoveRecommendation("own-1a2b3c4d")),
        ("securescore", c.LinkTenant(None)),
        ("securescore contoso.onmicrosoft.com", c.LinkTenant("contoso.onmicrosoft.com")),
    ],
)
def test_recommendation_commands(text: str, expected: c.Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("recommendations page x", "Give a page number"),
        ("recommendations identity data", "'data' is not understood"),
        ("recommendations add identity", "Add one like this"),
        ('recommendations add planets "x"', "'planets' is not a category"),
        ("recommendations remove", "Usage: /snow recommendations remove"),
    ],
)
def test_recommendation_usage_errors(text: str, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        parse(text)


def test_only_linking_a_tenant_needs_an_admin() -> None:
    assert not parse("securescore").admin
    assert parse("securescore 72f988bf-86f1-41af-91ab-2d7cd011db47").admin


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("create Fix Bob's laptop", c.Create(TicketKind.INCIDENT, "Fix Bob's laptop")),
        (
            r"create change Clean C:\Windows\Temp",
            c.Create(TicketKind.CHANGE, r"Clean C:\Windows\Temp"),
        ),
        ('create "quoted" title', c.Create(TicketKind.INCIDENT, '"quoted" title')),
    ],
)
def test_titles_are_kept_as_typed(text: str, expected: c.Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text", ["@SnowOps tickets", "<at>SnowOps</at> tickets", "<at>SnowOps</at>  snow tickets"]
)
def test_a_mention_alone_is_enough(text: str) -> None:
    assert parse(strip_invocation(text)) == c.Tickets(None, True)
