#!/usr/bin/env bash
# Boot one of Debian's own kernels under qemu and run a command inside it,
# against this machine's root filesystem (read-only, under a tmpfs overlay).
# This is how the tests reach the verifiers of kernels the machine does not
# run (docs: shared DESIGN.md, "Kernels and the verifier").
#
#   scripts/kernel-vm.sh list                 names and the versions they resolve to
#   scripts/kernel-vm.sh fetch NAME           download and unpack kernel NAME (cached)
#   scripts/kernel-vm.sh run NAME -- CMD...   boot NAME, run CMD, return its status
#
# NAME is 6.1 (Debian 12's kernel, from the system's bookworm suites) or
# 6.12 (bookworm-backports, through a private apt configuration: /etc/apt
# and /var/lib/apt/lists are never touched). Kernel packages are only
# downloaded and unpacked, never installed.
#
# Environment:
#   XDPB_KERNEL_CACHE  cache directory (default /var/cache/xdpblock/kernels)
#   XDPB_VM_TIMEOUT    seconds before a VM is killed (default 900)
#   XDPB_VM_MEMORY     guest memory (default 2G)
#   XDPB_VM_ENV        more variable names passed into the VM (BUILD, TESTS,
#                      CI, TERM, LANG, PYTHON and XDPB_* but XDPB_VM_* always
#                      are; XDPB_VM_KERNEL names the kernel in the VM)
#   XDPB_VM_APPEND     more kernel command line
#   XDPB_VM_DEBUG=1    show the whole console (kernel messages, init steps)
#
# In the VM the command runs as root in the caller's working directory with
# the host's / read-only under a tmpfs overlay: it may write anywhere, and
# what it writes vanishes. /tmp, /run and /dev/shm are empty tmpfs (but for
# the working directory, if it is under one of them: that one is the host's).
# Its stdout and stderr (merged) come to this script's stdout; the VM's own
# messages go to stderr, and only when something went wrong. The exit
# status is the command's; 124 if the VM timed out, 125 if it died (a
# panic) or never got to the end of the command.
set -euo pipefail

CACHE=${XDPB_KERNEL_CACHE:-/var/cache/xdpblock/kernels}
VM_TIMEOUT=${XDPB_VM_TIMEOUT:-900}
VM_MEMORY=${XDPB_VM_MEMORY:-2G}
NAMES=(6.1 6.12)
# the modules the initramfs needs to reach the root filesystem
INITRD_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

