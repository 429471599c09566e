"""Instance URLs: what a user types into what SnowOps calls.

Plain ``http://`` is accepted only for loopback hosts (local simulators, tests).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from core.errors import UserError
from core.i18n import N_, _

__all__ = [
    "InvalidInstanceURL",
    "is_ip_literal",
    "is_loopback_host",
    "normalize_instance_url",
    "require_safe_url",
]

_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class InvalidInstanceURL(UserError):
    """The instance name or URL cannot be used."""


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_safe_url(url: str, what: str = N_("URL")) -> str:
    """Return ``url`` without a trailing slash if it is https, or http on loopback.
    ``what`` names it in the error (a string marked with ``N_``, translated here)."""
    parts = urlsplit(url.strip())
    name, got = _(what), repr(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInstanceURL(_("{what} must be an https:// URL, got {url}", what=name, url=got))
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InvalidInstanceURL(
            _(
                "{what} must use https:// (plain http is allowed only for localhost), got {url}",
                what=name,
                url=got,
            )
        )
    if parts.query or parts.fragment:
        raise InvalidInstanceURL(
            _("{what} must not carry a query or fragment, got {url}", what=name, url=got)
        )
    return url.strip().rstrip("/")


def is_ip_literal(host: str) -> bool:
    """True for an IPv4 or IPv6 address written as such."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def normalize_instance_url(value: str) -> str:
    """``acme`` → ``https://acme.service-now.com``; a full URL is checked and kept.

    >>> normalize_instance_url("acme")
    'https://acme.service-now.com'
    """
    text = value.strip()
    if not text:
        raise InvalidInstanceURL(_("give an instance name such as acme, or its URL"))
    if "://" in text:
        url = require_safe_url(text, N_("instance URL"))
        parts = urlsplit(url)
        if parts.path not in ("", "/"):
            raise InvalidInstanceURL(
                _(
                    "give the instance's base URL only (https://acme.service-now.com), got {url}",
                    url=repr(text),
                )
            )
        host = parts.hostname or ""
        if is_ip_literal(host) and not is_loopback_host(host):
            # Instances have names; an address would let the bot be aimed at internal hosts.
            raise InvalidInstanceURL(
                _("give the instance's host name, not an IP address: {url}", url=repr(text))
            )
        return url
    name = text.lower()
    if name.endswith(".service-now.com"):
        return f"https://{name}"
    if not _NAME.match(name):
        raise InvalidInstanceURL(
            _(
                "{name} is not an instance name: use letters, digits and dashes (acme), "
                "or the full https:// URL",
                name=repr(text),
            )
        )
    return f"https://{name}.service-now.com"
