"""Tools for the support team and operators: diagnostics, `bot ask`, conversation review, staff page."""
