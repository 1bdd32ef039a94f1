"""`python -m bot ask ...` and `python -m bot review ...` (registered by bot/cli.py)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.staff import review as review_module


def _days(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 10000:
        raise argparse.ArgumentTypeError("must be a number of days above 0")
    return value


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _ask(args: argparse.Namespace) -> int:
    from bot.staff import ask

    return ask.run(args)


def _review(args: argparse.Namespace) -> int:
    from bot.staff import store

    if args.export and Path(args.export).resolve().is_relative_to((store.settings.PROJECT_ROOT / "data").resolve()):
        print("--export writes a draft for staff to label: not into data/ (move the examples there by hand)",
              file=sys.stderr)
        return 2
    try:
        url = args.tracker_db or store.url_from_endpoints(args.endpoints or store.DEFAULT_ENDPOINTS)
        engine = store.engine_for(url)
        try:
            report = review_module.review(engine, args.days, args.threshold)
        finally:
            engine.dispose()
    except store.StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(review_module.format_text(report))
    if args.export:
        count = review_module.export_nlu_draft(report, args.export)
        print(f"\nwrote {count} unanswered messages to {args.export} (a draft: label them, then move them into "
              "data/nlu/ by hand)")
    return 0


def _metrics(args: argparse.Namespace) -> int:
    from bot.staff import scrape

    return scrape.run(args)


def register(groups: argparse._SubParsersAction) -> None:
    ask = groups.add_parser("ask", help="one message through the running bot: its reply and a diagnostic line")
    ask.add_argument("question", nargs="*", help="the customer's message")
    ask.add_argument("--file", type=Path, metavar="questions.txt", help="one question a line; a summary table")
    ask.add_argument("--account", metavar="ID", help="as this logged-in customer (a login token is minted)")
    ask.add_argument("--today", metavar="YYYY-MM-DD", help="answer as if today were this date (metadata.today)")
    ask.add_argument("--url", default=None, help="the Rasa server (default http://127.0.0.1:$RASA_PORT or 5005)")
    ask.add_argument("--sender", help="conversation id (default: a new one for every question)")
    ask.set_defaults(handler=_ask)

    rev = groups.add_parser("review", help="what needs a human look in the last N days of conversations")
    rev.add_argument("--days", type=_days, default=7.0, metavar="N", help="how far back (default 7)")
    rev.add_argument("--threshold", type=_threshold, default=review_module.LOW_CONFIDENCE,
                     help=f"low-confidence threshold (default {review_module.LOW_CONFIDENCE})")
    rev.add_argument("--export", type=Path, metavar="FILE.yml", help="write the unanswered messages as an NLU draft")
    rev.add_argument("--tracker-db", metavar="URL", help="SQLAlchemy URL of the tracker store "
                     "(default: the tracker_store of --endpoints)")
    rev.add_argument("--endpoints", type=Path, default=None, help="default: the project's endpoints.yml")
    rev.set_defaults(handler=_review)

    met = groups.add_parser("metrics", help="the /metrics of several Rasa servers, summed (make cluster)")
    met.add_argument("--url", action="append", metavar="URL",
                     help="a Rasa server (repeat; default: the servers of make cluster, 127.0.0.1:5105, 5106)")
    met.set_defaults(handler=_metrics)
