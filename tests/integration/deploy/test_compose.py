"""deploy/compose.yml: the services of `make cluster`, its configuration files, secrets only from the env file.

Offline (no container started): the file's structure against scripts/cluster.sh, the env file example
against the variables the servers need, and the nginx configuration the compose command renders from
deploy/nginx.conf.template, tested by nginx itself when it is installed (make test installs it).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_FILE = ROOT / "deploy" / "compose.yml"
CLUSTER_SH = (ROOT / "scripts" / "cluster.sh").read_text()
SECRETISH = re.compile(r"(SECRET|TOKEN|PASSWORD)")
MADOGUCHI_SERVICES = ("setup", "actions", "rasa-1", "rasa-2")


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def interpolate(value: str) -> str:
    """Compose's ${VAR:-default} with the defaults (the environment of a plain `up`); $$ -> $."""
    value = re.sub(r"(?<!\$)\$\{(\w+):-([^}]*)\}", lambda m: m.group(2), value)
    return value.replace("$$", "$")


def mounts(service: dict) -> dict:
    """{container path: repository path} of the bind mounts."""
    result = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("."):
            result[target] = (COMPOSE_FILE.parent / source).resolve().relative_to(ROOT).as_posix()
    return result


def test_same_services_as_make_cluster():
    services = compose()["services"]
    assert set(services) == {"nginx", "rasa-1", "rasa-2", "actions", "postgres", "redis", "setup"}
    for name in ("rasa-1", "rasa-2"):
        command = " ".join(services[name]["command"])
        assert "rasa run" in command and "--enable-api" in command and '--auth-token "$$MADOGUCHI_API_TOKEN"' in command
        assert '--jwt-secret "$$MADOGUCHI_JWT_SECRET"' in command
    assert services["actions"]["command"][:3] == ["python", "-m", "bot.action_server"]
    assert "bot.action_server" in CLUSTER_SH  # the same server make cluster starts
    assert services["rasa-1"]["environment"]["RASA_PORT"] != services["rasa-2"]["environment"]["RASA_PORT"]


def test_shares_the_configuration_files_of_make_cluster():
    services = compose()["services"]
    for name in ("rasa-1", "rasa-2"):
        files = mounts(services[name])
        assert files["/app/deploy/endpoints.cluster.yml"] == "deploy/endpoints.cluster.yml"
        assert files["/app/credentials.yml"] == "credentials.yml"
        command = " ".join(services[name]["command"])
        assert "--endpoints deploy/endpoints.cluster.yml" in command and "--credentials credentials.yml" in command
    assert mounts(services["nginx"])["/etc/madoguchi/nginx.conf.template"] == "deploy/nginx.conf.template"
    for path in ("deploy/endpoints.cluster.yml", "credentials.yml", "deploy/nginx.conf.template"):
        assert path in CLUSTER_SH, path
    # the same default ports as scripts/cluster.sh
    defaults = dict(re.findall(r'"\$\{(CLUSTER_[A-Z_]+):-(\d+)\}"', CLUSTER_SH))
    used = dict(re.findall(r"\$\{(CLUSTER_[A-Z_]+):-(\d+)\}", COMPOSE_FILE.read_text()))
    for key, value in used.items():
        if key in defaults:
            assert defaults[key] == value, key
    assert {"CLUSTER_PORT", "CLUSTER_RASA_BASE_PORT", "CLUSTER_ACTION_BASE_PORT", "CLUSTER_PG_PORT",
            "CLUSTER_REDIS_PORT"} <= set(used) & set(defaults)


def test_secrets_only_from_the_env_file():
    data = compose()
    text = COMPOSE_FILE.read_text()
    for name, service in data["services"].items():
        environment = service.get("environment", {})
        assert not [k for k in environment if SECRETISH.search(k)], (name, environment)
        if name != "nginx":
            assert service["env_file"] == ["${MADOGUCHI_ENV_FILE:-../var/compose.env}"], name
    # secrets are never interpolated into the file itself (that would put them in `compose config`)
    assert not re.findall(r"(?<!\$)\$\{MADOGUCHI_(?!ENV_FILE|IMAGE|SERVICES_IMAGE)\w*", text)
    # the default env file lies in var/, which git ignores
    ignored = subprocess.run(["git", "check-ignore", "-q", "var/compose.env"], cwd=ROOT).returncode
    assert ignored == 0


def test_every_variable_the_servers_need_is_provided():
    data = compose()
    example = (ROOT / "deploy" / "compose.env.example").read_text()
    from_file = set(re.findall(r"^(MADOGUCHI_[A-Z_]+)=", example, re.M))
    assert not re.findall(r"^MADOGUCHI_[A-Z_]+=(?!change-me$|$).+", example, re.M), "real-looking values in the example"
    entrypoint = data["x-madoguchi"]["entrypoint"][2]
    exported = set(re.findall(r"(MADOGUCHI_[A-Z_]+)=", entrypoint))
    endpoints = json.dumps(yaml.safe_load((ROOT / "deploy" / "endpoints.cluster.yml").read_text()))
    needed = set(re.findall(r"\$\{(\w+)\}", endpoints))
    for name in ("rasa-1", "rasa-2"):
        available = set(data["services"][name]["environment"]) | from_file | exported
        assert needed <= available, needed - available
        assert {"MADOGUCHI_SECRET", "MADOGUCHI_REST_TOKEN", "MADOGUCHI_DB_URL", "MADOGUCHI_LIMITS_URL"} <= available
    assert {"MADOGUCHI_DB_PASSWORD", "MADOGUCHI_REDIS_PASSWORD"} <= from_file
    # the passwords are used where the servers and the services read them
    assert "requirepass" in " ".join(data["services"]["redis"]["command"])
    assert "--pwfile" in " ".join(data["services"]["postgres"]["command"])


def test_nginx_configuration_rendered_by_compose_is_valid(tmp_path):
    service = compose()["services"]["nginx"]
    script = interpolate(service["command"][2]).replace("/etc/madoguchi/nginx.conf.template",
                                                        str(ROOT / "deploy" / "nginx.conf.template"))
    script = script.replace("P=/tmp/nginx", f"P={tmp_path}/nginx")
    script = script.replace("exec nginx", "echo nginx")  # render only
    env = {k: interpolate(str(v)) for k, v in service["environment"].items()}
    result = subprocess.run(["sh", "-c", script], env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    conf = (tmp_path / "nginx" / "nginx.conf").read_text()
    assert "@" not in re.sub(r"#.*", "", conf), "a placeholder of the template is left"
    assert "server 127.0.0.1:5105 max_fails=1" in conf and "server 127.0.0.1:5106 max_fails=1" in conf
    assert conf.count("server 127.0.0.1:510") == 4  # both upstreams (REST and sticky socket.io) get both servers
    assert "listen 127.0.0.1:8080" in conf
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (make test installs it): the rendered file was checked above")
    test = subprocess.run([nginx, "-t", "-q", "-c", f"{tmp_path}/nginx/nginx.conf", "-p", f"{tmp_path}/nginx",
                           "-e", f"{tmp_path}/nginx/nginx-error.log"], capture_output=True, text=True)
    assert test.returncode == 0, test.stderr
