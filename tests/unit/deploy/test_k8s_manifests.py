"""Offline check of deploy/k8s and of docs/deployment-kubernetes.md (no cluster needed).

- every manifest validates against the Kubernetes 1.28 schemas, strictly (unknown keys fail);
- kustomization.yaml lists every manifest (jobs/ apart) and the one image both Deployments use;
- probes use routes that need no token (Rasa `/`, the action server's `/health`), on declared ports;
- every container has CPU/memory requests and a memory limit, runs non-root with a read-only root;
- every secret comes from the Secret madoguchi-secrets (no literal secret values), the set of keys is
  exactly the guide's, and the compose env example has them too;
- the environment Kubernetes builds (ConfigMap + Secret + $(VAR) expansion) gives Rasa every ${VAR}
  of deploy/endpoints.cluster.yml, and Rasa's own parser then reads the tracker store, the Redis lock
  store with its password and the action endpoint with the shared secret, aimed at the actions Service;
- the Ingress routes exactly /chat, /socket.io and the REST webhook (the paths the channels really
  register), to the Rasa Service, with cookie affinity since there are several replicas;
- the guide names every manifest, every Secret key and every route.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
GUIDE = ROOT / "docs" / "deployment-kubernetes.md"
KUBERNETES_VERSION = "1.28.0"
SECRET_NAME = "madoguchi-secrets"
SECRET_KEYS = {
    "MADOGUCHI_SECRET", "MADOGUCHI_API_TOKEN", "MADOGUCHI_JWT_SECRET", "MADOGUCHI_REST_TOKEN",
    "MADOGUCHI_ACTION_SECRET", "MADOGUCHI_DB_PASSWORD", "MADOGUCHI_REDIS_PASSWORD", "MADOGUCHI_STAFF_PASSWORD",
}
OPTIONAL_SECRET_KEYS = {"MADOGUCHI_STAFF_PASSWORD"}
SECRETISH = re.compile(r"(SECRET|TOKEN|PASSWORD)")
UNAUTHENTICATED_ROUTES = {"rasa": "/", "actions": "/health"}


def manifest_files() -> List[Path]:
    return sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")


def documents() -> Iterator[Tuple[Path, dict]]:
    for path in manifest_files():
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                yield path, doc


def by_kind(kind: str) -> Dict[str, dict]:
    return {doc["metadata"]["name"]: doc for _, doc in documents() if doc["kind"] == kind}


def workloads() -> Dict[str, dict]:
    return {**by_kind("Deployment"), **by_kind("Job")}


def containers() -> Iterator[Tuple[str, dict]]:
    for name, workload in workloads().items():
        for container in workload["spec"]["template"]["spec"]["containers"]:
            yield name, container


def test_every_manifest_validates_strictly_against_the_kubernetes_schemas():
    import kubernetes_validate

    seen = 0
    for path, doc in documents():
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{path.relative_to(ROOT)} {doc.get('kind')}: {str(exc)[:500]}")
        seen += 1
    kinds = {doc["kind"] for _, doc in documents()}
    assert {"Deployment", "Service", "Ingress", "ConfigMap", "NetworkPolicy", "PodDisruptionBudget"} <= kinds
    assert seen >= 10


def test_schema_check_catches_a_wrong_key():
    """The check above is strict: a misspelt field fails (a guard against a validator that passes all)."""
    import kubernetes_validate

    deployment = yaml.safe_load((K8S / "rasa.yaml").read_text().split("\n---")[0])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest_and_one_image():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    expected = {p.relative_to(K8S).as_posix() for p in manifest_files() if p.parent == K8S}
    assert listed == expected
    assert [i["name"] for i in kustomization["images"]] == ["madoguchi"]
    assert {c["image"] for _, c in containers()} == {"madoguchi"}
    assert kustomization["namespace"] == "madoguchi"


def test_probes_use_unauthenticated_routes_on_declared_ports():
    deployments = by_kind("Deployment")
    assert set(deployments) == {"madoguchi-rasa", "madoguchi-actions"}
    for name, deployment in deployments.items():
        component = deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        port_names = {p["name"] for p in container["ports"]}
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            get = container[probe]["httpGet"]
            assert get["path"] == UNAUTHENTICATED_ROUTES[component], (name, probe)
            assert get["port"] in port_names, (name, probe)


def test_rasa_root_route_needs_no_token_and_status_does():
    """What the probes rely on, in Rasa 3.6's own code: `/` is added without @requires_auth."""
    import inspect

    import rasa.server

    root = inspect.getsource(rasa.server.add_root_route)
    assert '@app.get("/")' in root and "requires_auth" not in root
    source = inspect.getsource(rasa.server.create_app)
    assert "requires_auth" in source[source.index('@app.get("/status")'):source.index("async def status")]