# temporary directories, removed on exit whatever happens
CLEANUP=()
cleanup() { [ ${#CLEANUP[@]} -eq 0 ] || rm -rf "${CLEANUP[@]}"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "kernel-vm: $*" >&2; }
die() {
	log "$*"
	exit 1
}

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

known_name() {
	local n
	for n in "${NAMES[@]}"; do
		[ "$n" = "$1" ] && return 0
	done
	die "unknown kernel '$1' (known: ${NAMES[*]})"
}

codename() {
	# shellcheck disable=SC1091
	(. /etc/os-release && echo "${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}")
}

# --- apt: a private configuration per kernel name -------------------------

# system_entries: the system's enabled "deb" sources, one per URI and suite,
# as "URI SUITE KEYRING COMPONENTS...", read from both formats (deb822
# *.sources files and one-line *.list files); KEYRING is "-" when the entry
# names none (apt then uses its trusted.gpg.d).
system_entries() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
		function flush(   nu, ns, u, s, i, j) {
			if (types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) != "no") {
				nu = split(uris, u, /[ \t]+/)
				ns = split(suites, s, /[ \t]+/)
				for (i = 1; i <= nu; i++)
					for (j = 1; j <= ns; j++)
						if (u[i] != "" && s[j] != "")
							print u[i], s[j], (key ~ /^\// ? key : "-"), comps
			}
			types = uris = suites = comps = key = enabled = ""
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { next }  # a continuation line (an inline key)
		{
			field = tolower($0); sub(/:.*/, "", field)
			value = $0; sub(/^[^:]*:[ \t]*/, "", value); sub(/[ \t]+$/, "", value)
			if (field == "types") types = value
			else if (field == "uris") uris = value
			else if (field == "suites") suites = value
			else if (field == "components") comps = value
			else if (field == "signed-by") key = value
			else if (field == "enabled") enabled = value
		}
		END { flush() }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '
		$1 != "deb" { next }
		{
			key = "-"; i = 2
			if ($2 ~ /^\[/) {
				while (i <= NF) {
					o = $i; gsub(/[\[\]]/, "", o)
					if (o ~ /^signed-by=/) { key = o; sub(/^signed-by=/, "", key) }
					if ($i ~ /\]$/) { i++; break }
					i++
				}
			}
			uri = $i; suite = $(i + 1); comps = ""
			for (j = i + 2; j <= NF && $j !~ /^#/; j++) comps = comps " " $j
			print uri, suite, key, substr(comps, 2)
		}' "$f"
	done
}

# as_list_line "URI SUITE KEYRING COMPONENTS..." [SUITE] : the entry as a
# one-line sources.list entry, with its suite replaced by SUITE if given
as_list_line() {
	local uri suite key comps
	read -r uri suite key comps <<<"$1"
	if [ "$key" = "-" ]; then
		echo "deb $uri ${2:-$suite} $comps"
	else
		echo "deb [signed-by=$key] $uri ${2:-$suite} $comps"
	fi
}

# write_sources NAME FILE : the sources for kernel NAME. 6.1: the system's
# own entries for the release's suites (CODENAME, -updates, -security);
# 6.12: the system's entry for CODENAME (its URI and keyring), with the
# suite CODENAME-backports, which the system does not enable.
write_sources() {
	local name=$1 file=$2 code entries uri suite rest
	code=$(codename)
	entries=$(system_entries)
	: >"$file"
	while read -r uri suite rest; do
		[ -n "$uri" ] || continue
		case $name:$suite in
		6.1:"$code" | 6.1:"$code"-updates | 6.1:"$code"-security)
			as_list_line "$uri $suite $rest" >>"$file"
			;;
		6.12:"$code")
			# the release's own archive, not the security one
			case $uri in */debian-security*) continue ;; esac
			as_list_line "$uri $suite $rest" "$code-backports" >>"$file"
			;;
		esac
	done <<<"$entries"
	[ -s "$file" ] || die "no '$code' entry in the system's apt sources to derive the sources of $name from"
	return 0
}

# apt_options NAME : the options that point apt at NAME's private
# configuration (sources, lists, cache) under the cache directory
apt_options() {
	local d=$CACHE/apt/$1
	APT_OPTS=(-o "Dir::Etc::SourceList=$d/sources.list"
		-o "Dir::Etc::SourceParts=$d/sources.list.d"
		-o "Dir::State::Lists=$d/lists"
		-o "Dir::Cache=$d/cache"
		-o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
		-o "APT::Get::List-Cleanup=true" -q)
}

# apt_update NAME : the private package lists of NAME, fresh
apt_update() {
	local d=$CACHE/apt/$1
	mkdir -p "$d/sources.list.d" "$d/lists/partial" "$d/cache/archives/partial"
	write_sources "$1" "$d/sources.list"
	apt_options "$1"
	apt-get "${APT_OPTS[@]}" update >"$d/update.log" 2>&1 ||
		die "apt-get update for $1 failed: $(tail -n 5 "$d/update.log")"
}

# resolve_package NAME : print "PACKAGE VERSION" of the newest kernel image
# of NAME in its private lists: what the linux-image-amd64 metapackage
# depends on (for 6.12 it must be a 6.12 kernel)
resolve_package() {
	local pkg ver
	apt_options "$1"
	pkg=$(apt-cache "${APT_OPTS[@]}" depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] || die "no linux-image-amd64 (and no dependency) in the lists of $1"
	case $pkg in
	linux-image-"$1".*) ;;
	linux-image-6.1.0-*) [ "$1" = 6.1 ] || die "$1: linux-image-amd64 depends on $pkg" ;;
	*) die "$1: linux-image-amd64 depends on $pkg, not a $1 kernel" ;;
	esac
	ver=$(apt-cache "${APT_OPTS[@]}" show "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
	echo "$pkg $ver"
}

