"""The scaled-out setup (scripts/cluster.sh) on free loopback ports in a private directory, for the
benchmark and tests/e2e/cluster. Nothing of a developer's `make cluster` (var/cluster) is touched."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot.devtools.benchmark.servers import ROOT, base_env, free_port

SCRIPT = ROOT / "scripts" / "cluster.sh"


def missing_binaries() -> List[str]:
    """Debian packages whose programs the cluster needs and that are not installed."""
    missing = []
    if not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        missing.append("nginx")
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        missing.append("postgresql")
    if not shutil.which("redis-server"):
        missing.append("redis-server")
    return missing


def skip_reason() -> Optional[str]:
    missing = missing_binaries()
    if missing:
        return (f"Debian packages not installed: {', '.join(missing)} "
                f"(scripts/cluster.sh up installs them as root: apt-get install -y {' '.join(missing)})")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root without runuser (needed to run PostgreSQL as the postgres user)"
    if not shutil.which("curl"):
        return "curl is not installed (scripts/cluster.sh uses it for health checks)"
    return None


@dataclass
class Cluster:
    servers: int = 2
    action_servers: int = 1
    lock_lifetime: int = 20
    directory: Optional[Path] = None
    extra_env: Dict[str, str] = field(default_factory=dict)
    ports: Dict[str, int] = field(default_factory=dict)
    _own_dir: bool = False

    def __post_init__(self) -> None:
        if self.directory is None:
            # Short path under /tmp: PostgreSQL's unix socket path is limited to ~100 bytes.
            self.directory = Path(tempfile.mkdtemp(prefix="mdg-cl-"))
            os.chmod(self.directory, 0o755)  # the postgres user must reach pg/ inside
            self._own_dir = True
        if not self.ports:
            self.ports = {"nginx": free_port(), "pg": free_port(), "redis": free_port(),
                          "rasa": self._free_run(self.servers), "actions": self._free_run(self.action_servers)}

    @staticmethod
    def _free_run(count: int) -> int:
        """First port of `count` consecutive free ports."""
        import socket
        for _ in range(200):
            start = free_port()
            if start + count >= 65535:
                continue
            ok = True
            for port in range(start, start + count):
                with socket.socket() as sock:
                    try:
                        sock.bind(("127.0.0.1", port))
                    except OSError:
                        ok = False
                        break
            if ok:
                return start
        raise RuntimeError("no run of free ports")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['nginx']}"

    def rasa_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports['rasa'] + index}"

    @property
    def env(self) -> Dict[str, str]:
        return base_env({
            "CLUSTER_DIR": str(self.directory), "CLUSTER_RASA_SERVERS": str(self.servers),
            "CLUSTER_ACTION_SERVERS": str(self.action_servers), "CLUSTER_PORT": str(self.ports["nginx"]),
            "CLUSTER_RASA_BASE_PORT": str(self.ports["rasa"]), "CLUSTER_ACTION_BASE_PORT": str(self.ports["actions"]),
            "CLUSTER_PG_PORT": str(self.ports["pg"]), "CLUSTER_REDIS_PORT": str(self.ports["redis"]),
            "TICKET_LOCK_LIFETIME": str(self.lock_lifetime), **self.extra_env})

    def _script(self, command: str, timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", str(SCRIPT), command], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def up(self, timeout: float = 420) -> "Cluster":
        self.extra_env.setdefault("CLUSTER_START_TIMEOUT", str(max(30, int(timeout) - 60)))
        try:
            result = self._script("up", timeout)
        except subprocess.TimeoutExpired as exc:
            tails = self.log_tails()
            self.down()
            raise RuntimeError(f"scripts/cluster.sh up took longer than {timeout:.0f} s\n{tails}") from exc
        if result.returncode != 0:
            self.down()
            raise RuntimeError(f"scripts/cluster.sh up failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
                               f"\n{self.log_tails()}")
        return self

    def down(self) -> None:
        try:
            self._script("down", 180)
        finally:
            if self._own_dir and not os.environ.get("MADOGUCHI_BENCH_KEEP"):
                shutil.rmtree(self.directory, ignore_errors=True)

    def pid(self, name: str) -> int:
        try:
            return int((self.directory / "run" / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            return 0

    def kill_rasa(self, index: int = 0) -> None:
        """SIGKILL Rasa server `index` (a crash; started with setsid: its pid is its process group)."""
        import signal

        pid = self.pid(f"rasa-{index}")
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def restart_postgres(self, timeout: float = 60) -> None:
        """`pg_ctl restart -m fast` of the cluster's PostgreSQL (as the postgres user when root)."""
        bindir = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: [int(x) for x in
                        d.split("/")[-2].split(".") if x.isdigit()])[-1]
        command = [f"{bindir}/pg_ctl", "-D", str(self.directory / "pg" / "data"), "-m", "fast", "-w",
                   "-t", str(int(timeout)), "-l", str(self.directory / "log" / "postgresql.log"), "restart"]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--"] + command
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout + 30)
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl restart failed: {result.stderr.strip()[-300:]}")

    def rasa_pids(self) -> List[int]:
        return [self.pid(f"rasa-{i}") for i in range(self.servers)]

    def action_pids(self) -> List[int]:
        return [self.pid(f"actions-{i}") for i in range(self.action_servers)]

    def db_url(self) -> str:
        password = (self.directory / "pg" / "password").read_text().strip()
        return f"postgresql+psycopg2://madoguchi:{password}@127.0.0.1:{self.ports['pg']}/rasa"

    def log_tails(self, lines: int = 15) -> str:
        out = []
        for path in sorted((self.directory / "log").glob("*.log")) if self.directory else []:
            try:
                text = path.read_text(errors="replace").splitlines()[-lines:]
            except OSError:
                continue
            out.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(out)

    def __enter__(self) -> "Cluster":
        return self.up()

    def __exit__(self, *exc) -> None:
        self.down()