def test_resources_and_hardening_of_every_container():
    for name, container in containers():
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]), name
        assert "memory" in resources["limits"], name
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False, name
        assert security["capabilities"]["drop"] == ["ALL"], name
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert {"/tmp", "/app/var"} <= mounts, name  # the only paths the image writes to
    for name, workload in workloads().items():
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 1001, name
        assert pod["automountServiceAccountToken"] is False, name


def secret_refs() -> List[Tuple[str, str, dict]]:
    refs = []
    for name, container in containers():
        for env in container.get("env", []):
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                refs.append((name, env["name"], ref))
    return refs


def test_secrets_come_from_the_secret_store_only():
    refs = secret_refs()
    assert {ref["name"] for _, _, ref in refs} == {SECRET_NAME}
    assert {ref["key"] for _, _, ref in refs} == SECRET_KEYS
    for _, _, ref in refs:
        assert ref.get("optional", False) == (ref["key"] in OPTIONAL_SECRET_KEYS), ref
    # no literal secret: a secret-looking variable is a secretKeyRef or built only from $(…) of them
    for name, container in containers():
        for env in container.get("env", []):
            if "value" in env and SECRETISH.search(env["name"]):
                pytest.fail(f"{name}: {env['name']} has a literal value")
            if "value" in env and re.search(r"://[^:/]*:[^$@]", env["value"]):
                pytest.fail(f"{name}: {env['name']} has a literal password in a URL")
    configmap = by_kind("ConfigMap")["madoguchi-config"]["data"]
    assert not [k for k in configmap if SECRETISH.search(k)], configmap
    assert "MADOGUCHI_TODAY" not in configmap and configmap["MADOGUCHI_ENV"] == "production"
    # the guide names exactly these keys, and the compose env example has each of them
    guide = GUIDE.read_text(encoding="utf-8")
    section = guide[guide.index("## 2. Secrets"):guide.index("## 3.")]
    assert set(re.findall(r"\bMADOGUCHI_[A-Z_]+", section)) >= SECRET_KEYS
    named = set(re.findall(r"--from-literal=(MADOGUCHI_[A-Z_]+)=", section))
    assert named == SECRET_KEYS, named ^ SECRET_KEYS
    example = (ROOT / "deploy" / "compose.env.example").read_text()
    assert SECRET_KEYS <= set(re.findall(r"^(MADOGUCHI_[A-Z_]+)=", example, re.M))


