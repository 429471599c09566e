"""What the connection requests say: the sign-in notices, the disconnect question and its
button, and the per-channel delivery lines of `/snow status`, in the current language."""

from __future__ import annotations

from core import commands as c
from core.accounts import LinkResult
from core.connections import ConnectResult
from core.i18n import N_, _, ngettext
from core.repos.delivery_health import DestinationHealth
from core.views import Button, Notice, NoticeLevel, format_when

__all__ = [
    "DISCONNECT_CONFIRM",
    "connect_notice",
    "connect_privately",
    "destination_line",
    "disconnect_button",
    "disconnect_question",
    "link_notice",
]

DISCONNECT_CONFIRM = N_(
    "Tickets stop syncing and channels stop hearing of changes; SnowOps's tokens are "
    "revoked. Ticket history stays."
)


def disconnect_question(instance_url: str) -> str:
    """ "Disconnect <instance>?" and what stops."""
    question = _("Disconnect {instance}?", instance=instance_url)
    return f"{question} {_(DISCONNECT_CONFIRM)}"


def connect_privately() -> Notice:
    """`/snow connect` typed where others could see the sign-in link."""
    return Notice(
        _("Run this in your personal chat with SnowOps: the sign-in link is for you alone."),
        NoticeLevel.WARNING,
    )


def disconnect_button(instance_url: str) -> Button:
    """Disconnect: Slack asks in its dialog and then disconnects; Teams and the console
    run the asking form first (their confirmation step)."""
    return Button(
        _("Disconnect"),
        c.Disconnect(confirmed=True),
        confirm=disconnect_question(instance_url),
        ask=c.Disconnect(),
        danger=True,
    )


def connect_notice(result: ConnectResult) -> Notice:
    """How an admin's connect ended, for them alone."""
    conn = result.connection
    if conn is None:
        return Notice(
            _("ServiceNow was not connected: access was not allowed."), NoticeLevel.WARNING
        )
    # The sign-in link could have been completed in someone else's browser: the admin who
    # asked checks whose account it was.
    if conn.connected_as:
        text = _(
            "Connected to ServiceNow at {instance} as {user}.",
            instance=conn.instance_url,
            user=conn.connected_as,
        )
        check = _(
            "Is {user} the ServiceNow account you signed in with? If not, someone else "
            "completed your sign-in link: run /snow disconnect now.",
            user=conn.connected_as,
        )
    else:
        text = _("Connected to ServiceNow at {instance}.", instance=conn.instance_url)
        check = _(
            "Is that the ServiceNow account you signed in with? If not, someone else "
            "completed your sign-in link: run /snow disconnect now."
        )
    return Notice(
        text,
        NoticeLevel.WARNING if result.warning else NoticeLevel.SUCCESS,
        hint=f"{result.warning} {check}".strip(),
    )


def link_notice(result: LinkResult) -> Notice:
    """How a person's `/snow link` ended, for them alone."""
    link = result.link
    if link is None:
        return Notice(_("Your ServiceNow account was not linked: access was not allowed."))
    return Notice(
        _(
            "Your ServiceNow account is linked: you are {user} in ServiceNow.",
            user=link.user_name,
        ),
        NoticeLevel.SUCCESS,
        hint=_(
            "Is {user} you? If not, someone else completed your sign-in link: "
            "run /snow unlink now.",
            user=link.user_name,
        ),
    )


def destination_line(health: DestinationHealth, parked: int) -> tuple[str, str]:
    """A channel's line of `/snow status`: its last delivery, failures since, and
    notifications parked there."""
    if health.last_ok:
        parts = [_("last delivered {when}", when=format_when(health.last_ok))]
    else:
        parts = [_("never delivered")]
    if health.failures:
        parts.append(
            ngettext(
                "{n} failed since (latest: {error})",
                "{n} failed since (latest: {error})",
                health.failures,
                error=health.last_error or _("unknown"),
            )
        )
    if parked:
        parts.append(ngettext("{n} parked", "{n} parked", parked))
    return _("Channel {channel}", channel=health.channel), "; ".join(parts)
