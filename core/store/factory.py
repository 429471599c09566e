"""Pick a Store from a URL (``SNOWOPS_STORE``).

Accepted forms::

    sqlite:///relative/path.db    sqlite:////absolute/path.db    sqlite:///:memory:
    rediss://[user:password@]host[:port][/db][?prefix=snowops:]
    redis://[user:password@]localhost[:port][/db]   (plaintext: loopback hosts only)

A Redis URL's ``prefix`` (default ``snowops:``) starts every key, so several deployments can
share one database; other query parameters go to redis-py (``ssl_ca_certs=…`` for a private
CA, for one).
    memory://                                        (tests)

Backends are imported lazily so a deployment on one does not load the other's driver.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from core.secrets import SecretBox
from core.store.port import Store
from core.urls import is_loopback_host

__all__ = ["open_store"]

_FORMS = "sqlite:///relative.db, sqlite:////abs/path.db, sqlite:///:memory:, rediss://host, "
_FORMS += "redis://localhost (loopback only), memory://"


def open_store(url: str, box: SecretBox) -> Store:
    """Build the Store a URL names, not yet opened (call ``await store.open()``).

    Raises ValueError for an unknown scheme, a malformed SQLite URL, or plaintext
    ``redis://`` to a host that is not loopback.
    """
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "memory":
        from core.store.memory import MemoryStore

        return MemoryStore(box)
    if scheme == "sqlite":
        from core.store.sqlite import SqliteStore

        return SqliteStore(_sqlite_path(url), box)
    if scheme in ("redis", "rediss"):
        from core.store.redis_store import RedisStore

        host = urlsplit(url).hostname
        if not host:
            raise ValueError(f"store URL has no host: {_redact(url)}")
        if scheme == "redis" and not is_loopback_host(host):
            raise ValueError(
                f"redis:// sends data and passwords in clear; use rediss://{host} "
                "(plaintext redis:// is accepted for loopback hosts only)"
            )
        url, prefix = _split_prefix(url)
        return RedisStore(url, box, prefix=prefix)
    raise ValueError(f"unsupported store URL {_redact(url)!r}; use one of: {_FORMS}")


def _split_prefix(url: str) -> tuple[str, str]:
    # redis-py hands unknown query parameters to its connection class, which refuses them.
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefixes = [v for k, v in query if k == "prefix"]
    rest = urlencode([(k, v) for k, v in query if k != "prefix"])
    prefix = prefixes[-1] if prefixes else "snowops:"
    if not prefix:
        raise ValueError("a Redis store URL's prefix= cannot be empty")
    return parts._replace(query=rest).geturl(), prefix


def _sqlite_path(url: str) -> str:
    # sqlite:///x.db → "x.db"; sqlite:////abs/x.db → "/abs/x.db" (SQLAlchemy's convention).
    if not url.lower().startswith("sqlite:///"):
        raise ValueError(
            f"SQLite store URL needs three slashes: sqlite:///relative.db or "
            f"sqlite:////abs/path.db, not {url!r}"
        )
    path = url[len("sqlite:///") :]
    if not path:
        raise ValueError("SQLite store URL has no path: sqlite:///relative.db")
    return path


def _redact(url: str) -> str:
    # Never echo a password from a URL into a log or an error message.
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
