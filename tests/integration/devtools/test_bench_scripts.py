"""The benchmark's and the cluster's launchers, run as processes (bash, python)."""
from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_cluster_script_syntax_and_usage():
    assert subprocess.run(["bash", "-n", str(ROOT / "scripts" / "cluster.sh")]).returncode == 0
    result = subprocess.run(["bash", str(ROOT / "scripts" / "cluster.sh")], capture_output=True, text=True)
    assert result.returncode == 2 and "usage" in result.stderr


def test_lean_rasa_launcher_makes_jax_unimportable_and_nothing_else():
    import sys

    code = ("import bot.devtools.lean_rasa as l; l.block_optional_imports()\n"
            "try:\n    import jax\n    print('imported')\nexcept ImportError:\n    print('blocked')\n"
            "import json; print(json.dumps([1]))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["blocked", "[1]"], result.stderr