# --- fetch: download, unpack, depmod --------------------------------------

kdir() { echo "$CACHE/$1"; }

# fetched NAME : the unpack of NAME is complete (its stamp, written last)
fetched() { [ -s "$(kdir "$1")/complete" ]; }

# kernel_release NAME : the unpacked kernel's release (uname -r)
kernel_release() { awk '{ print $3 }' "$(kdir "$1")/complete"; }

# modules_dir NAME : the unpacked kernel's modules directory (lib/modules
# or, in a merged-/usr package, usr/lib/modules)
modules_dir() {
	local root
	root=$(kdir "$1")/root
	if [ -d "$root/lib/modules" ] && [ ! -L "$root/lib" ]; then
		echo "$root/lib/modules"
	else
		echo "$root/usr/lib/modules"
	fi
}

# lock NAME : hold NAME's lock (on fd 9) until the script ends: two runs
# never unpack or build the same kernel's files at once
lock() {
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.$1.lock"
	flock 9
}

fetch() {
	local name=$1 dir pkg ver deb release
	known_name "$name"
	dir=$(kdir "$name")
	lock "$name"
	if fetched "$name"; then
		log "$name: cached ($(cat "$dir/complete"))"
		return 0
	fi
	command -v depmod >/dev/null || die "depmod is missing (package kmod)"
	# anything here without the stamp is an interrupted unpack
	rm -rf "$dir"
	mkdir -p "$dir/download"
	log "$name: updating its private package lists"
	apt_update "$name"
	read -r pkg ver < <(resolve_package "$name")
	log "$name: downloading $pkg $ver"
	# apt downloads as its sandbox user: give it the directory
	if id _apt >/dev/null 2>&1; then
		chown _apt "$dir/download"
	fi
	apt_options "$name"
	(cd "$dir/download" && apt-get "${APT_OPTS[@]}" download "$pkg=$ver") \
		>"$dir/download.log" 2>&1 ||
		die "$name: apt-get download $pkg=$ver failed: $(tail -n 5 "$dir/download.log")"
	deb=$(ls "$dir"/download/*.deb)
	# Debian 13's kernels ship the modules in the image package; should a
	# later one split them out, its modules package is fetched too
	unpack_deb "$name" "$deb"
	fetch_split_modules "$name" "$pkg" "$ver"
	release=$(ls "$(modules_dir "$name")")
	[ "$(wc -w <<<"$release")" -eq 1 ] || die "$name: expected one kernel in the package, found: $release"
	[ -f "$dir/root/boot/vmlinuz-$release" ] || die "$name: no boot/vmlinuz-$release in $pkg"
	depmod -b "$(dirname "$(dirname "$(modules_dir "$name")")")" "$release"
	rm -rf "$dir/download"
	echo "$pkg $ver $release" >"$dir/complete.new"
	mv "$dir/complete.new" "$dir/complete"
	log "$name: ready: $pkg $ver (Linux $release)"
}

# unpack_deb NAME DEB : the package's files into NAME's root (no scripts run)
unpack_deb() {
	log "$1: unpacking $(basename "$2")"
	mkdir -p "$(kdir "$1")/root"
	dpkg-deb -x "$2" "$(kdir "$1")/root"
}

# fetch_split_modules NAME PKG VER : if PKG depends on a linux-modules-*
# package (a kernel whose image and modules are packaged apart), fetch and
# unpack that as well
fetch_split_modules() {
	local mods dir
	dir=$(kdir "$1")
	apt_options "$1"
	mods=$(apt-cache "${APT_OPTS[@]}" show "$2=$3" 2>/dev/null |
		sed -n 's/^Depends: //p' | tr ',' '\n' | awk '{ print $1 }' |
		grep '^linux-modules-' || true)
	[ -n "$mods" ] || return 0
	for m in $mods; do
		log "$1: downloading $m (its modules)"
		(cd "$dir/download" && apt-get "${APT_OPTS[@]}" download "$m") \
			>>"$dir/download.log" 2>&1 || die "$1: apt-get download $m failed"
		unpack_deb "$1" "$(ls "$dir"/download/"$m"_*.deb)"
	done
}

list() {
	local name release
	for name in "${NAMES[@]}"; do
		if fetched "$name"; then
			release=$(kernel_release "$name")
			printf '%-5s %s (%s)\n' "$name" "$release" \
				"$(awk '{ print $1, $2 }' "$(kdir "$name")/complete")"
		else
			printf '%-5s not fetched (scripts/kernel-vm.sh fetch %s)\n' "$name" "$name"
		fi
	done
}

# --- the initramfs --------------------------------------------------------

# The init of the initramfs (busybox sh). Its settings come from the run
# directory shared over 9p (tag xdpbrun): vm.env names the modules
# directory; cmd.sh is the command, run by bash in the chroot.
init_script() {
	cat <<-'INIT'
	#!/bin/busybox sh
	export PATH=/bin
	fail() {
		echo "xdpb-init: $*"
		poweroff -f
	}
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	mount -t devtmpfs dev /dev 2>/dev/null
	while read -r mod; do
		insmod "/modules/$mod" || fail "insmod $mod failed"
	done </modules/order
	# the run directory (command, settings) and the host's root
	mkdir -p /run-dir /lower /rw /newroot
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 xdpbrun /run-dir ||
		fail "cannot mount the run directory (9p)"
	. /run-dir/vm.env
	# cache=loose: the guest keeps what it read (the host's root is read-only here)
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro xdpbroot /lower ||
		fail "cannot mount the host's root (9p)"
	mount -t tmpfs -o mode=0755 rw /rw
	mkdir -p /rw/upper /rw/work
	mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
		fail "cannot mount the overlay"
	R=/newroot
	mount -t proc proc $R/proc
	mount -t sysfs sys $R/sys
	mount -t devtmpfs dev $R/dev
	mkdir -p $R/dev/pts $R/dev/shm
	mount -t devpts -o newinstance,ptmxmode=0666 devpts $R/dev/pts
	mount -t tmpfs -o mode=1777 shm $R/dev/shm
	mount -t tmpfs -o mode=0755 run $R/run
	mount -t tmpfs -o mode=1777 tmp $R/tmp
	mount -t bpf bpf $R/sys/fs/bpf
	mount -t cgroup2 cgroup2 $R/sys/fs/cgroup
	# a working directory under /tmp or /run: the host's, writable (in memory)
	if [ -n "$XDPB_KEEP" ]; then
		mkdir -p /rw/keep-upper /rw/keep-work "$R$XDPB_KEEP"
		mount -t overlay -o "lowerdir=/lower$XDPB_KEEP,upperdir=/rw/keep-upper,workdir=/rw/keep-work" \
			overlay "$R$XDPB_KEEP" || fail "cannot mount $XDPB_KEEP"
	fi
	mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
	mount -t tracefs tracefs $R/sys/kernel/tracing 2>/dev/null
	# the kernel's own modules where modprobe looks for them (a host
	# without a kernel of its own, a container, has no /lib/modules)
	mkdir -p $R/lib/modules
	mount --bind "/lower$XDPB_MODULES" $R/lib/modules || fail "cannot bind $XDPB_MODULES"
	mkdir -p $R/run/xdpb-vm
	mount --bind /run-dir $R/run/xdpb-vm
	# the kernel's module requests (ip link add type veth) go to the chroot's modprobe
	echo /bin/xdpb-modprobe >/proc/sys/kernel/modprobe
	ip link set lo up
	hostname xdpb-vm
	echo
	echo "XDPB-VM-BEGIN $XDPB_NONCE"
	chroot $R /bin/bash /run/xdpb-vm/cmd.sh </dev/null
	rc=$?
	echo "XDPB-VM-EXIT=$rc $XDPB_NONCE"
	sync
	poweroff -f
	INIT
}

# initrd_path NAME : where the initramfs of NAME is cached; the name holds a
# digest of this script's init and module list, so a change rebuilds it
initrd_path() {
	local sum
	sum=$({ init_script; echo "${INITRD_MODULES[*]}"; } | sha256sum | cut -c1-12)
	echo "$(kdir "$1")/initrd-$sum.cpio.gz"
}

# build_initrd NAME : static busybox, the modules (decompressed: busybox's
# insmod takes plain .ko) in modprobe --show-depends order, and the init
build_initrd() {
	local name=$1 out release root stage m line path base mods=()
	out=$(initrd_path "$name")
	[ -s "$out" ] && return 0
	release=$(kernel_release "$name")
	root=$(dirname "$(dirname "$(modules_dir "$name")")")
	if ! [ -x /bin/busybox ] || ! file -L /bin/busybox | grep -q 'statically linked'; then
		die "a static /bin/busybox is needed (package busybox-static)"
	fi
	log "$name: building the initramfs"
	stage=$(mktemp -d "$CACHE/.initrd.XXXXXX")
	CLEANUP+=("$stage" "$stage.cpio.gz")
	mkdir -p "$stage"/{bin,dev,proc,sys,modules}
	cp /bin/busybox "$stage/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ -e "$stage/bin/$a" ] || ln -s busybox "$stage/bin/$a"
	done
	mknod -m 600 "$stage/dev/console" c 5 1
	mknod -m 666 "$stage/dev/null" c 1 3
	init_script >"$stage/init"
	chmod 755 "$stage/init"
	cat >"$stage/bin/xdpb-modprobe" <<-'WRAP'
	#!/bin/busybox sh
	exec /bin/busybox chroot /newroot /sbin/modprobe "$@"
	WRAP
	chmod 755 "$stage/bin/xdpb-modprobe"
	for m in "${INITRD_MODULES[@]}"; do
		while read -r line; do
			case $line in
			builtin\ *) continue ;;
			insmod\ *) path=$(awk '{ print $2 }' <<<"$line") ;;
			*) die "$name: unexpected modprobe output: $line" ;;
			esac
			base=$(basename "$path")
			base=${base%.xz}
			base=${base%.zst}
			base=${base%.gz}
			# a module needed by two of them is loaded once
			[ -e "$stage/modules/$base" ] && continue
			case $path in
			*.xz) xz -dc "$path" >"$stage/modules/$base" ;;
			*.zst) zstd -qdc "$path" >"$stage/modules/$base" ;;
			*.gz) gzip -dc "$path" >"$stage/modules/$base" ;;
			*) cp "$path" "$stage/modules/$base" ;;
			esac
			mods+=("$base")
		done < <(modprobe -d "$root" -S "$release" --show-depends "$m")
	done
	printf '%s\n' "${mods[@]}" >"$stage/modules/order"
	(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$stage.cpio.gz"
	# the initramfs of an older version of this script goes
	rm -f "$(kdir "$name")"/initrd-*.cpio.gz
	mv "$stage.cpio.gz" "$out"
}

# --- the kernel image -----------------------------------------------------

# boot_image NAME : the image qemu boots. Under TCG, decompressing the
# bzImage takes seconds; Debian's kernels have CONFIG_PVH, so qemu can
# start the uncompressed vmlinux (an ELF with a PVH entry) directly. It is
# cut out of the bzImage once (the boot protocol's payload_offset and
# payload_length) and cached; vmlinuz is the fallback.
boot_image() {
	local name=$1 release z out
	release=$(kernel_release "$name")
	z=$(kdir "$name")/root/boot/vmlinuz-$release
	out=$(kdir "$name")/vmlinux-$release
	if [ ! -s "$out" ]; then
		if extract_vmlinux "$z" "$out.new" 2>/dev/null; then
			mv "$out.new" "$out"
		else
			rm -f "$out.new"
		fi
	fi
	if [ -s "$out" ]; then echo "$out"; else echo "$z"; fi
}

# extract_vmlinux BZIMAGE OUT : the bzImage's compressed payload (less its
# last 4 bytes, the uncompressed size), decompressed; fails unless an ELF
extract_vmlinux() {
	local z=$1 out=$2 setup off len start magic
	setup=$(od -An -tu1 -j $((0x1f1)) -N1 "$z" | tr -d ' ')
	[ "$setup" -ne 0 ] || setup=4
	off=$(od -An -tu4 -j $((0x248)) -N4 "$z" | tr -d ' ')
	len=$(od -An -tu4 -j $((0x24c)) -N4 "$z" | tr -d ' ')
	start=$(((setup + 1) * 512 + off))
	magic=$(od -An -tx1 -j "$start" -N4 "$z" | tr -d ' ')
	tail -c +$((start + 1)) "$z" | head -c $((len - 4)) | case $magic in
		fd377a58) xz -dc ;;
		28b52ffd) zstd -qdc ;;
		1f8b08*) gzip -dc ;;
		*) return 1 ;;
		esac >"$out"
	[ "$(od -An -tx1 -N4 "$out" | tr -d ' ')" = 7f454c46 ]
}

# --- run ------------------------------------------------------------------

# accel : kvm when a real KVM module is loaded; this machine's /dev/kvm may
# be a PVM device that Debian's kernels cannot boot under, so TCG otherwise
accel() {
	if [ -e /dev/kvm ] && { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
		echo "-accel kvm -cpu host"
	else
		echo "-accel tcg,thread=multi -cpu max"
	fi
}

# sh_quote STRING : STRING quoted for any POSIX shell (busybox's too)
sh_quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# write_run_dir DIR NAME CMD... : the settings for init and the command as
# a bash script: working directory, environment, then CMD with its
# arguments quoted
write_run_dir() {
	local dir=$1 name=$2 v names
	shift 2
	{
		echo "XDPB_MODULES=$(sh_quote "$(modules_dir "$name")")"
		echo "XDPB_NONCE=$NONCE"
		# the empty /tmp, /run and /dev/shm of the VM would hide it
		case $PWD/ in
		/tmp/* | /run/* | /dev/shm/*) echo "XDPB_KEEP=$(sh_quote "$PWD")" ;;
		*) echo "XDPB_KEEP=" ;;
		esac
	} >"$dir/vm.env"
	names="BUILD TESTS CI TERM LANG PYTHON ${XDPB_VM_ENV:-} $(compgen -v XDPB_ || true)"
	{
		echo "# the command, run by bash in the VM's chroot"
		echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
		echo "export HOME=/root USER=root LOGNAME=root"
		for v in $names; do
			case $v in XDPB_VM_* | XDPB_KERNEL_CACHE) continue ;; esac
			[ -n "${!v+set}" ] && printf 'export %s=%q\n' "$v" "${!v}"
		done
		printf 'export XDPB_VM_KERNEL=%q\n' "$name"
		printf 'cd %q || exit 126\n' "$PWD"
		# a pipe, not the console: no tty (colours, line discipline) for CMD
		printf '%q ' "$@"
		echo '2>&1 | cat'
		# shellcheck disable=SC2016 # expanded in the VM
		echo 'exit "${PIPESTATUS[0]}"'
	} >"$dir/cmd.sh"
}

# filter_console NONCE CONSOLE-LOG STATUS-FILE : the console on stdin; the
# lines between the begin and exit markers to stdout, everything to
# CONSOLE-LOG, the command's status to STATUS-FILE
filter_console() {
	awk -W interactive -v nonce="$1" -v logf="$2" -v statf="$3" -v debug="${XDPB_VM_DEBUG:-0}" '
	{
		sub(/\r+$/, "")
		gsub(/\r/, "")
		print >logf
		fflush(logf)
	}
	# (the firmware leaves escape sequences on the line before it)
	state == 0 && $0 ~ ("XDPB-VM-BEGIN " nonce "$") { state = 1; next }
	state == 1 && match($0, "XDPB-VM-EXIT=[0-9]+ " nonce "$") {
		# an output whose last line had no newline ends before the marker
		if (RSTART > 1) print substr($0, 1, RSTART - 1)
		code = substr($0, RSTART + 13)
		sub(/ .*/, "", code)
		print code >statf
		close(statf)
		state = 2
		fflush()
		next
	}
	state == 1 || debug == "1" { print; fflush() }'
}

