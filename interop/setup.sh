#!/usr/bin/env bash
# Installs what the interop tests need, on a fresh machine too:
#   interop/setup.sh          the Node packages (npm ci, from package-lock.json)
#   interop/setup.sh browser  the same, and Debian's chromium if /usr/bin/chromium is absent
# Installing chromium needs root (apt-get), as on CI.
set -euo pipefail
cd "$(dirname "$0")"

command -v node >/dev/null || { echo "interop: node (Node.js >= 20) is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "interop: npm is required" >&2; exit 1; }

# npm ci only when the lock file changed since the last install (a copy of
# it in node_modules marks a finished install).
if ! cmp -s package-lock.json node_modules/.jwksauth-installed-lock 2>/dev/null; then
	npm ci --no-audit --no-fund --loglevel=error
	cp package-lock.json node_modules/.jwksauth-installed-lock
fi

if [ "${1:-}" = browser ] && [ ! -x /usr/bin/chromium ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "interop: /usr/bin/chromium is missing; install Debian's chromium (apt-get install chromium) as root" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq chromium >/dev/null
fi
