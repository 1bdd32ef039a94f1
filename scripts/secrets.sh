# Sourced by scripts/run.sh, scripts/shell.sh and scripts/cluster.sh (from the project root):
# exports MADOGUCHI_API_TOKEN and MADOGUCHI_ACTION_SECRET, each from the environment, else generated
# once into var/api-token / var/action-secret (mode 600). See README "Security model".
madoguchi_secret() {  # VARIABLE FILE
  local name="$1" file="$2"
  if [ -z "${!name:-}" ]; then
    mkdir -p "$(dirname "$file")"
    [ -s "$file" ] || (umask 077; .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(32))" > "$file")
    printf -v "$name" '%s' "$(cat "$file")"
  fi
  export "${name?}"
}
madoguchi_secret MADOGUCHI_API_TOKEN "${MADOGUCHI_SECRETS_DIR:-var}/api-token"
madoguchi_secret MADOGUCHI_ACTION_SECRET "${MADOGUCHI_SECRETS_DIR:-var}/action-secret"
