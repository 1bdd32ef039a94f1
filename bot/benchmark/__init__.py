"""Helpers of `python -m bot.bench`: traffic mix, server processes, load generator, report."""
