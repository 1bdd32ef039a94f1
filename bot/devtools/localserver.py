"""Starting our servers on this machine (benchmark, tests): free loopback ports, waiting for them."""
from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Sequence


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_http(url: str, processes: Sequence[subprocess.Popen], logs: Sequence[Path], timeout: float,
              interval: float = 0.5) -> None:
    """Wait until `url` answers 200; fail early, with the logs, if one of the processes exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                tails = "\n".join(f"--- {log}\n{tail(log)}" for log in logs)
                raise RuntimeError(f"a server exited (code {process.returncode}) while starting:\n{tails}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:  # URLError, refused and reset connections are all OSErrors
            pass
        time.sleep(interval)
    tails = "\n".join(f"--- {log}\n{tail(log)}" for log in logs)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s:\n{tails}")
