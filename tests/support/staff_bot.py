"""Helpers of the live staff tests: metrics as numbers, `python -m bot` in the stack's environment,
a process on a pseudo-terminal (for the interactive shell)."""
from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from contextlib import contextmanager
from typing import Dict, Iterator, List

from tests.support import live_bot
from tests.support.live_bot import ROOT, Stack, VENV_BIN

@contextmanager
def running_stack(tmp: Path, **env: str) -> Iterator[Stack]:
    """The hardening tests' Stack (Rasa + action server, demo accounts) on a private copy of the model."""
    from tests.support.webchat import snapshot_model

    original_model = live_bot.MODEL
    live_bot.MODEL = snapshot_model(original_model, tmp)  # someone may be re-training
    running = Stack(tmp)
    running.env.update(env)
    try:
        running.load_demo_accounts()
        running.start_actions()
        running.start_rasa()
        yield running
    finally:
        running.stop()
        live_bot.MODEL = original_model


ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\r")


def metric_values(stack: Stack) -> dict:
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(stack.url + "/metrics", timeout=10) as r:
        text = r.read().decode()
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def value(values: dict, name: str, **labels) -> float:
    return values.get((name, tuple(sorted(labels.items()))), 0.0)


def run_bot(stack: Stack, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "python"), "-m", "bot", *args], cwd=str(ROOT), env=stack.env,
                          capture_output=True, text=True, timeout=timeout)


class PtyProcess:
    """A program on a pseudo-terminal (prompt_toolkit needs one), read with bounded waits."""

    def __init__(self, args: List[str], env: Dict[str, str], cwd: Path) -> None:
        self.out = bytearray()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            os.chdir(str(cwd))
            os.execve(args[0], args, env)

    def mark(self) -> int:
        return len(self.out)

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode("utf-8") + b"\r")

    def text(self, start: int = 0) -> str:
        return ANSI.sub("", bytes(self.out[start:]).decode("utf-8", "replace"))

    def read_until(self, pattern: str, start: int, timeout: float) -> str:
        """The output from `start` once it matches `pattern`; AssertionError after `timeout` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if select.select([self.fd], [], [], 0.5)[0]:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.out.extend(chunk)
                if re.search(pattern, self.text(start)):
                    return self.text(start)
        raise AssertionError(f"no {pattern!r} in:\n" + self.text()[-3000:])

    def stop(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)
