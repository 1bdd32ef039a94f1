#!/usr/bin/env bash
# Conversation tests: `rasa test core` on tests/test_stories*.yml against the trained model.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
# endpoints.yml sends ${MADOGUCHI_ACTION_SECRET} to the action server; `rasa test core` calls none.
export MADOGUCHI_ACTION_SECRET="${MADOGUCHI_ACTION_SECRET:-not-used-by-rasa-test-core}"
shopt -s nullglob
stories=(tests/test_stories*.yml)
[ ${#stories[@]} -gt 0 ] || { echo "no conversation tests found"; exit 1; }
for f in "${stories[@]}"; do
  .venv/bin/rasa test core --model models/madoguchi.tar.gz --stories "$f" --endpoints endpoints.yml \
    --fail-on-prediction-errors --out "results/$(basename "$f" .yml)"
done
echo "conversation tests: ${#stories[@]} files passed"
