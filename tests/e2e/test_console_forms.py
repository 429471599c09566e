"""The console's ticket form when no ticket can be made: it says so before asking anything."""

from __future__ import annotations

from tests.e2e.console_harness import Console, console, run_terminal

__all__ = ["console"]


async def test_create_while_disconnected_says_so_before_asking_anything(
    console: Console,
) -> None:
    for text in ("/snow create", "/snow create change Rotate the VPN keys"):
        async with console.http.post(
            f"{console.url}/console/commands", json={"text": text}
        ) as response:
            assert response.status == 200
            body = await response.json()
        assert body["form"] is None
        assert "not connected to ServiceNow" in body["text"]
        assert "/snow connect <instance>" in body["text"]


async def test_the_terminal_asks_no_field_while_disconnected(console: Console) -> None:
    """The whole terminal, attached as `snowops chat --server` is: the user types the
    command and the values they meant for the form; no field prompt is ever shown."""
    text = await run_terminal(console.url, b"/snow create incident\nVPN is down\n\n")
    assert "not connected to ServiceNow" in text
    assert "Type: incident" not in text
    assert "Name [" not in text
