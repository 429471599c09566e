"""The Helm chart: `helm lint --strict`, `helm template` in several configurations, every
rendered object validated (strict) against the Kubernetes OpenAPI schemas of the oldest and
newest versions it supports (kubernetes-validate's bundled schemas, offline), and what it
promises checked object by object. helm is the released binary (`make tools`)."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy.conftest import CHART, clean_env, tool

CI_VALUES = CHART / "ci" / "test-values.yaml"
KUBERNETES = ("1.25.0", "1.37.0")  # Chart.yaml's kubeVersion floor, and the newest schemas
OWN_REDIS = "rediss://:pw@r.internal:6380/0"


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("helm"), *args], capture_output=True, text=True, check=False,
        env=clean_env(HELM_CACHE_HOME="/nonexistent", HELM_CONFIG_HOME="/nonexistent"),
    )  # fmt: skip


def render(*args: str) -> list[dict[str, Any]]:
    args = ("--namespace", "chat", "-f", str(CI_VALUES), *args)
    done = helm("template", "snowops", str(CHART), *args)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def one(docs: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [d for d in by_kind(docs, kind) if name is None or d["metadata"]["name"] == name]
    assert len(found) == 1, f"{len(found)} {kind} {name or ''}"
    return found[0]


@pytest.fixture(scope="module")
def default() -> list[dict[str, Any]]:
    return render()


def test_helm_lint_strict() -> None:
    done = helm("lint", "--strict", str(CHART), "-f", str(CI_VALUES))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 chart(s) failed" in done.stdout


@pytest.mark.parametrize("version", KUBERNETES)
def test_every_object_validates_against_the_kubernetes_schema(
    default: list[dict[str, Any]], version: str
) -> None:
    variants = [
        default,
        render("--set", "redis.enabled=false", "--set", f"store.url={OWN_REDIS}"),
        render("--set", "secret.existingSecret=x", "--set", "ingress.tls.enabled=false"),
    ]
    for docs in variants:
        for doc in docs:
            kubernetes_validate.validate(doc, version, strict=True)


def test_the_schema_check_can_fail(default: list[dict[str, Any]]) -> None:
    deployment = json.loads(json.dumps(one(default, "Deployment")))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES[-1], strict=True)


def test_objects(default: list[dict[str, Any]]) -> None:
    kinds = sorted(d["kind"] for d in default)
    assert kinds == sorted([
        "ConfigMap", "Deployment", "Ingress", "PodDisruptionBudget", "Secret", "Secret",
        "Secret", "Service", "Service", "ServiceAccount", "StatefulSet",
    ])  # fmt: skip


def test_deployment_runs_replicas_with_probes_secrets_and_limits(
    default: list[dict[str, Any]],
) -> None:
    deployment = one(default, "Deployment")
    spec = deployment["spec"]
    assert spec["replicas"] >= 2
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = spec["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["automountServiceAccountToken"] is False
    assert pod["terminationGracePeriodSeconds"] >= 15
    (container,) = pod["containers"]
    assert container["args"] == ["serve"]
    assert container["ports"] == [{"name": "http", "containerPort": 3978, "protocol": "TCP"}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["resources"]["requests"]["memory"]
    assert container["resources"]["limits"]["memory"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    refs = [next(iter(ref.values()))["name"] for ref in container["envFrom"]]
    assert refs == ["snowops", "snowops"]  # the ConfigMap and the Secret
    env = {e["name"]: e for e in container["env"]}
    assert env["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "snowops-redis-auth", "key": "password",
    }  # fmt: skip
    assert env["SNOWOPS_STORE"]["value"] == (
        "rediss://:$(REDIS_PASSWORD)@snowops-redis:6379/0"
        "?ssl_ca_certs=/etc/snowops/redis-tls/ca.crt"
    )
    assert list(env) == ["REDIS_PASSWORD", "SNOWOPS_STORE"], "$(REDIS_PASSWORD) comes first"
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["redis-tls"]["secret"] == {
        "secretName": "snowops-redis-tls", "items": [{"key": "ca.crt", "path": "ca.crt"}],
    }  # fmt: skip
    annotations = spec["template"]["metadata"]["annotations"]
    assert "checksum/secret" in annotations
    assert "checksum/config" in annotations


def test_settings_come_from_a_configmap_and_a_secret(default: list[dict[str, Any]]) -> None:
    config = one(default, "ConfigMap")["data"]
    assert config["SNOWOPS_PUBLIC_URL"] == "https://snowops.example.com"
    assert config["SNOWOPS_HOST"] == "0.0.0.0"
    assert config["SNOWOPS_LOG_LEVEL"] == "INFO"
    secret = one(default, "Secret", "snowops")["stringData"]
    assert set(secret) == {"SNOWOPS_SECRET_KEY", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"}
    assert not set(secret) & set(config), "a secret in the ConfigMap"


def test_pdb_service_and_ingress_select_the_pods(default: list[dict[str, Any]]) -> None:
    labels = one(default, "Deployment")["spec"]["template"]["metadata"]["labels"]
    pdb = one(default, "PodDisruptionBudget")["spec"]
    assert pdb["minAvailable"] == 1
    assert pdb["selector"]["matchLabels"].items() <= labels.items()
    service = one(default, "Service", "snowops")["spec"]
    assert service["selector"].items() <= labels.items()
    assert service["ports"][0]["targetPort"] == "http"
    ingress = one(default, "Ingress")
    rule = ingress["spec"]["rules"][0]
    assert rule["host"] == "snowops.example.com"  # SNOWOPS_PUBLIC_URL's host
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "snowops", "port": {"name": "http"}}
    (tls,) = ingress["spec"]["tls"]
    assert tls == {"hosts": ["snowops.example.com"], "secretName": "snowops-tls"}
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt"


def test_bundled_redis_persists_append_only_never_evicts_tls_only(
    default: list[dict[str, Any]],
) -> None:
    redis = one(default, "StatefulSet")
    (container,) = redis["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    opts = dict(zip(args[1::2], args[2::2], strict=False))
    assert args[0] == "redis-server"
    assert opts["--appendonly"] == "yes"
    assert opts["--maxmemory-policy"] == "noeviction"
    assert opts["--port"] == "0"
    assert opts["--tls-port"] == "6379"
    assert opts["--requirepass"] == "$(REDIS_PASSWORD)"
    claim = redis["spec"]["volumeClaimTemplates"][0]
    assert claim["spec"]["resources"]["requests"]["storage"]
    assert redis["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    service = one(default, "Service", "snowops-redis")
    assert service["spec"]["ports"][0]["port"] == 6379


def test_own_redis_instead_of_the_bundled_one() -> None:
    docs = render("--set", "redis.enabled=false", "--set", f"store.url={OWN_REDIS}")
    assert not by_kind(docs, "StatefulSet")
    assert one(docs, "Secret")["stringData"]["SNOWOPS_STORE"] == OWN_REDIS
    container = one(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert "env" not in container


def test_existing_secret_is_used_and_none_created() -> None:
    docs = render("--set", "secret.existingSecret=snowops-secrets")
    assert [d["metadata"]["name"] for d in by_kind(docs, "Secret")] == [
        "snowops-redis-auth", "snowops-redis-tls",
    ]  # fmt: skip
    container = one(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"][1] == {"secretRef": {"name": "snowops-secrets"}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "redis.enabled=false"], "several replicas need Redis"),
        (["--set", "redis.enabled=false", "--set", "store.url=redis://r.internal:6379/0"],
         "use rediss://"),
        (["--set", "secret.values.SNOWOPS_SECRET_KEY="], "SNOWOPS_SECRET_KEY is required"),
    ],
)  # fmt: skip
def test_refuses_what_cannot_work(args: list[str], message: str) -> None:
    done = helm("template", "snowops", str(CHART), "-f", str(CI_VALUES), *args)
    assert done.returncode != 0
    assert message in done.stderr


def handshake(server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext, host: str) -> Any:
    """A TLS handshake in memory; the client's view of the server's certificate."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client = client_ctx.wrap_bio(c_in, c_out, server_hostname=host)
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    done: set[str] = set()
    for _ in range(20):
        for name, end in (("client", client), ("server", server)):
            if name not in done:
                try:
                    end.do_handshake()
                    done.add(name)
                except ssl.SSLWantReadError:
                    pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if len(done) == 2:
            return client.getpeercert()
    raise AssertionError(f"no handshake for {host}")


def test_the_charts_redis_tls_material_verifies_strictly(
    default: list[dict[str, Any]], tmp_path: Path
) -> None:
    """The CA and certificate helm makes at install: a strict client (as Python 3.13's
    default) accepts them for the Service's names, and no other name."""
    data = one(default, "Secret", "snowops-redis-tls")["data"]
    files = {}
    for name in ("ca.crt", "tls.crt", "tls.key"):
        files[name] = tmp_path / name
        files[name].write_bytes(base64.b64decode(data[name]))
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(files["tls.crt"], files["tls.key"])
    client_ctx = ssl.create_default_context(cafile=str(files["ca.crt"]))
    client_ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    for host in ("snowops-redis", "snowops-redis.chat.svc"):
        assert handshake(server_ctx, client_ctx, host)["subject"]
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(server_ctx, client_ctx, "elsewhere.example.com")
