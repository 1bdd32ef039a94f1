"""The contract every engine service module keeps (the way vacanza/holidays runs tests/common.py for
every country): a test class per service inherits `EngineServiceContract` and gives its module and a
few sample calls per public function; the checks below run on each.

What a service module promises (bot/engine/README.md):
- pure: it imports only the standard library's date/number/typing modules and bot.engine, and it
  neither reads the clock nor opens a file;
- every public function is typed (each parameter and the return) and named in its docstring or in
  the README's row for the module;
- a function answering a business question returns a `result.Result` subclass (the others, such as
  `maintenance_end`, are listed in `helpers` with what they return): frozen, with a non-empty Japanese
  `rule` sentence built on one of the module's rule constants (`*_RULE`, `*_NOTE(S)`), a `describe()`
  that names the date it was computed for (or, where the date plays no part in the wording, is called
  from bot/answers, whose reply head states the date), and a JSON-serialisable `to_dict()`.
"""
from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import json
import pkgutil
import re
import typing
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, ClassVar

import pytest

from bot.engine import services
from bot.engine.format import jdate, jmonth
from bot.engine.result import Result

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "bot" / "engine" / "README.md").read_text(encoding="utf-8")
ANSWERS = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot" / "answers").glob("*.py"))
ALLOWED_IMPORTS = {"__future__", "dataclasses", "datetime", "decimal", "enum", "fractions", "typing"}
CLOCK_OR_IO_CALLS = {"open", "input", "print", "today", "now", "utcnow"}   # `import time`, os, io: not allowed imports
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
RULE_CONSTANT = re.compile(r"^[A-Z0-9_]+_(RULE|NOTE|NOTES)$")


def submodules(module: ModuleType) -> list[ModuleType]:
    """The module itself, or a package and every module in it."""
    found = [module]
    if hasattr(module, "__path__"):
        found += [importlib.import_module(info.name)
                  for info in pkgutil.walk_packages(module.__path__, module.__name__ + ".")]
    return found


def public_functions(module: ModuleType) -> dict[str, Callable]:
    return {name: f for m in submodules(module) for name, f in inspect.getmembers(m, inspect.isfunction)
            if f.__module__ == m.__name__ and not name.startswith("_")}


def rule_constants(module: ModuleType) -> dict[str, str]:
    return {name: value for m in submodules(module) for name, value in vars(m).items()
            if RULE_CONSTANT.match(name) and isinstance(value, str)}


def readme_row(module: ModuleType) -> str:
    short = module.__name__.rsplit(".", 1)[-1]
    return next((line for line in README.splitlines() if line.startswith(f"| `{short}`")), "")


def date_texts(d: date) -> tuple[str, ...]:
    """How a reply may name the date it was computed for: the day, or its month for a monthly figure."""
    day = d.date() if isinstance(d, datetime) else d
    return jdate(day), jmonth(day.year, day.month)


