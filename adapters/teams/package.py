"""The Teams app package: ``manifests/teams`` with this deployment's bot id and domain,
zipped the way Teams Admin Center and the Developer Portal take it (files at the root),
with the localization file of each language the manifest's ``localizationInfo`` lists
(Teams shows the app's name, descriptions and command hints in the user's language)."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.i18n import _

__all__ = ["MANIFEST_DIR", "PackageError", "build_manifest", "language_files", "write_package"]

MANIFEST_DIR = Path(__file__).resolve().parents[2] / "manifests" / "teams"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_FILES = ("manifest.json", "color.png", "outline.png")
_DOMAIN = re.compile(r"^(\*\.)?([a-z0-9-]{1,63}\.)+[a-z]{2,63}$")
#: A localization file sits at the package's root: a plain name, never a path.
_LANGUAGE_FILE = re.compile(r"^[A-Za-z0-9._-]{1,64}\.json$")


class PackageError(ValueError):
    """The package cannot be built; the message says what to fix."""


def build_manifest(
    template: dict[str, Any], app_id: str, public_url: str, unfurl_domains: Sequence[str] = ()
) -> dict[str, Any]:
    """The manifest for a bot registered as ``app_id`` and served at ``public_url``, whose
    link previews cover ``unfurl_domains`` too (a ServiceNow instance on its own domain)."""
    if not _GUID.match(app_id or ""):
        raise PackageError(
            _(
                "TEAMS_APP_ID must be the bot's Microsoft App ID (a GUID), got {value}",
                value=repr(app_id[:60]),
            )
            if app_id
            else _("set TEAMS_APP_ID (or pass --app-id)")
        )
    host = urlsplit(public_url).hostname or ""
    if not host:
        raise PackageError(
            _("SNOWOPS_PUBLIC_URL is not a URL: {value}", value=repr(public_url[:100]))
        )
    manifest: dict[str, Any] = json.loads(json.dumps(template))
    manifest["id"] = app_id.lower()
    for bot in manifest.get("bots", []):
        bot["botId"] = app_id.lower()
    for extension in manifest.get("composeExtensions", []):
        extension["botId"] = app_id.lower()
        for handler in extension.get("messageHandlers", []):
            handler["value"]["domains"] += [_domain(d) for d in unfurl_domains]
    if "webApplicationInfo" in manifest:
        # Resource-specific consent is granted to the bot's own app registration.
        manifest["webApplicationInfo"]["id"] = app_id.lower()
    manifest["validDomains"] = [host]
    return manifest


def _domain(text: str) -> str:
    """A host name (``itsm.acme.com``, ``*.acme.com``) from a domain or an instance URL."""
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    if not _DOMAIN.match(host):
        raise PackageError(_("not a domain to preview links of: {value}", value=repr(text[:100])))
    return host


def language_files(manifest: dict[str, Any]) -> list[str]:
    """The localization files the manifest names (``localizationInfo.additionalLanguages``)."""
    info = manifest.get("localizationInfo") or {}
    files = [str(entry.get("file", "")) for entry in info.get("additionalLanguages", [])]
    bad = [name for name in files if not _LANGUAGE_FILE.match(name) or name == "manifest.json"]
    if bad:
        raise PackageError(_("not a localization file name: {value}", value=repr(bad[0][:100])))
    return files


def write_package(
    out: Path,
    app_id: str,
    public_url: str,
    unfurl_domains: Sequence[str] = (),
    source: Path = MANIFEST_DIR,
) -> dict[str, Any]:
    """Write the zip to ``out``; returns the manifest it holds."""
    missing = [name for name in _FILES if not (source / name).is_file()]
    if missing:
        raise PackageError(
            _("missing in {folder}: {files}", folder=source, files=", ".join(missing))
        )
    template = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    languages = language_files(template)
    missing = [name for name in languages if not (source / name).is_file()]
    if missing:
        raise PackageError(
            _("missing in {folder}: {files}", folder=source, files=", ".join(missing))
        )
    manifest = build_manifest(template, app_id, public_url, unfurl_domains)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for name in ("color.png", "outline.png", *languages):
            zf.write(source / name, arcname=name)
    return manifest
