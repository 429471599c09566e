"""What `/snow help` lists: each command's form and what it does (the help card, and the
grammar's usage messages, read it). The forms are command words, the same in every
language; what each does is translated where it is shown (:func:`help_lines`)."""

from __future__ import annotations

from core.i18n import N_, _

__all__ = ["COMMAND_HELP", "help_lines"]

COMMAND_HELP: tuple[tuple[str, str], ...] = (
    ("help", N_("what SnowOps can do here")),
    ("home", N_("overview of your tickets by type")),
    ("connect <instance>", N_("connect this workspace to ServiceNow (admins)")),
    ("reconnect", N_("a fresh sign-in link for the connected instance (admins)")),
    ("status", N_("connection health, last sync, last error")),
    ("config", N_("connection and state names in one place (admins)")),
    ("disconnect [confirm]", N_("revoke tokens and forget the connection; asks first (admins)")),
    ("recommendations [category] [all] [page N]", N_("Secure Score improvement actions to share")),
    ('recommendations add <category> "<title>" ["<description>"]', N_("keep your own")),
    ("recommendations remove <id>", N_("forget one of your own (admins)")),
    ("securescore", N_("the tenant's Secure Score: trend, chart, points gained through tickets")),
    ("securescore <tenant-id>", N_("link the Microsoft tenant Secure Score comes from (admins)")),
    ("share <recommendation-id>", N_("open the ticket form for a recommendation")),
    ("create [incident|change|problem|sir] [title]", N_("open the ticket form")),
    ("tickets [incident|change|problem|sir] [open|all] [page N]", N_("list tickets")),
    ("ticket <number>", N_("one ticket and its recent history")),
    (
        "subscribe [incident|change|problem|sir|all] [priority<=N]",
        N_("notify this channel (admins)"),
    ),
    (
        "subscribe … digest daily [09:00]|hourly [zone Europe/Stockholm]",
        N_("one summary per period instead of a message per change (admins)"),
    ),
    ("quiet 18:00-08:00 [zone …] | quiet off", N_("hold priority 3–5 news at night (admins)")),
    ("notify me on|off", N_("direct messages of changes to tickets you asked for or took")),
    ("unsubscribe", N_("stop notifying this channel (admins)")),
    (
        'subscribe query <table> "<encoded query>"',
        N_("hear of records matching a ServiceNow filter, whoever made them (admins)"),
    ),
    ("unsubscribe query [n]", N_("stop watching this channel's filters, or its n-th (admins)")),
    ("notifications retry", N_("try undelivered notifications again, once fixed (admins)")),
    ("link", N_("link your own ServiceNow account, so changes from chat are made as you")),
    ("unlink", N_("forget your ServiceNow account and revoke its tokens")),
    ('comment <number> "<text>"', N_("add a comment the caller sees")),
    ('note <number> "<text>"', N_("add a work note (the service desk only)")),
    ('assign <number> me|"<group>"', N_("assign to yourself or to an assignment group")),
    ('resolve <number> <close code> "<notes>"', N_("resolve an incident, or close a change")),
    ('close <number> <close code> "<notes>"', N_("close a change")),
    ("reopen <number>", N_("put a resolved incident back in progress")),
    ("identity [linked|email]", N_("who acts for people who have not linked (admins)")),
    ("lookup [any|own]", N_("which tickets ticket and link previews show (admins)")),
    (
        "mapping [<kind> [<category>] [category=… subcategory=… group=… ci=…]]",
        N_("how a ticket becomes a ServiceNow record, per security category (admins)"),
    ),
    ("mapping <kind> source=<field>", N_("the record field that carries the source (admins)")),
    ("mapping reset <kind> [<category>|source]", N_("back to the default mapping (admins)")),
    ("language [en|sv]", N_("the language of this workspace's channel messages (admins)")),
    ("audit [n]", N_("who connected, created, changed and subscribed what, where (admins)")),
    ('states [incident|change|problem|sir] [<value> "<name>"]', N_("show or rename state names")),
    ("rules", N_("the rules that open tickets from Secure Score")),
    (
        'rules add when "new recommendation" [category <c>] [points>=N] then incident|change '
        "[priority N]",
        N_("open a ticket for each new matching recommendation (admins)"),
    ),
    (
        'rules add when "score drops" by>=N then incident|change [priority N]',
        N_("open a ticket when the score falls N points in a day (admins)"),
    ),
    ("rules remove <n>", N_("remove a rule (admins)")),
)


def help_lines() -> tuple[tuple[str, str], ...]:
    """:data:`COMMAND_HELP` with what each command does in the current language (what the
    help card shows)."""
    return tuple((form, _(what)) for form, what in COMMAND_HELP)
