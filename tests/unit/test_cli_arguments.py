"""The argument types of `python -m bot` (bot/cli.py): what --minutes and --days accept."""
import argparse

import pytest

from bot import cli


def test_minutes_are_a_positive_whole_number():
    assert cli._positive_int("5") == 5
    for text, message in (("0", "must be at least 1"), ("-3", "must be at least 1"),
                          ("1.5", "not a whole number: '1.5'"), ("x", "not a whole number: 'x'")):
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            cli._positive_int(text)


def test_days_are_a_finite_number_zero_or_more():
    assert cli._non_negative_number("0") == 0.0 and cli._non_negative_number("2.5") == 2.5
    for text in ("-1", "nan", "inf", "-inf"):
        with pytest.raises(argparse.ArgumentTypeError, match="must be a number of days, 0 or more"):
            cli._non_negative_number(text)
    with pytest.raises(argparse.ArgumentTypeError, match="not a number: 'x'"):
        cli._non_negative_number("x")