class EngineServiceContract:
    """Subclass as `Test<Service>Contract` with:
    - `module`: the service module (bot.engine.<service>);
    - `samples`: function name -> list of argument tuples (at least one call per public function);
    - `helpers`: public functions that answer no question by themselves -> what they return, and why;
    - `date_in_head`: question functions whose describe() leaves the date out because the date plays no
      part in the wording (a status, a fee, a list): bot/answers states it in the reply's head;
    """

    module: ClassVar[ModuleType]
    samples: ClassVar[dict[str, list[tuple[Any, ...]]]]
    helpers: ClassVar[dict[str, str]] = {}
    date_in_head: ClassVar[frozenset[str]] = frozenset()

    @property
    def answers_alias(self) -> str:
        """bot/answers imports each engine module under its service's key prefix (bot.engine.services)."""
        return services.info(self.module.__name__.rsplit(".", 1)[-1]).faq_prefix

    # ---- shared set-up ----------------------------------------------------------------------
    @classmethod
    def functions(cls) -> dict[str, Callable]:
        return public_functions(cls.module)

    @classmethod
    def questions(cls) -> dict[str, Callable]:
        return {name: f for name, f in cls.functions().items() if name not in cls.helpers}

    @classmethod
    def results(cls, name: str) -> list[tuple[tuple[Any, ...], Result]]:
        function = cls.functions()[name]
        return [(args, function(*args)) for args in cls.samples[name]]

    # ---- the checks ------------------------------------------------------------------------
    def test_every_public_function_has_samples(self):
        missing = sorted(set(self.functions()) - {n for n, calls in self.samples.items() if calls})
        assert not missing, f"{self.module.__name__}: no sample calls for {missing}"
        unknown = sorted((set(self.samples) | set(self.helpers) | set(self.date_in_head)) - set(self.functions()))
        assert not unknown, f"{self.module.__name__}: samples or exemptions for functions it lacks: {unknown}"

    def test_is_pure(self):
        for m in submodules(self.module):
            tree = ast.parse(Path(m.__file__).read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                else:
                    names = []
                for name in names:
                    assert name.split(".")[0] in ALLOWED_IMPORTS or name.startswith("bot.engine"), \
                        f"{m.__name__} imports {name}: the engine is pure (no Rasa, no clock, no I/O)"
                if isinstance(node, ast.Call):
                    called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                    assert called not in CLOCK_OR_IO_CALLS, \
                        f"{m.__name__}:{node.lineno} calls {called}(): the clock and I/O stay outside the engine"

    def test_every_public_function_is_typed_and_named(self):
        row = readme_row(self.module)
        for name, f in self.functions().items():
            signature = inspect.signature(f)
            untyped = [p for p, param in signature.parameters.items() if param.annotation is inspect.Parameter.empty]
            assert not untyped, f"{self.module.__name__}.{name}: parameters without a type: {untyped}"
            assert signature.return_annotation is not inspect.Signature.empty, f"{self.module.__name__}.{name}: no return type"
            assert (f.__doc__ or "").strip() or f"`{name}" in row, \
                f"{self.module.__name__}.{name}: neither a docstring nor the README row says what it answers"

    def test_questions_return_a_result_and_helpers_do_not(self):
        for name, f in self.functions().items():
            returns = typing.get_type_hints(f)["return"]
            is_result = inspect.isclass(returns) and issubclass(returns, Result)
            if name in self.helpers:
                assert not is_result, f"{self.module.__name__}.{name} returns a Result: it is a question, not a helper"
                continue
            assert is_result, f"{self.module.__name__}.{name} is annotated to return {returns}, not a result.Result"
            for args, result in self.results(name):
                assert isinstance(result, returns), f"{name}{args} returned {type(result).__name__}"

    def test_rule_is_a_japanese_sentence_built_on_a_rule_constant(self):
        constants = rule_constants(self.module)
        assert constants, f"{self.module.__name__} declares no *_RULE constant"
        for name in self.questions():
            used = set()
            for args, result in self.results(name):
                assert result.rule.strip() and JAPANESE.search(result.rule), f"{name}{args}: rule {result.rule!r}"
                assert result.rule.endswith("。"), f"{name}{args}: the rule is not a whole sentence: {result.rule!r}"
                used |= {c for c, text in constants.items() if text and text in result.rule}
            assert used, f"{self.module.__name__}.{name}: no sample's rule uses one of the module's rule constants"

    def test_describe_names_the_date_used(self):
        missing, stale = [], []
        for name, f in self.questions().items():
            hints = typing.get_type_hints(f)
            date_params = [i for i, p in enumerate(inspect.signature(f).parameters) if hints.get(p) in (date, datetime)]
            unnamed = [f"{name}: {args[i]} not in {result.describe()!r}"
                       for args, result in self.results(name) for i in date_params
                       if not any(t in result.describe() for t in date_texts(args[i]))]
            if name in self.date_in_head:
                if not unnamed:
                    stale.append(name)
            else:
                missing += unnamed
        assert not missing, f"{self.module.__name__}: describe() does not name the date used:\n" + "\n".join(missing)
        assert not stale, f"{self.module.__name__}: {stale} name the date in every sample: drop them from date_in_head"

    def test_a_reply_without_its_date_gets_it_from_the_answers_head(self):
        """bot/answers/service._head states the date of every computed answer: a function in
        `date_in_head` must be called from bot/answers, or its reply would reach nobody with a date."""
        for name in self.date_in_head:
            called = re.search(rf"\b{self.answers_alias}\.{name}\(", ANSWERS)
            assert called, f"{self.module.__name__}.{name} is in date_in_head but bot/answers never calls it"

    def test_to_dict_is_json_ready(self):
        for name in self.questions():
            for args, result in self.results(name):
                data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
                assert data["rule"] == result.rule and data["text"] == result.describe(), name

    def test_results_are_frozen(self):
        for name in self.questions():
            for args, result in self.results(name):
                for value in (result, *(getattr(result, f.name) for f in dataclasses.fields(result))):
                    for item in value if isinstance(value, tuple) else (value,):
                        if dataclasses.is_dataclass(item) and not isinstance(item, type):
                            field = dataclasses.fields(item)[0].name
                            with pytest.raises(dataclasses.FrozenInstanceError):
                                setattr(item, field, None)
