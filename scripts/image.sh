#!/usr/bin/env bash
# The Madoguchi container image (deploy/Containerfile) with podman, as ../shared/spec/containers.md
# describes for machines without a reachable registry (`make image` / `make image-test`):
#
#   scripts/image.sh build     podman/runc/mmdebstrap from Debian when missing (root), the base image from
#                              Debian packages, the wheels of requirements/lock.txt downloaded on the host,
#                              the build context in var/image/context, `podman build`; prints time and size
#   scripts/image.sh test      pytest tests/e2e/deploy/test_image_run.py: runs the image (Rasa + action server,
#                              host network, free loopback ports), REST and socket.io turns, stops it
#   scripts/image.sh services  the image of compose's nginx, PostgreSQL and Redis (Debian packages, no registry)
#   scripts/image.sh context   only prepare var/image/context (wheels + app files + model)
#   scripts/image.sh compose … podman-compose -f deploy/compose.yml … with the same settings (up -d, down, ps)
#   scripts/image.sh compose-test  pytest tests/e2e/deploy/test_compose_run.py: compose up on free ports, REST
#                              through nginx, one conversation over both Rasa servers, compose down
#   scripts/image.sh podman …  podman with the settings these machines need (containers.conf, runc)
#   scripts/image.sh env       the settings, as shell assignments
#
# Settings (environment): MADOGUCHI_IMAGE (localhost/madoguchi:latest), MADOGUCHI_BASE_IMAGE
# (localhost/madoguchi-base:bookworm), IMAGE_DIR (var/image), DEBIAN_SUITE (bookworm),
# PODMAN_RUNTIME (/usr/sbin/runc when it exists).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
IMAGE="${MADOGUCHI_IMAGE:-localhost/madoguchi:latest}"
BASE="${MADOGUCHI_BASE_IMAGE:-localhost/madoguchi-base:bookworm}"
DIR="${IMAGE_DIR:-var/image}"
case "$DIR" in /*) ;; *) DIR="$ROOT/$DIR" ;; esac
SUITE="${DEBIAN_SUITE:-bookworm}"
WHEELS="$DIR/wheels"
CONTEXT="$DIR/context"
MODEL="models/madoguchi.tar.gz"
RASA_PINS=(rasa==3.6.21 rasa-sdk==3.6.2)
# Debian bookworm's python3 is 3.11.2; the lock was resolved on 3.11.7. redis 4.6 needs async-timeout on
# python <= 3.11.2 only, so the image installs it too (deploy/Containerfile reads image-pins.txt).
IMAGE_PINS=(async-timeout==4.0.3)
# The project's runtime files (tracked, or new and not ignored), copied into the image under /app.
# bot/devtools/ (benchmark, evaluation, local-server harness) is left out: serving customers never imports it.
APP_PATHS=(bot actions data rules fixtures deploy requirements config.yml domain.yml credentials.yml endpoints.yml
           ':(exclude)bot/devtools')

log() { echo "image: $*"; }
die() { echo "image: $*" >&2; exit 1; }

# podman needs two settings here (containers.md): no default ulimits (setrlimit RLIMIT_NOFILE is not
# permitted) and runc instead of crun ("cgroups in hybrid mode not supported").
export CONTAINERS_CONF="$DIR/containers.conf"
RUNTIME="${PODMAN_RUNTIME:-}"
[ -z "$RUNTIME" ] && [ -x /usr/sbin/runc ] && RUNTIME=/usr/sbin/runc
pm() {
  if [ -n "$RUNTIME" ]; then podman --runtime "$RUNTIME" "$@"; else podman "$@"; fi
}

write_containers_conf() {
  mkdir -p "$DIR"
  [ -s "$CONTAINERS_CONF" ] && return 0
  {
    printf '[containers]\ndefault_ulimits = []\n'
    # for podman-compose, which calls podman without --runtime
    [ -n "$RUNTIME" ] && printf '\n[engine]\nruntime = "%s"\n' "$RUNTIME"
  } >"$CONTAINERS_CONF"
}

install_missing() {  # Debian packages, the way scripts/system-deps.sh installs them
  local want=()
  command -v podman >/dev/null 2>&1 || want+=(podman)
  [ -x /usr/sbin/runc ] || command -v runc >/dev/null 2>&1 || want+=(runc)
  command -v mmdebstrap >/dev/null 2>&1 || want+=(mmdebstrap)
  [ ${#want[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    die "missing ${want[*]} and cannot install them (not root or no apt-get): apt-get install -y ${want[*]}"
  fi
  log "installing ${want[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null || die "apt-get install ${want[*]} failed"
  [ -x /usr/sbin/runc ] && RUNTIME="${PODMAN_RUNTIME:-/usr/sbin/runc}"
  return 0
}

base_image() {
  if pm image exists "$BASE"; then return 0; fi
  log "base image $BASE from Debian $SUITE packages (mmdebstrap)"
  local tar="$DIR/rootfs-$SUITE.tar"
  rm -f "$tar"
  mmdebstrap --quiet --variant=minbase --include=python3,python3-venv,ca-certificates,passwd "$SUITE" "$tar" \
    || die "mmdebstrap failed"
  pm import --quiet "$tar" "$BASE" >/dev/null
  rm -f "$tar"
}

missing_wheels() {  # PYTHON [--stale]: the pins (lock, rasa, rasa-sdk, image pins) without a wheel in $WHEELS;
                    # with --stale: the wheel files that match no pin
  "$1" - "$WHEELS" requirements/lock.txt "${RASA_PINS[@]}" "${IMAGE_PINS[@]}" ${2:-} <<'PYEOF'
import os, sys
from packaging.utils import canonicalize_name, parse_wheel_filename
wheels, lock, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
have = set()
for name in os.listdir(wheels):
    if name.endswith(".whl"):
        n, v, _, _ = parse_wheel_filename(name)
        have.add((n, str(v)))
stale = extra and extra[-1] == "--stale"
extra = [e for e in extra if e != "--stale"]
pins = [l.strip() for l in open(lock, encoding="utf-8") if l.strip() and not l.lstrip().startswith("#")] + extra
wanted = {(canonicalize_name(p.split("==")[0]), p.split("==")[1].split(";")[0].strip()) for p in pins}
if stale:
    print("\n".join(f for f in os.listdir(wheels) if f.endswith(".whl") and tuple(map(str, parse_wheel_filename(f)[:2])) not in {(n, v) for n, v in wanted}))
else:
    print(" ".join(p for p in pins if (canonicalize_name(p.split("==")[0]), p.split("==")[1].split(";")[0].strip()) not in have))
PYEOF
}

wheels() {  # every wheel of the lock, plus rasa and rasa-sdk, downloaded (or built) on the host
  local py="$ROOT/.venv/bin/python"
  [ -x "$py" ] || py="$(command -v python3)"
  "$py" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
    || die "the wheels must be fetched with CPython 3.11 (the image's python): make install first"
  local want; want="$( (cat requirements/lock.txt; echo "${RASA_PINS[*]} ${IMAGE_PINS[*]}"; uname -m) | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$WHEELS/.stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
  mkdir -p "$WHEELS"
  if ! ls "$WHEELS"/*.whl >/dev/null 2>&1; then
    log "wheels of requirements/lock.txt into $WHEELS (pip wheel: also builds the few sdists, e.g. docopt)"
    "$py" -m pip wheel --quiet --disable-pip-version-check -r requirements/lock.txt -w "$WHEELS" 2>&1 | grep -v 'is ignored' || true
    "$py" -m pip download --quiet --disable-pip-version-check --no-deps --ignore-requires-python "${RASA_PINS[@]}" -d "$WHEELS" 2>&1 | grep -v 'is ignored' || true
  fi
  # A changed lock (the lock is complete, so --no-deps), the image's extra pins, and what pip wheel -r
  # has been seen to leave out (prometheus_client): each missing pin alone.
  local missing
  missing="$(missing_wheels "$py")"
  if [ -n "$missing" ]; then
    log "fetching separately: $missing"
    # shellcheck disable=SC2086
    "$py" -m pip wheel --quiet --disable-pip-version-check --no-deps --ignore-requires-python $missing -w "$WHEELS" 2>&1 | grep -v 'is ignored' || true
  fi
  missing="$(missing_wheels "$py")"
  [ -z "$missing" ] || die "no wheel in $WHEELS for: $missing (see pip's messages above)"
  missing_wheels "$py" --stale | xargs -r -I{} rm -f "$WHEELS/{}"  # wheels of versions no longer pinned
  echo "$want" >"$WHEELS/.stamp"
}

context() {
  [ -f "$MODEL" ] || die "no model at $MODEL (make train)"
  wheels
  log "build context $CONTEXT"
  rm -rf "$CONTEXT"; mkdir -p "$CONTEXT/app/models"
  cp -al "$WHEELS" "$CONTEXT/wheels" 2>/dev/null || cp -a "$WHEELS" "$CONTEXT/wheels"
  rm -f "$CONTEXT/wheels/.stamp"
  printf '%s\n' "# written by scripts/image.sh: pins the image's python (3.11.2) needs beyond the lock" "${IMAGE_PINS[@]}" >"$CONTEXT/image-pins.txt"
  git ls-files -z --cached --others --exclude-standard -- "${APP_PATHS[@]}" \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | tar --null -T - -cf - | tar -xf - -C "$CONTEXT/app"
  # the model and its hash-named hard link of `make train` (bot/metrics.py names the model by that link)
  local named=() f
  for f in models/madoguchi-*.tar.gz; do [ -e "$f" ] && [ "$f" -ef "$MODEL" ] && named+=("$f"); done
  cp -a "$MODEL" "${named[@]}" "$CONTEXT/app/models/"
}

build() {
  local t0=$SECONDS
  install_missing
  write_containers_conf
  base_image
  context
  local t1=$SECONDS
  log "podman build -t $IMAGE (deploy/Containerfile)"
  pm build --network=host --layers -f deploy/Containerfile --build-arg BASE="$BASE" -t "$IMAGE" "$CONTEXT"
  local rev; rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  pm tag "$IMAGE" "localhost/madoguchi:$rev" >/dev/null 2>&1 || true
  local size; size="$(pm image inspect --format '{{.Size}}' "$IMAGE")"
  mkdir -p "$DIR"
  {
    echo "image=$IMAGE"
    echo "built=$(date -u +%FT%TZ) rev=$rev"
    echo "build_seconds=$((SECONDS - t0)) podman_build_seconds=$((SECONDS - t1))"
    echo "size_bytes=$size size_mb=$((size / 1000000))"
  } >"$DIR/build-report.txt"
  log "built $IMAGE (also localhost/madoguchi:$rev): $((size / 1000000)) MB, $((SECONDS - t0)) s (podman build $((SECONDS - t1)) s)"
}

services_image() {  # deploy/compose.yml's nginx, postgres and redis services: Debian's own packages
  local image="${MADOGUCHI_SERVICES_IMAGE:-localhost/madoguchi-services:$SUITE}"
  install_missing
  write_containers_conf
  if pm image exists "$image"; then log "$image exists (podman rmi it to rebuild)"; return 0; fi
  local tar="$DIR/services-$SUITE.tar" t0=$SECONDS
  mkdir -p "$DIR"; rm -f "$tar"
  log "services image $image (nginx, postgresql, redis-server from Debian $SUITE)"
  mmdebstrap --quiet --variant=minbase --include=nginx,postgresql,redis-server,ca-certificates "$SUITE" "$tar" \
    || die "mmdebstrap failed"
  pm import --quiet "$tar" "$image" >/dev/null
  rm -f "$tar"
  log "built $image in $((SECONDS - t0)) s"
}

# podman-compose >= 1.0.6: Debian bookworm's 1.0.3 adds a bridge network to `network_mode: host` services
# ("cannot set multiple networks without bridge network mode"). Otherwise 1.0.6 from PyPI into var/tools,
# run by Debian's python3 (python3-yaml, python3-dotenv: podman-compose's own dependencies).
PODMAN_COMPOSE_PIN=1.0.6
compose() {
  write_containers_conf
  local version
  version="$(podman-compose version 2>/dev/null | sed -n 's/^podman-compose[r]* version *//p' | head -n 1)"
  if [ -n "$version" ] && printf '%s\n' "$PODMAN_COMPOSE_PIN" "$version" | sort -V -C; then
    exec podman-compose -f deploy/compose.yml "$@"
  fi
  local tools="$DIR/../tools" py=/usr/bin/python3
  if [ ! -f "$tools/podman_compose.py" ]; then
    if ! "$py" -c 'import yaml, dotenv' 2>/dev/null; then
      [ "$(id -u)" = 0 ] || die "podman-compose >= $PODMAN_COMPOSE_PIN is missing (needs python3-yaml python3-dotenv)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-yaml python3-dotenv >/dev/null
    fi
    mkdir -p "$tools"
    "$ROOT/.venv/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps \
      "podman-compose==$PODMAN_COMPOSE_PIN" -d "$tools" 2>&1 | grep -v 'is ignored' || true
    "$py" -m zipfile -e "$tools"/podman_compose-"$PODMAN_COMPOSE_PIN"-*.whl "$tools" || die "podman-compose download failed"
  fi
  exec "$py" "$tools/podman_compose.py" -f deploy/compose.yml "$@"
}

