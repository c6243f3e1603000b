#!/usr/bin/env bash
# Checks and unit-tests the Prometheus alerting rules in deploy/prometheus
# with promtool, installing Debian's prometheus package (which ships
# promtool) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null 2>&1; then
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

promtool check rules deploy/prometheus/jwksauth.rules.yml
promtool test rules deploy/prometheus/*_test.yml
