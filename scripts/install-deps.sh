#!/usr/bin/env bash
# Install every Debian package that building, testing, the demo and the
# benchmarks need. Idempotent: packages already present are not touched and
# apt is not even asked when nothing is missing.
set -euo pipefail

packages=(
	# build: BPF side
	clang llvm bpftool linux-libc-dev
	# build: userspace libraries
	gcc make pkg-config libbpf-dev libelf-dev zlib1g-dev libinih-dev
	libjson-c-dev libnl-3-dev libnl-route-3-dev libsodium-dev
	# signed lists: scripts/sign-list.sh and the interoperability tests
	minisign gzip
	# tests, demo and benchmarks: namespaces, real peers, the xdp-filter baseline
	iproute2 iputils-ping ethtool socat xdp-tools procps psmisc python3
	util-linux coreutils
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root (or: sudo $0) to install them" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
