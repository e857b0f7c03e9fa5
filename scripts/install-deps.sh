#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Make sure the Debian 12 packages needed to build and test pcsim are
# installed.  As root, missing packages are installed with apt-get; as any
# other user, the missing packages and the command to install them are
# printed and the script exits 1.
#
# Exit status: 0 all present (or installed), 1 missing and not root,
#              2 apt-get failed, 3 not a dpkg-based system.
set -euo pipefail

# libclang-rt-14-dev: clang's sanitizer/libFuzzer runtimes; clang-14 only
# "Recommends" it, so --no-install-recommends would otherwise drop it.
# gcc/make: the toolchain itself (present on the base image; checked so a
# bare machine gets a clear message instead of a cryptic failure).
PACKAGES=(
	libcmocka-dev
	liburcu-dev
	libev-dev
	liburing-dev
	clang
	libclang-rt-14-dev
	cmake
	ninja-build
	pkg-config
	libxml2-utils
	jq
	gcc
	make
)

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: dpkg-query not found; this script supports Debian 12 only." >&2
	echo "install-deps: install these packages by other means: ${PACKAGES[*]}" >&2
	exit 3
fi

missing_packages() {
	local pkg status
	for pkg in "${PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
		if [[ "$status" != "install ok installed" ]]; then
			printf '%s\n' "$pkg"
		fi
	done
}

mapfile -t missing < <(missing_packages)

if [[ ${#missing[@]} -eq 0 ]]; then
	echo "install-deps: all packages present"
	exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run: sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi

echo "install-deps: installing missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -qq; then
	echo "install-deps: 'apt-get update' failed" >&2
	exit 2
fi
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
	echo "install-deps: 'apt-get install ${missing[*]}' failed" >&2
	exit 2
fi

mapfile -t still_missing < <(missing_packages)
if [[ ${#still_missing[@]} -ne 0 ]]; then
	echo "install-deps: still missing after apt-get install: ${still_missing[*]}" >&2
	exit 2
fi
echo "install-deps: installed ${missing[*]}"
