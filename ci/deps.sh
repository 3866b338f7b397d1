#!/usr/bin/env bash
# Install the Debian packages labyrinth needs. With --check, install
# only when one is missing (cheap, run by every build target).
set -euo pipefail
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
missing=()
for p in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	[ $check -eq 1 ] || echo "deps: all present ($*)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages: ${missing[*]}" >&2
	echo "deps: run 'sudo make deps' or: apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# apt-get update only when the lists are stale for what we need.
if ! apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
	apt-get update -qq
	apt-get install -y -qq "${missing[@]}" >/dev/null
fi
