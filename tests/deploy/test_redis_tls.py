"""deploy/redis_tls.py (compose's Redis certificate) and SnowOps's store over that TLS."""

from __future__ import annotations

import ssl
import stat
from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from core.secrets import SecretBox, generate_key
from core.store.factory import open_store
from core.store.port import Store
from tests.deploy.conftest import TlsRedis, redis_tls_material
from tests.deploy.test_helm import handshake


def test_makes_a_ca_and_a_strictly_valid_certificate_for_redis(tmp_path: Path) -> None:
    tls = redis_tls_material(tmp_path)
    assert sorted(p.name for p in tls.iterdir()) == ["ca.crt", "redis.crt", "redis.key"]
    assert stat.S_IMODE((tls / "redis.key").stat().st_mode) == 0o600
    assert "PRIVATE KEY" not in (tls / "ca.crt").read_text(), "the CA's key was kept"
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tls / "redis.crt", tls / "redis.key")
    client = ssl.create_default_context(cafile=str(tls / "ca.crt"))
    client.verify_flags |= ssl.VERIFY_X509_STRICT  # Python 3.13's default
    for host in ("redis", "localhost", "127.0.0.1"):
        assert handshake(server, client, host)
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(server, client, "other-host")


def test_keeps_valid_material_and_remakes_it_for_other_hosts(tmp_path: Path) -> None:
    tls = redis_tls_material(tmp_path)
    before = {p.name: p.read_bytes() for p in tls.iterdir()}
    redis_tls_material(tmp_path)  # compose runs it at every `up`
    assert {p.name: p.read_bytes() for p in tls.iterdir()} == before
    (tls / "redis.crt").write_text("garbage")
    redis_tls_material(tmp_path)
    assert (tls / "ca.crt").read_bytes() != before["ca.crt"], "broken material was kept"


async def test_snowops_store_over_tls_trusts_only_the_deployments_ca(
    tls_redis: TlsRedis, tmp_path: Path
) -> None:
    box = SecretBox(generate_key())
    store = open_store(tls_redis.url(), box)
    await store.open()
    try:
        await store.ping()
        await store.put_document("deploy-test", "k", {"v": 1})
        assert await store.get_document("deploy-test", "k") == {"v": 1}
    finally:
        await store.close()
    stranger = redis_tls_material(tmp_path / "other") / "ca.crt"
    other = open_store(tls_redis.url().replace(str(tls_redis.ca), str(stranger)), box)
    with pytest.raises(RedisConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        await _reach(other)


async def _reach(store: Store) -> None:
    await store.open()
    try:
        await store.ping()
    finally:
        await store.close()
