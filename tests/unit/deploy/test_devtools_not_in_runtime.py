"""The container image leaves bot/devtools/ out (scripts/image.sh): nothing that serves customers may import it."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def devtools_imports(path: Path) -> list:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return [name for name in names if name == "bot.devtools" or name.startswith("bot.devtools.")]


def test_no_runtime_module_imports_the_developer_tools():
    runtime = [p for folder in ("bot", "actions") for p in (ROOT / folder).rglob("*.py")
               if "devtools" not in p.relative_to(ROOT).parts]
    assert len(runtime) > 50  # the scan found the runtime modules
    offenders = {str(p.relative_to(ROOT)): found for p in runtime if (found := devtools_imports(p))}
    assert offenders == {}


def test_the_scan_sees_an_import_of_the_developer_tools(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from bot.devtools import localserver\n", encoding="utf-8")
    assert devtools_imports(module) == ["bot.devtools", "bot.devtools.localserver"]