def expand(value: str, env: Dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion (only variables defined before, via envFrom or earlier env)."""
    return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), value)


def pod_environment(container: dict, secret: Dict[str, str]) -> Dict[str, str]:
    configmaps = {name: cm["data"] for name, cm in by_kind("ConfigMap").items()}
    env: Dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(configmaps[source["configMapRef"]["name"]])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = expand(item["value"], env)
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            if ref["key"] in secret:
                env[item["name"]] = secret[ref["key"]]
    return env


FAKE_SECRET = {key: f"{key.lower().replace('_', '')}x{len(key)}" for key in SECRET_KEYS}


def test_rasa_gets_every_endpoint_variable_and_rasa_reads_them(monkeypatch):
    from rasa.utils.endpoints import read_endpoint_config

    rasa = by_kind("Deployment")["madoguchi-rasa"]
    (container,) = rasa["spec"]["template"]["spec"]["containers"]
    env = pod_environment(container, FAKE_SECRET)
    args = [expand(a, env) for a in container["args"]]
    assert not [a for a in args + list(env.values()) if "$(" in a], "unexpanded $(VAR)"
    assert args[args.index("--auth-token") + 1] == FAKE_SECRET["MADOGUCHI_API_TOKEN"]
    assert args[args.index("--jwt-secret") + 1] == FAKE_SECRET["MADOGUCHI_JWT_SECRET"]
    endpoints = args[args.index("--endpoints") + 1]
    credentials = args[args.index("--credentials") + 1]
    assert (ROOT / endpoints).is_file() and (ROOT / credentials).is_file()  # both are copied into the image
    needed = set(re.findall(r"\$\{(\w+)\}", json.dumps(yaml.safe_load((ROOT / endpoints).read_text()))))
    assert needed <= set(env), needed - set(env)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    tracker = read_endpoint_config(str(ROOT / endpoints), "tracker_store")
    lock = read_endpoint_config(str(ROOT / endpoints), "lock_store")
    action = read_endpoint_config(str(ROOT / endpoints), "action_endpoint")
    assert tracker.kwargs["dialect"] == "postgresql" and tracker.url == "madoguchi-postgresql"
    assert tracker.kwargs["password"] == FAKE_SECRET["MADOGUCHI_DB_PASSWORD"]
    assert lock.type == "redis" and lock.kwargs["password"] == FAKE_SECRET["MADOGUCHI_REDIS_PASSWORD"]
    assert action.headers["Authorization"] == "Bearer " + FAKE_SECRET["MADOGUCHI_ACTION_SECRET"]
    service = by_kind("Service")["madoguchi-actions"]
    assert action.url == f"http://{service['metadata']['name']}:{service['spec']['ports'][0]['port']}/webhook"
    # the accounts database and the limits store, with the passwords from the Secret
    assert env["MADOGUCHI_DB_URL"] == (f"postgresql+psycopg://madoguchi:{FAKE_SECRET['MADOGUCHI_DB_PASSWORD']}"
                                       "@madoguchi-postgresql:5432/madoguchi")
    assert env["MADOGUCHI_LIMITS_URL"] == f"redis://:{FAKE_SECRET['MADOGUCHI_REDIS_PASSWORD']}@madoguchi-redis:6379/2"
    for key in ("MADOGUCHI_SECRET", "MADOGUCHI_REST_TOKEN", "MADOGUCHI_ACTION_SECRET"):
        assert env[key] == FAKE_SECRET[key]


def test_action_server_shares_the_secrets_and_listens_for_the_pods():
    actions = by_kind("Deployment")["madoguchi-actions"]
    (container,) = actions["spec"]["template"]["spec"]["containers"]
    env = pod_environment(container, FAKE_SECRET)
    assert container["command"] == ["python", "-m", "bot.action_server"]
    assert container["args"][container["args"].index("--interface") + 1] == "0.0.0.0"
    port = int(container["args"][container["args"].index("--port") + 1])
    assert port == container["ports"][0]["containerPort"]
    for key in ("MADOGUCHI_SECRET", "MADOGUCHI_ACTION_SECRET"):
        assert env[key] == FAKE_SECRET[key]
    assert env["MADOGUCHI_LIMITS_URL"].startswith("redis://:" + FAKE_SECRET["MADOGUCHI_REDIS_PASSWORD"] + "@")
    assert "MADOGUCHI_API_TOKEN" not in env and "MADOGUCHI_REST_TOKEN" not in env  # least privilege
    policy = by_kind("NetworkPolicy")["madoguchi-actions"]
    sources = policy["spec"]["ingress"][0]["from"]
    assert sources == [{"podSelector": {"matchLabels": by_kind("Deployment")["madoguchi-rasa"]["spec"]["selector"]["matchLabels"]}}]


def test_services_select_their_deployments():
    deployments = by_kind("Deployment")
    for name, service in by_kind("Service").items():
        pod_labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= pod_labels.items(), name
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert service["spec"]["ports"][0]["targetPort"] in {p["name"] for p in container["ports"]}


def ingress_routes() -> set:
    (ingress,) = by_kind("Ingress").values()
    routes = set()
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            assert path["backend"]["service"]["name"] == "madoguchi-rasa"
            assert path["backend"]["service"]["port"] == {"name": "http"}
            routes.add((path["path"], path["pathType"]))
    return routes


def test_ingress_routes_only_chat_socketio_and_rest_the_channels_really_serve():
    from bot.channels.rest import HardenedRestInput
    from bot.channels.secure_socketio import SecureSocketIOInput

    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
    socketio = credentials["bot.channels.secure_socketio.SecureSocketIOInput"]
    channel = SecureSocketIOInput.from_credentials(socketio)
    rest_path = f"/webhooks/{HardenedRestInput.name()}/webhook"
    assert ingress_routes() == {(channel.chat_path, "Prefix"),
                                (socketio["socketio_path"], "Prefix"), (rest_path, "Exact")}
    assert not [p for p, _ in ingress_routes() if p == "/" or p.startswith(("/status", "/model", "/conversations"))]


def test_several_rasa_replicas_have_sticky_socketio_sessions():
    rasa = by_kind("Deployment")["madoguchi-rasa"]
    assert rasa["spec"]["replicas"] >= 2
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
    client_manager = credentials["bot.channels.secure_socketio.SecureSocketIOInput"].get("client_manager_url")
    (ingress,) = by_kind("Ingress").values()
    notes = ingress["metadata"]["annotations"]
    sticky = (notes.get("nginx.ingress.kubernetes.io/affinity") == "cookie"
              and notes.get("nginx.ingress.kubernetes.io/session-cookie-path") == "/")
    assert sticky or client_manager, "socket.io sessions of several replicas need affinity or a client manager"
    assert ingress["spec"]["tls"], "TLS"


def test_the_guide_names_every_manifest_route_and_key():
    guide = GUIDE.read_text(encoding="utf-8")
    for path in manifest_files():
        assert f"deploy/k8s/{path.relative_to(K8S).as_posix()}" in guide, path
    for route, _ in ingress_routes():
        assert f"`{route}" in guide, route
    assert "deprecated" in guide.lower() and "1.17.8" in guide  # the Rasa charts' upstream status
    for key in by_kind("ConfigMap")["madoguchi-config"]["data"]:
        assert key in guide, key