image_test() {
  write_containers_conf
  pm image exists "$IMAGE" || die "no image $IMAGE: make image first"
  local py="$ROOT/.venv/bin/python"
  PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" MADOGUCHI_IMAGE_TEST=1 MADOGUCHI_IMAGE="$IMAGE" PODMAN_RUNTIME="$RUNTIME" IMAGE_DIR="$DIR" \
    "$py" -m pytest -q -p no:cacheprovider tests/e2e/deploy/test_image_run.py "$@"
}

case "${1:-}" in
  build) build ;;
  test) shift; image_test "$@" ;;
  services) services_image ;;
  context) install_missing; context ;;
  podman) shift; write_containers_conf; pm "$@" ;;
  compose) shift; compose "$@" ;;
  compose-test)
    shift; write_containers_conf
    PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" MADOGUCHI_COMPOSE_TEST=1 IMAGE_DIR="$DIR" \
      "$ROOT/.venv/bin/python" -m pytest -q -p no:cacheprovider tests/e2e/deploy/test_compose_run.py "$@" ;;
  env) for v in IMAGE BASE DIR CONTAINERS_CONF RUNTIME; do echo "$v=${!v}"; done ;;
  *) echo "usage: $0 build|test|services|compose ARGS…|compose-test|context|podman ARGS…|env" >&2; exit 2 ;;
esac
