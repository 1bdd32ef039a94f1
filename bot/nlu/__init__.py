"""Japanese NLU components for Rasa: normalisation, fugashi tokenizer, spaCy entity layer."""
