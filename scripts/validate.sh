#!/usr/bin/env bash
# `rasa data validate` must leave no warning unexplained: known, explained warnings are listed in
# scripts/validate-allowed.txt (one regular expression per line, each with a comment saying why).
set -uo pipefail
mkdir -p var
out=$(.venv/bin/rasa data validate --config config.yml --domain domain.yml --data data rules 2>&1)
status=$?
echo "$out" | grep -E "UserWarning|WARNING|ERROR" > var/validate-warnings.txt || true
allowed=$(grep -v '^#' scripts/validate-allowed.txt | grep -v '^$' || true)
unexplained=$(if [ -n "$allowed" ]; then grep -v -E -f <(echo "$allowed") var/validate-warnings.txt; else cat var/validate-warnings.txt; fi)
if [ $status -ne 0 ] || [ -n "$unexplained" ]; then
  echo "$out"
  echo "rasa data validate: unexplained warnings or errors:"; echo "$unexplained"
  exit 1
fi
echo "rasa data validate: OK ($(wc -l < var/validate-warnings.txt) explained warnings)"
