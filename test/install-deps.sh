#!/usr/bin/env bash
# Installs the Debian packages meshpg needs to build and test, but only the
# ones that are missing, so it is cheap to call on every run.  Used by
# test/run.sh (`make test`) and demo/run.sh (`make demo`); callers may pass
# extra package names as arguments.  Never prompts (CI has no stdin).
set -euo pipefail

packages=(
	postgresql-15
	postgresql-server-dev-15
	postgresql-common
	libjansson-dev
	libyaml-dev
	postgresql-15-pgtap
	libtap-parser-sourcehandler-pgtap-perl
	libipc-run-perl
	make
	gcc
	libc6-dev
	graphviz
	"$@"
)

is_installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for pkg in "${packages[@]}"; do
	is_installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi

echo "install-deps: installing missing packages: ${missing[*]}"

# Run as root directly, through non-interactive sudo, or give up clearly.
as_root=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		as_root=(sudo -n)
	else
		echo "install-deps: missing packages and not root (no usable sudo): ${missing[*]}" >&2
		echo "install-deps: install them with: apt-get install ${missing[*]}" >&2
		exit 1
	fi
fi

"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
