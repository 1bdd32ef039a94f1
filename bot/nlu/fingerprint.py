"""What our NLU components add to Rasa's cache fingerprint (``GraphComponent.fingerprint_addon``).

Rasa 3.6 fingerprints a component's config, inputs and the source of its class only
(``rasa.engine.training.fingerprinting.calculate_fingerprint_key``), so a changed helper module
(``bot/nlu/features.py``, ``bot/support/service_words.yml`` …) would reuse a stale cached output; that is
why ``make train`` used ``--force``. ``code_fingerprint(module)`` hashes the source of the module and of
every ``bot.*`` module it imports, transitively (imports inside functions count too), plus the data files
(``*.yml``, ``*.yaml``, ``*.json``) that sit next to those modules, the place this project keeps them.
Over-inclusive on purpose: a needless retrain costs a minute, a stale cache a wrong model.
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
from pathlib import Path
from typing import Dict, Iterable, Optional, Set

PACKAGE = "bot"
DATA_SUFFIXES = (".yml", ".yaml", ".json")
PACKAGE_DIR: Optional[Path] = None  # where bot/ is read from; None: where Python finds it (tests use a copy)


def _package_dir() -> Optional[Path]:
    if PACKAGE_DIR is not None:
        return PACKAGE_DIR
    spec = importlib.util.find_spec(PACKAGE)  # a top-level name: located, not imported
    return Path(spec.origin).parent if spec is not None and spec.origin else None


def _source_file(module: str) -> Optional[Path]:
    """The module's .py file, found without importing anything; None for a name that is no module
    (``from bot.x import name``: bot.x.name)."""
    package_dir = _package_dir()
    if package_dir is None:
        return None
    base = package_dir.joinpath(*module.split(".")[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _imported(module: str, path: Path) -> Set[str]:
    """`bot.*` names imported anywhere in the file (``from bot.a import b`` yields bot.a and bot.a.b)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in names if name == PACKAGE or name.startswith(PACKAGE + ".")}


def _with_parents(name: str) -> Iterable[str]:
    """Importing bot.a.b runs bot/__init__.py and bot/a/__init__.py first."""
    parts = name.split(".")
    return (".".join(parts[:i]) for i in range(1, len(parts) + 1))


def module_closure(module: str) -> Dict[str, Path]:
    """The module and every bot.* module it imports, transitively: name → source file."""
    found: Dict[str, Path] = {}
    pending = list(_with_parents(module))
    while pending:
        name = pending.pop()
        if name in found:
            continue
        path = _source_file(name)
        if path is None:
            continue
        found[name] = path
        for imported in _imported(name, path):
            pending.extend(_with_parents(imported))
    return found


def code_fingerprint(module: str, extra_files: Iterable[Path] = ()) -> str:
    """Hash of the sources of `module`'s bot.* import closure, the data files next to them and
    `extra_files` (e.g. a patterns file named in the component's config)."""
    closure = module_closure(module)
    files = {f"{name}.py": path for name, path in closure.items()}
    root = closure[PACKAGE].parent.parent  # bot/__init__.py → the project root
    for directory in set(path.parent for path in closure.values()):
        for data in directory.iterdir():
            if data.suffix in DATA_SUFFIXES and data.is_file():
                files[data.relative_to(root).as_posix()] = data
    for extra in extra_files:
        files[f"extra:{Path(extra).name}"] = Path(extra)
    digest = hashlib.sha256()
    for key in sorted(files):  # keys, not absolute paths: the same tree hashes the same on every machine
        digest.update(key.encode("utf-8") + b"\0")
        digest.update(files[key].read_bytes() if files[key].is_file() else b"(missing)")
        digest.update(b"\0")
    return digest.hexdigest()
