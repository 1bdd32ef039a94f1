"""Signed login tokens (no Rasa imports)."""
