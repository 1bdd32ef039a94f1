"""Command line: `python -m bot GROUP COMMAND ...`.

Each command group registers itself in COMMAND_GROUPS (add yours there); a command's handler
returns the process exit code. Exit codes: 0 ok, 1 failure, 2 bad input (nothing written).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable, Optional

from bot import settings

DEMO_ACCOUNTS = settings.PROJECT_ROOT / "fixtures" / "demo_accounts.yml"

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def _error(message: str) -> None:
    print(message, file=sys.stderr)


# ---- accounts -------------------------------------------------------------------------------

def _accounts_import(args: argparse.Namespace) -> int:
    from bot.storage.fixtures import FixtureError, import_file

    try:
        report = import_file(args.file)
    except FixtureError as exc:
        _error(exc.message())
        return EXIT_BAD_INPUT
    print(f"{report.path}: {report.accounts} accounts ({report.created} created, {report.updated} updated), "
          f"{report.contracts} contracts")
    return EXIT_OK


def _accounts_load_demo(args: argparse.Namespace) -> int:
    from bot.storage.fixtures import FixtureError, import_file
    from bot.storage.repository import count_customers

    existing = count_customers()
    if existing:
        print(f"accounts database already has {existing} customers; demo accounts not loaded")
        return EXIT_OK
    try:
        report = import_file(DEMO_ACCOUNTS)
    except FixtureError as exc:
        _error(exc.message())
        return EXIT_BAD_INPUT
    print(f"loaded {report.accounts} demo accounts ({report.contracts} contracts) from {DEMO_ACCOUNTS.name}")
    return EXIT_OK


def _accounts_list(args: argparse.Namespace) -> int:
    from bot.storage.repository import list_accounts

    accounts = list_accounts()
    if not accounts:
        print("no accounts")
    for account in accounts:
        line = account.internet_line or "-"
        print(f"{account.id}\t{account.name}\t{account.phone}\t{line}\t{', '.join(account.contract_nos)}")
    return EXIT_OK


def register_accounts(groups: argparse._SubParsersAction) -> None:
    parser = groups.add_parser("accounts", help="the accounts database")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    imp = commands.add_parser("import", help="validate a fixture file, then upsert its accounts")
    imp.add_argument("file", type=Path, metavar="FILE.yml")
    imp.set_defaults(handler=_accounts_import)
    demo = commands.add_parser("load-demo", help="import the demo accounts if the database has no customers")
    demo.set_defaults(handler=_accounts_load_demo)
    lst = commands.add_parser("list", help="list the accounts")
    lst.set_defaults(handler=_accounts_list)


# ---- argument types -------------------------------------------------------------------------

def _number(convert: Callable[[str], Any], what: str, allowed: Callable[[Any], bool],
            rule: str) -> Callable[[str], Any]:
    """An argparse `type`: `convert(text)`, refused with "not a <what>" or with `rule`."""
    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a {what}: {text!r}") from None
        if not allowed(value):
            raise argparse.ArgumentTypeError(rule)
        return value

    return parse


_positive_int = _number(int, "whole number", lambda v: v > 0, "must be at least 1")
# NaN and infinity are refused too (0 <= v < inf is false for both).
_non_negative_number = _number(float, "number", lambda v: 0 <= v < float("inf"),
                               "must be a number of days, 0 or more")


# ---- token ----------------------------------------------------------------------------------

def _token(args: argparse.Namespace) -> int:
    from bot.identity.tokens import issue
    from bot.storage.repository import account_exists

    if not account_exists(args.account_id):
        _error(f"no account {args.account_id!r} in the accounts database (see `python -m bot accounts list`)")
        return EXIT_BAD_INPUT
    print(issue(args.account_id, minutes=args.minutes))
    return EXIT_OK


def register_token(groups: argparse._SubParsersAction) -> None:
    parser = groups.add_parser("token", help="print a signed login token for an account")
    parser.add_argument("account_id", metavar="ACCOUNT_ID")
    parser.add_argument("--minutes", type=_positive_int, default=60, help="lifetime (default 60)")
    parser.set_defaults(handler=_token)


# ---- conversations (retention) ----------------------------------------------------------------

def _conversations_purge(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from bot import retention

    try:
        report = retention.purge(args.days, args.tracker_db, dry_run=args.dry_run)
    except ArgumentError as exc:
        _error(f"not a database URL: {args.tracker_db!r} ({exc.__class__.__name__})")
        return EXIT_BAD_INPUT
    except SQLAlchemyError as exc:
        _error(f"tracker store error: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
        return EXIT_FAILURE
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} {report.conversations} conversations ({report.events} events) "
          f"whose last event is older than {args.days:g} days")
    return EXIT_OK


def register_conversations(groups: argparse._SubParsersAction) -> None:
    parser = groups.add_parser("conversations", help="conversations in the tracker store")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    purge = commands.add_parser("purge", help="delete conversations whose last event is older than N days")
    purge.add_argument("--days", type=_non_negative_number, required=True, metavar="N")
    purge.add_argument("--tracker-db", default=None, metavar="URL",
                       help="SQLAlchemy URL of the tracker store (default: sqlite:///var/tracker.db)")
    purge.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    purge.set_defaults(handler=_conversations_purge)


# ---- staff tools: ask, review (bot/staff/, issue #15) --------------------------------------------

def register_staff(groups: argparse._SubParsersAction) -> None:
    from bot.staff import cli as staff_cli

    staff_cli.register(groups)


# ---- entry point ----------------------------------------------------------------------------

COMMAND_GROUPS: list[Callable[[argparse._SubParsersAction], None]] = [
    register_accounts,
    register_token,
    register_conversations,
    register_staff,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Madoguchi staff commands")
    groups = parser.add_subparsers(dest="group", metavar="GROUP", required=True)
    for register in COMMAND_GROUPS:
        register(groups)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except settings.SettingsError as exc:
        _error(str(exc))
        return EXIT_BAD_INPUT
    except Exception as exc:  # a clear one-line message, no traceback, for staff
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            _error(f"accounts database error: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
            return EXIT_FAILURE
        raise
