"""Privacy: what must never be kept or logged in clear. `phones` (the one phone matcher and the
last-4-digits rule), `masking` (the one `mask(text)`), `logs` (masking every log record)."""
