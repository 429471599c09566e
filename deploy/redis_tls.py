"""Make the TLS material for the Redis that SnowOps replicas share (deploy/compose.yaml).

SnowOps refuses plaintext ``redis://`` to anything but loopback, so in compose Redis listens
with TLS only and the replicas use ``rediss://redis:6379/0?ssl_ca_certs=/run/redis-tls/ca.crt``.
This writes, into ``--dir``:

- ``ca.crt``: a CA made for this deployment alone; its private key is never written, so
  nobody can sign another certificate under it (the replicas trust this CA and nothing else);
- ``redis.crt`` / ``redis.key``: the server's certificate (subject alternative names: the
  ``--host`` names, localhost, 127.0.0.1) and key, the key readable by ``--key-owner`` only.

Existing material is kept while it is valid for 30 more days and names the same hosts, so
running it at every ``docker compose up`` changes nothing. It needs only ``cryptography``,
which the SnowOps image has:

    python deploy/redis_tls.py --dir /tls --host redis --key-owner 999:999
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 3650
RENEW_DAYS = 30


def _names(hosts: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in [*hosts, "localhost", "127.0.0.1"]:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return list(dict.fromkeys(names))


def _usage(**allowed: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
         "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"),
        False,
    )  # fmt: skip
    return x509.KeyUsage(**{**flags, **allowed})


def current(folder: Path, hosts: list[str]) -> bool:
    """True when the material there is complete, valid long enough and for these hosts."""
    try:
        cert = x509.load_pem_x509_certificate((folder / "redis.crt").read_bytes())
        x509.load_pem_x509_certificate((folder / "ca.crt").read_bytes())
        (folder / "redis.key").stat()
    except (OSError, ValueError):
        return False
    left = cert.not_valid_after_utc - dt.datetime.now(dt.UTC)
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return left > dt.timedelta(days=RENEW_DAYS) and set(sans) == set(_names(hosts))


def make(hosts: list[str]) -> tuple[bytes, bytes, bytes]:
    """A fresh CA and server certificate: (ca.crt, redis.crt, redis.key) in PEM."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SnowOps Redis CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(digital_signature=True, key_agreement=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(_names(hosts)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    pem = serialization.Encoding.PEM
    return ca.public_bytes(pem), cert.public_bytes(pem), key_pem


def write(folder: Path, name: str, data: bytes, mode: int, owner: tuple[int, int] | None) -> None:
    tmp = folder / f".{name}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    if owner is not None:
        os.chown(tmp, *owner)
    tmp.replace(folder / name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True, help="where to write the files")
    parser.add_argument(
        "--host", action="append", required=True, help="Redis's host name (repeatable)"
    )
    parser.add_argument(
        "--key-owner", default=None, help="uid:gid of the Redis server (official image: 999:999)"
    )
    args = parser.parse_args(argv)
    owner = None
    if args.key_owner:
        uid, gid = args.key_owner.split(":")
        owner = (int(uid), int(gid))
    args.dir.mkdir(parents=True, exist_ok=True)
    if current(args.dir, args.host):
        print(f"redis_tls: {args.dir} already holds a valid certificate for {args.host}")
        return 0
    ca, cert, key = make(args.host)
    write(args.dir, "redis.key", key, 0o600, owner)
    write(args.dir, "redis.crt", cert, 0o644, None)
    write(args.dir, "ca.crt", ca, 0o644, None)
    print(f"redis_tls: wrote a new CA and a certificate for {', '.join(args.host)} to {args.dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
