"""The FAQ catalogue: every FAQ answer of data/nlu with its examples, title and source."""
