"""What `/snow help` lists: each command's form and what it does (the help card, and the
grammar's did-you-mean suggestions, read it)."""

from __future__ import annotations

from core.i18n import N_

__all__ = ["COMMAND_HELP"]

COMMAND_HELP: tuple[tuple[str, str], ...] = (
    ("help", "what SnowOps can do here"),
    ("home", "incident and change overview"),
    ("connect <instance>", "connect this workspace to ServiceNow (admins)"),
    ("reconnect", "a fresh sign-in link for the connected instance (admins)"),
    ("status", "connection health, last sync, last error"),
    ("config", "connection and state names in one place (admins)"),
    ("disconnect [confirm]", "revoke tokens and forget the connection; asks first (admins)"),
    ("recommendations [category] [all] [page N]", "Secure Score improvement actions to share"),
    ('recommendations add <category> "<title>" ["<description>"]', "keep your own"),
    ("recommendations remove <id>", "forget one of your own (admins)"),
    ("securescore", "the tenant's Secure Score: trend, chart, points gained through tickets"),
    ("securescore <tenant-id>", "link the Microsoft tenant Secure Score comes from (admins)"),
    ("share <recommendation-id>", "open the ticket form for a recommendation"),
    ("create [incident|change] [title]", "open the ticket form"),
    ("tickets [incident|change] [open|all] [page N]", "list tickets"),
    ("ticket <number>", "one ticket and its recent history"),
    ("subscribe [incident|change|all] [priority<=N]", "notify this channel (admins)"),
    (
        "subscribe … digest daily [09:00]|hourly [zone Europe/Stockholm]",
        "one summary per period instead of a message per change (admins)",
    ),
    ("quiet 18:00-08:00 [zone …] | quiet off", "hold priority 3–5 news at night (admins)"),
    ("notify me on|off", "direct messages of changes to tickets you asked for or took"),
    ("unsubscribe", "stop notifying this channel (admins)"),
    ("notifications retry", "try undelivered notifications again, once fixed (admins)"),
    ("link", "link your own ServiceNow account, so changes from chat are made as you"),
    ("unlink", "forget your ServiceNow account and revoke its tokens"),
    ('comment <number> "<text>"', "add a comment the caller sees"),
    ('note <number> "<text>"', "add a work note (the service desk only)"),
    ('assign <number> me|"<group>"', "assign to yourself or to an assignment group"),
    ('resolve <number> <close code> "<notes>"', "resolve an incident, or close a change"),
    ('close <number> <close code> "<notes>"', "close a change"),
    ("reopen <number>", "put a resolved incident back in progress"),
    ("identity [linked|email]", "who acts for people who have not linked (admins)"),
    ("lookup [any|own]", "which tickets ticket and link previews show (admins)"),
    (
        "mapping [<kind> [<category>] [category=… subcategory=… group=… ci=…]]",
        N_("how a ticket becomes a ServiceNow record, per security category (admins)"),
    ),
    ("mapping <kind> source=<field>", N_("the record field that carries the source (admins)")),
    ("mapping reset <kind> [<category>|source]", N_("back to the default mapping (admins)")),
    ("audit [n]", "who connected, created, changed and subscribed what, where (admins)"),
    ('states [incident|change] [<value> "<name>"]', "show or rename state names"),
    ("rules", "the rules that open tickets from Secure Score"),
    (
        'rules add when "new recommendation" [category <c>] [points>=N] then incident|change '
        "[priority N]",
        "open a ticket for each new matching recommendation (admins)",
    ),
    (
        'rules add when "score drops" by>=N then incident|change [priority N]',
        "open a ticket when the score falls N points in a day (admins)",
    ),
    ("rules remove <n>", "remove a rule (admins)"),
)
