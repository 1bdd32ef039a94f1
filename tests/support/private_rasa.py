"""Finds uses of Rasa's internals in Python source (for the architecture test).

Flagged, for names bound by ``import rasa…`` / ``from rasa… import …`` (and rasa_sdk):
* an attribute path through a private name (``console._get_user_input``, ``from rasa.x import _y``);
* an assignment to an attribute of Rasa (``rasa.core.run.configure_app = …``), setattr/delattr on one;
* getattr/hasattr/setattr/delattr with a literal private name (``getattr(store, "_tracker_store")``),
  except our own ``_madoguchi…`` markers;
* in a class deriving from a Rasa class: ``self._x`` / ``super()._x`` not defined by our class
  (an inherited private), and a private method that overrides one of Rasa's unless it is listed
  in bot.rasa_ext.overrides.OVERRIDDEN (checked at start-up).
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

RASA_PACKAGES = ("rasa", "rasa_sdk")
OWN_MARKER = "_madoguchi"


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_rasa(module: Optional[str]) -> bool:
    return bool(module) and module.split(".")[0] in RASA_PACKAGES


def _bindings(tree: ast.AST) -> Tuple[Dict[str, Tuple[str, Optional[str]]], List[Tuple[int, str]]]:
    """name -> (module, attribute or None) for every Rasa import; and private imports found."""
    bound: Dict[str, Tuple[str, Optional[str]]] = {}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_rasa(alias.name):
                    if alias.asname:
                        bound[alias.asname] = (alias.name, None)
                    else:
                        root = alias.name.split(".")[0]
                        bound[root] = (root, None)
                    if any(_private(part) for part in alias.name.split(".")):
                        found.append((node.lineno, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and _is_rasa(node.module):
            for alias in node.names:
                bound[alias.asname or alias.name] = (node.module, alias.name)
                if _private(alias.name) or any(_private(p) for p in node.module.split(".")):
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
    return bound, found


def _chain(node: ast.AST) -> Tuple[Optional[str], List[str]]:
    """(root name, attribute names) of a.b.c."""
    attrs: List[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    return (node.id if isinstance(node, ast.Name) else None), list(reversed(attrs))


def _rasa_base(bases: Iterable[ast.expr], bound: Dict[str, Tuple[str, Optional[str]]]) -> List[type]:
    classes = []
    for base in bases:
        root, attrs = _chain(base)
        if root not in bound:
            continue
        module, attr = bound[root]
        path = ([attr] if attr else []) + attrs
        try:
            obj = importlib.import_module(module)
            for part in path:
                obj = getattr(obj, part)
        except (ImportError, AttributeError):
            continue
        if isinstance(obj, type):
            classes.append(obj)
    return classes


def _class_findings(cls: ast.ClassDef, bases: List[type], overridden: Set[Tuple[str, str, str]]) -> List[Tuple[int, str]]:
    own: Set[str] = set()
    for node in ast.walk(cls):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            own.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                own.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            own.add(node.id)
    found = []
    for item in cls.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _private(item.name):
            for base in bases:
                owner = next((c for c in base.__mro__ if item.name in vars(c)), None)
                if owner is not None and (owner.__module__, owner.__name__, item.name) not in overridden:
                    found.append((item.lineno, f"{cls.name}.{item.name} overrides {owner.__module__}."
                                               f"{owner.__name__}.{item.name} (list it in bot/rasa_ext/overrides.py)"))
    for node in ast.walk(cls):
        if isinstance(node, ast.Attribute) and _private(node.attr) and node.attr not in own:
            value = node.value
            if (isinstance(value, ast.Name) and value.id in ("self", "cls")) or (
                    isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super"):
                found.append((node.lineno, f"{cls.name} uses the inherited private {node.attr}"))
    return found


def findings(source: str, overridden: Set[Tuple[str, str, str]] = frozenset()) -> List[Tuple[int, str]]:
    tree = ast.parse(source)
    bound, found = _bindings(tree)
    # an attribute chain is reported once, at its outermost node, not for each of its prefixes
    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner:
            root, attrs = _chain(node)
            if root in bound:
                if any(_private(a) for a in attrs):
                    found.append((node.lineno, f"{root}.{'.'.join(attrs)}"))
                elif isinstance(node.ctx, (ast.Store, ast.Del)):
                    found.append((node.lineno, f"assigns {root}.{'.'.join(attrs)}"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
            name = node.func.id
            if name in ("setattr", "delattr") and _chain(node.args[0])[0] in bound:
                found.append((node.lineno, f"{name} on {_chain(node.args[0])[0]}"))
            if name in ("getattr", "hasattr", "setattr", "delattr") and len(node.args) > 1:
                literal = node.args[1]
                if (isinstance(literal, ast.Constant) and isinstance(literal.value, str)
                        and _private(literal.value) and not literal.value.startswith(OWN_MARKER)):
                    found.append((node.lineno, f"{name}(…, {literal.value!r})"))
        elif isinstance(node, ast.ClassDef):
            bases = _rasa_base(node.bases, bound)
            if bases:
                found.extend(_class_findings(node, bases, overridden))
    return sorted(set(found))


def scan(paths: Iterable[Path], root: Path, overridden: Set[Tuple[str, str, str]]) -> List[str]:
    report = []
    for path in paths:
        for line, what in findings(path.read_text(encoding="utf-8"), overridden):
            report.append(f"{path.relative_to(root)}:{line}: {what}")
    return report
