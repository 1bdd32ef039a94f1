#!/usr/bin/env bash
# Debian packages used by the tests: a real PostgreSQL server (repository tests) and Chromium
# (the chat page end-to-end test). Installed only when missing, and only where we are root.
set -euo pipefail
want=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || want+=(postgresql)
command -v chromium >/dev/null 2>&1 || want+=(chromium)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || want+=(nginx)
command -v redis-server >/dev/null 2>&1 || want+=(redis-server)
command -v curl >/dev/null 2>&1 || want+=(curl)  # scripts/run.sh and scripts/cluster.sh wait with it
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || want+=(fonts-noto-cjk)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "system-deps: missing ${want[*]} (not root or no apt-get): the tests that need them will be skipped."
  exit 0
fi
echo "system-deps: installing ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
# Debian would start nginx, redis and PostgreSQL system-wide on install: the tests start their own.
policy=/usr/sbin/policy-rc.d
added_policy=""
if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; added_policy=1; fi
if ! { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null; }; then
  echo "system-deps: could not install ${want[*]}: the tests that need them will be skipped (they say why)."
fi
[ -n "$added_policy" ] && rm -f "$policy"
exit 0
