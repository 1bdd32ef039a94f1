"""Helpers of `python -m bot.devtools.bench`: traffic mix, server processes, load generator, report."""
