"""``make shell``: Rasa's warning filters, then ours again.

Rasa's ``configure_logging_and_warnings`` (run by ``rasa shell``) calls ``_filter_warnings``, which
puts "once" for UserWarning in front of every filter, and some deprecation warnings are
UserWarnings: our quiet filters (bot.staff.shell.quiet_warnings) are applied again after it.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from bot.rasa_ext.base import Extension, Symbol


_quiet: Callable[[], None] = lambda: None


def use(quiet: Callable[[], None]) -> None:
    """Our warning filters (bot.staff.shell.quiet_warnings), set before the extension is applied."""
    global _quiet
    _quiet = quiet


def _quiet_after_rasa() -> None:
    import rasa.utils.common

    quiet = _quiet

    original_filter = rasa.utils.common._filter_warnings

    @functools.wraps(original_filter)
    def filter_warnings(*args: Any, **kwargs: Any) -> None:
        original_filter(*args, **kwargs)
        quiet()  # again: Rasa has just put "once" for UserWarning in front

    rasa.utils.common._filter_warnings = filter_warnings


def _called_by_rasa() -> Any:
    import inspect

    import rasa.utils.common

    if "_filter_warnings" not in inspect.unwrap(rasa.utils.common.configure_logging_and_warnings).__code__.co_names:
        return "rasa.utils.common.configure_logging_and_warnings no longer calls _filter_warnings"
    return None


SHELL_WARNINGS = Extension(
    name="shell-warnings",
    why="make shell shows no DeprecationWarning wall",
    symbols=(Symbol("rasa.utils.common", "_filter_warnings", "log_level, warn_only_once="),),
    apply=_quiet_after_rasa,
    extra_checks=(_called_by_rasa,),
)
