#!/usr/bin/env bash
# Install every Debian package that building, testing, the demo and the
# benchmarks need. Idempotent: packages already present are not touched and
# apt is not even asked when nothing is missing.
set -euo pipefail

packages=(
	# build: BPF side
	clang llvm bpftool linux-libc-dev
	# the style check in make test (tests/unit/format_check.sh), make format
	clang-format
	# build: userspace libraries
	gcc make pkg-config libbpf-dev libelf-dev zlib1g-dev libinih-dev
	libjson-c-dev libnl-3-dev libnl-route-3-dev libsystemd-dev libmicrohttpd-dev
	libcurl4-openssl-dev libidn2-dev libsodium-dev
	# signed lists: scripts/sign-list.sh and the interoperability tests
	minisign gzip
	# tests, demo and benchmarks: namespaces, real peers, the xdp-filter baseline
	iproute2 iputils-ping ethtool socat xdp-tools procps psmisc python3
	util-linux coreutils
	# tests: the metrics endpoint fetched with curl, checked with promtool and
	# scraped by a private Prometheus server in a namespace (the package
	# holds both; note that Debian also enables its prometheus.service)
	curl prometheus
	# tests of the service: systemd-analyze, the sandbox emulation (setpriv
	# is in util-linux; groupadd in passwd), man page rendering
	systemd libcap2-bin strace passwd man-db groff-base file
	# DNS end-to-end tests: a real DNS server and client
	dnsmasq-base bind9-dnsutils
	# TLS SNI and HTTP Host end-to-end tests: a real web server (HTTP and
	# HTTPS, self-signed certificate made by openssl in the test)
	nginx-light openssl
	# the kernel matrix (scripts/kernel-vm.sh, tests/kernels/): Debian's
	# kernels booted under qemu with a busybox initramfs; depmod and modprobe
	# (kmod), module and kernel image decompression (xz, zstd)
	qemu-system-x86 busybox-static cpio kmod xz-utils zstd
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