run() {
	local name=$1 tmp initrd release image rc status
	shift
	known_name "$name"
	[ $# -gt 0 ] || die "run $name: no command (run NAME -- CMD...)"
	case $PWD/ in
	/proc/* | /sys/* | /dev/*)
		die "run: the working directory $PWD is not the host's in the VM" ;;
	esac
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing (package qemu-system-x86)"
	fetched "$name" || fetch "$name"
	lock "$name"
	build_initrd "$name"
	initrd=$(initrd_path "$name")
	release=$(kernel_release "$name")
	image=$(boot_image "$name")
	# the files are ready; other runs of this kernel may go on
	flock -u 9
	NONCE=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
	tmp=$(mktemp -d /var/tmp/xdpb-vm.XXXXXX)
	CLEANUP+=("$tmp")
	write_run_dir "$tmp" "$name" "$@"
	local started=$SECONDS accel_opts
	read -r -a accel_opts <<<"$(accel)"
	set +e
	timeout --kill-after=10 "$VM_TIMEOUT" qemu-system-x86_64 "${accel_opts[@]}" \
		-smp 2 -m "$VM_MEMORY" -nodefaults -no-user-config -nographic \
		-serial stdio -monitor none -no-reboot -nic none \
		-kernel "$image" -initrd "$initrd" \
		-append "console=ttyS0 quiet loglevel=1 panic=-1 rdinit=/init ${XDPB_VM_APPEND:-}" \
		-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=root,mount_tag=xdpbroot \
		-fsdev local,id=run,path="$tmp",security_model=none \
		-device virtio-9p-pci,fsdev=run,mount_tag=xdpbrun \
		</dev/null 2>"$tmp/qemu.err" |
		filter_console "$NONCE" "$tmp/console.log" "$tmp/status"
	rc=${PIPESTATUS[0]}
	set -e
	status=$(cat "$tmp/status" 2>/dev/null || true)
	if [ -n "$status" ]; then
		[ -n "${XDPB_VM_DEBUG:-}" ] && log "$name: Linux $release, $((SECONDS - started)) s, status $status"
		return "$status"
	fi
	# the command did not report: say why, with the end of the console
	status=125
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		log "$name: timed out after $VM_TIMEOUT s (XDPB_VM_TIMEOUT) before the command finished"
		status=124
	elif grep -q 'Kernel panic' "$tmp/console.log"; then
		log "$name: the kernel panicked: $(grep -m1 -o 'Kernel panic.*' "$tmp/console.log")"
	elif [ "$rc" -ne 0 ]; then
		log "$name: qemu failed (status $rc): $(cat "$tmp/qemu.err")"
	else
		log "$name: the VM stopped before the command finished"
	fi
	log "$name: last console lines:"
	tail -n 30 "$tmp/console.log" | sed 's/^/    /' >&2
	return "$status"
}

main() {
	[ $# -ge 1 ] || usage
	case $1 in
	list) list ;;
	fetch)
		[ $# -eq 2 ] || usage
		fetch "$2"
		;;
	run)
		if [ $# -lt 3 ] || [ "$3" != "--" ]; then
			usage
		fi
		local name=$2
		shift 3
		run "$name" "$@"
		;;
	*) usage ;;
	esac
}

main "$@"
