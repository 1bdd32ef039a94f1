"""What an extension of Rasa's internals declares, and the check that runs before it is applied.

An extension names the Rasa version its author read the private code of (``checked_against``) and
every private symbol it relies on, with the parameters it expects. ``check()`` compares both with
the installed Rasa; any difference raises RasaExtensionError naming the symbol, so an upgrade of
Rasa stops the server at start-up instead of changing its behaviour silently.
"""
from __future__ import annotations

import functools
import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

RASA_CHECKED = "3.6.21"  # the Rasa version every extension here was read against (requirements pin it)


class RasaExtensionError(RuntimeError):
    """An extension does not fit the installed Rasa: the server must not start."""


@functools.lru_cache(maxsize=1)
def _startup_error() -> type:
    # also a RasaException (imported only when raised): Rasa's command line prints it as one line and
    # exits with status 1, with no stack trace and no crash report to Rasa's telemetry
    try:
        from rasa.shared.exceptions import RasaException
    except ImportError:
        return RasaExtensionError
    return type("RasaExtensionError", (RasaExtensionError, RasaException), {"__module__": __name__})


def installed_version(package: str = "rasa") -> str:
    # read at check time (not imported once) so that a test can change what the check sees
    return str(importlib.import_module(f"{package}.version").__version__)


def parameters(obj: Any) -> str:
    """A callable's parameters as "a, b=, *args, **kwargs" (names, kinds and which have defaults:
    what a caller depends on; annotations are left out, their text changes with Python)."""
    names = []
    for p in inspect.signature(inspect.unwrap(obj)).parameters.values():
        prefix = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        suffix = "=" if p.default is not p.empty else ""
        names.append(f"{prefix}{p.name}{suffix}")
    return ", ".join(names)


@dataclass(frozen=True)
class Symbol:
    """A private (or monkeypatched) name of Rasa: ``module`` plus a dotted ``name`` inside it."""

    module: str
    name: str
    params: Optional[str] = None  # expected parameters(), for a callable

    def __str__(self) -> str:
        return f"{self.module}.{self.name}"

    def resolve(self) -> Any:
        obj: Any = importlib.import_module(self.module)
        for part in self.name.split("."):
            obj = inspect.getattr_static(obj, part) if inspect.isclass(obj) else getattr(obj, part)
            if isinstance(obj, (staticmethod, classmethod)):
                obj = obj.__func__
        return obj


# Each module of bot/rasa_ext declares one or more of these; the declarations look alike to the
# duplicates tool (shape), each naming its own symbols and hook.
@dataclass(frozen=True)
class Extension:
    name: str
    why: str
    symbols: Tuple[Symbol, ...]
    apply: Callable[[], None]
    # further checks of how Rasa uses a symbol: each returns a problem or None
    extra_checks: Tuple[Callable[[], Optional[str]], ...] = field(default=())
    checked_against: str = RASA_CHECKED
    package: str = "rasa"

    def problems(self) -> List[str]:
        found = installed_version(self.package)
        if found != self.checked_against:
            return [f"{self.package} {found} is installed, but it was checked against "
                    f"{self.package} {self.checked_against}"]
        problems = []
        for symbol in self.symbols:
            try:
                obj = symbol.resolve()
            except (ImportError, AttributeError) as exc:
                problems.append(f"{symbol} is missing ({exc.__class__.__name__}: {exc})")
                continue
            if symbol.params is not None:
                try:
                    actual = parameters(obj)
                except (TypeError, ValueError):
                    actual = "(not a callable)"
                if actual != symbol.params:
                    problems.append(f"{symbol} takes ({actual}), expected ({symbol.params})")
        if not problems:
            problems.extend(p for p in (check() for check in self.extra_checks) if p)
        return problems

    def check(self) -> None:
        check_all([self])


def check_all(extensions: Iterable[Extension]) -> None:
    """Raise one error naming every problem of every extension (and which extensions have it)."""
    seen: Dict[str, List[str]] = {}
    for extension in extensions:
        for problem in extension.problems():
            seen.setdefault(problem, []).append(extension.name)
    if seen:
        raise _startup_error()(
            "Madoguchi's Rasa extensions do not fit the installed Rasa: "
            + "; ".join(f"{problem} ({', '.join(names)})" for problem, names in seen.items())
            + ". Re-read the Rasa code they rely on (bot/rasa_ext/), adapt them and their checked version, "
            "or install the Rasa version of requirements/.")
