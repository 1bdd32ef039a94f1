# Madoguchi. `make run` to talk to the bot, `make test` to run every test (what CI runs).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/madoguchi.tar.gz
STAMP := $(VENV)/.installed
TRAINING_INPUTS := config.yml domain.yml $(shell find data rules -name '*.yml' 2>/dev/null) $(wildcard bot/nlu/*.py bot/nlu/*.yml)
export PYTHONPATH := $(CURDIR)
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 3
# One TensorFlow thread per op: TED's tiny per-message predictions spent more CPU on thread hand-offs
# than on arithmetic (Rasa CPU per message 13–21 ms → ~10 ms under `make bench`, docs/benchmarks.md).
export TF_INTRA_OP_PARALLELISM_THREADS ?= 1
export TF_INTER_OP_PARALLELISM_THREADS ?= 1
# One BLAS thread too: numpy's OpenBLAS threads spin between the classifier's tiny products (Rasa CPU per
# message 23 → 13 ms at 8 customers, same throughput; measured with bot.devtools.benchmark.servers on 2026-12-01).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: run test shell install system-deps train validate pytest test-unit test-integration test-e2e story-test eval bench lock web cluster cluster-down clean image image-test

## install: the virtualenv from the lock, then rasa and rasa-sdk without their (py<3.11) metadata checks
install: $(STAMP)
$(STAMP): requirements/lock.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --ignore-requires-python rasa==3.6.21 rasa-sdk==3.6.2
	touch $@

## system-deps: Debian packages the tests use (PostgreSQL, Chromium); skipped when present or not root
system-deps:
	bash scripts/system-deps.sh

## train: only when the configuration, domain, training data or NLU components changed
train: $(MODEL)
$(MODEL): $(STAMP) $(TRAINING_INPUTS)
	mkdir -p models var
	# No --force: Rasa's cache (.rasa/cache) reuses each component's output while its fingerprint holds;
	# our components add their helper modules' code and data files to it (bot/nlu/fingerprint.py).
	# Each model is named after the hash of its training inputs (models/madoguchi-<hash>.tar.gz, shown on
	# /staff/ and in /metrics); $(MODEL) is a hard link to the newest, swapped in atomically (already that
	# link when the inputs are unchanged, e.g. after a checkout touched them: mv would refuse). Keeps 3.
	name=madoguchi-$$(cat $(sort $(TRAINING_INPUTS)) | sha256sum | cut -c1-12) && \
	$(RASA) train --config config.yml --domain domain.yml --data data rules --out models --fixed-model-name $$name && \
	{ [ models/$$name.tar.gz -ef $@ ] || { ln -f models/$$name.tar.gz $@.new && mv -f $@.new $@; }; } && \
	ls -t models/madoguchi-*.tar.gz | tail -n +4 | xargs -r rm -f --
	touch $@

run: $(MODEL)
	bash scripts/run.sh

## shell: DEBUG=1 prints intent/confidence/answer/service/identified under each reply; ACCOUNT=A1001 as that customer
shell: $(MODEL)
	MADOGUCHI_SHELL_DEBUG="$(DEBUG)" MADOGUCHI_SHELL_ACCOUNT="$(ACCOUNT)" bash scripts/shell.sh

validate: $(STAMP)
	bash scripts/validate.sh

## pytest: every pytest suite in one run (unit, integration, e2e; opt-in image/compose tests stay skipped)
pytest: $(MODEL)
	$(PY) -m pytest -q tests

## test-unit: in-process tests, no server started (~1 min); test-integration: live Rasa/action servers,
##   PostgreSQL, Redis, CLI subprocesses; test-e2e: Chromium, the cluster, the container image/compose
test-unit: $(MODEL)
	$(PY) -m pytest -q tests/unit

test-integration: $(MODEL)
	$(PY) -m pytest -q tests/integration

test-e2e: $(MODEL)
	$(PY) -m pytest -q tests/e2e

story-test: $(MODEL)
	bash scripts/story-test.sh

test: install system-deps validate pytest story-test

## eval: held-out accuracy, also of the stock Rasa peer of `make bench` (trained once into var/bench/peer, shared)
eval: $(STAMP)
	$(PY) -m bot.devtools.evaluation --heldout tests/nlu_heldout --peer
	$(PY) -m bot.devtools.evaluation --heldout tests/nlu_fresh --peer
	$(PY) -m bot.devtools.evaluation --heldout tests/nlu_blind --peer
	$(PY) -m bot.devtools.evaluation --heldout tests/nlu_blind2 --peer
	# the development set (tests/nlu_dev: its errors guide data changes; never trained on)
	$(PY) -m bot.devtools.evaluation --heldout tests/nlu_dev --peer
	$(PY) -m bot.devtools.evaluation --report

## bench: latency/throughput of the single server, the cluster and a stock Rasa peer, faults under load; rewrites docs/benchmarks.md
##   (BENCH_ARGS="--levels 8 --no-cluster ..." for shorter runs: python -m bot.devtools.bench --help)
bench: $(MODEL)
	$(PY) -m bot.devtools.bench $(BENCH_ARGS)

## cluster: nginx → 2 Rasa servers, PostgreSQL tracker store, Redis lock store, action server (loopback)
cluster: $(MODEL)
	bash scripts/cluster.sh up

cluster-down:
	bash scripts/cluster.sh down

## image: the container image deploy/Containerfile with podman (scripts/image.sh; ~6 min the first time)
image: $(MODEL)
	bash scripts/image.sh build

## image-test: run the image (Rasa + action server, loopback), REST and socket.io turns, stop it (~1 min)
image-test: $(STAMP)
	bash scripts/image.sh test

## lock: re-resolve requirements/direct.in into requirements/lock.txt (as for Python 3.10, see DEVELOPERS.md)
lock:
	$(PYTHON) scripts/lock.py

## web: rebuild the chat page's static files (committed in bot/web/static) after changing web/
web:
	cd web && npm ci && npm run build

clean:
	rm -rf models results var/tracker.db
