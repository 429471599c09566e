"""Instance names and URLs; plain http only for loopback."""

from __future__ import annotations

import pytest

from core.urls import InvalidInstanceURL, normalize_instance_url


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("acme", "https://acme.service-now.com"),
        ("ACME", "https://acme.service-now.com"),
        ("acme.service-now.com", "https://acme.service-now.com"),
        ("https://acme.service-now.com/", "https://acme.service-now.com"),
        ("https://snow.example.org", "https://snow.example.org"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("http://localhost:8765", "http://localhost:8765"),
        ("http://[::1]:8765", "http://[::1]:8765"),
    ],
)
def test_accepted(given: str, url: str) -> None:
    assert normalize_instance_url(given) == url


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("http://acme.service-now.com", "must use https"),
        ("http://10.0.0.5", "must use https"),
        ("ftp://acme", "must be an https"),
        ("acme corp", "not an instance name"),
        ("", "give an instance name"),
        ("https://acme.service-now.com/nav_to.do", "base URL only"),
        ("https://acme.service-now.com/?x=1", "query"),
    ],
)
def test_rejected(given: str, why: str) -> None:
    with pytest.raises(InvalidInstanceURL, match=why):
        normalize_instance_url(given)
