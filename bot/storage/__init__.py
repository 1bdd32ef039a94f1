"""Accounts database: SQLAlchemy 1.4 models, repository and fixture import (no Rasa imports)."""
