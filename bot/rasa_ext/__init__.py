"""Every extension of Rasa's internals (private symbols, patched functions), in one package.

``install()`` applies the server's extensions once per process (idempotent), each after checking
that the installed Rasa is the version it was read against and that every private symbol it uses
is still there with the expected parameters; a mismatch raises RasaExtensionError naming the
symbol, and the server does not start. There is no switch to start without them: the action
timeout and the tracker store are needed for correct answers, and upgrading Rasa is a deliberate
change of requirements/ that must come with re-reading these modules.

Called at start-up, never on import: by each Madoguchi input channel's ``from_credentials`` and by
the tracker store's constructor (what ``rasa run`` calls first, from credentials.yml and
endpoints.yml; the first call does the work), and by ``bot.staff.shell`` (``install_shell``).

One module per extension: ``speedups`` (action reply validation, event classes), ``timeouts``
(action server), ``metrics_hooks`` (/metrics), ``tracker_store`` (Rasa's events table),
``overrides`` (private methods our subclasses override), ``tokenizer`` (Rasa's token_pattern, also
checked when the NLU component is created for training); ``make shell`` only: ``shell_warnings``,
``shell_console``. ``base`` holds the check.
"""
from __future__ import annotations

import logging
from typing import Callable, Iterable, List, Set

from bot.rasa_ext.base import RASA_CHECKED, Extension, RasaExtensionError, Symbol, check_all  # noqa: F401

logger = logging.getLogger(__name__)
_installed: Set[str] = set()


def server_extensions() -> List[Extension]:
    """The extensions of every Rasa server process, in the order they are installed."""
    from bot.rasa_ext import metrics_hooks, overrides, speedups, timeouts, tokenizer, tracker_store

    return [speedups.ACTION_RESPONSE_VALIDATOR, speedups.EVENT_CLASSES, timeouts.ACTION_TIMEOUT,
            metrics_hooks.METRICS, tracker_store.SQL_TRACKER_STORE, overrides.OVERRIDES,
            tokenizer.TOKEN_PATTERN]


def shell_extensions() -> List[Extension]:
    """The extensions of ``make shell`` (bot.staff.shell), applied for its staff session."""
    from bot.rasa_ext import shell_console, shell_warnings

    return [shell_warnings.SHELL_WARNINGS, shell_console.SHELL_CONSOLE]


def _install_all(extensions: Iterable[Extension]) -> None:
    pending = [e for e in extensions if e.name not in _installed]
    check_all(pending)  # all checked first: none is applied when one does not fit
    for extension in pending:
        extension.apply()
        _installed.add(extension.name)
        logger.debug("Rasa extension %s installed", extension.name)


def install_extension(extension: Extension) -> None:
    """One extension, checked and applied once per process (the tokenizer's, also at training)."""
    _install_all([extension])


def install() -> None:
    """The Rasa server's extensions, checked and applied once per process."""
    _install_all(server_extensions())


def install_shell(session: object, quiet: Callable[[], None]) -> None:
    """``make shell``: the server's extensions, then the console's for this staff session and
    its warning filters (re-applied after Rasa's)."""
    from bot.rasa_ext import shell_console, shell_warnings

    install()
    shell_console.use(session)
    shell_warnings.use(quiet)
    _install_all(shell_extensions())


def installed() -> Set[str]:
    return set(_installed)
