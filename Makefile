# xdpblock build. Out of tree in build/; V=1 shows the commands.
#   make            build the daemon, CLI and BPF object
#   make test       install missing packages, build, run every test
#   make demo       install missing packages, build, run the namespace demo
#   make bench      run the benchmarks (docs/benchmarks.md)
#   make fuzz       longer fuzzing runs
#   make install    PREFIX=/usr/local DESTDIR= (binaries, BPF object, unit,
#                   man pages; the example config only if none exists)
#   make uninstall  the same PREFIX and DESTDIR; leaves the config alone

BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib
MANDIR ?= $(PREFIX)/share/man
# systemd reads units from /usr/local/lib/systemd/system and, on Debian 12
# (merged /usr), /usr/lib/systemd/system = /lib/systemd/system
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
TRIPLET := $(shell gcc -dumpmachine)

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# as OpenBSD's ntpd and bgpd build: every warning an error. BPF programs
# and their global functions are entered by the kernel, not called from
# C, so only userspace (and the tests) must declare every function first.
WARNINGS := -Wall -Wextra -Wshadow -Wcast-qual -Wsign-compare -Werror
USER_WARNINGS := $(WARNINGS) -Wmissing-prototypes
CFLAGS ?= -O2 -g
PKGS := libbpf libelf zlib inih json-c libnl-route-3.0 libsystemd libidn2 \
	libsodium
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
XCFLAGS := $(CFLAGS) $(USER_WARNINGS) -std=gnu11 -D_GNU_SOURCE -I$(BUILD) \
	-Iuserspace $(PKG_CFLAGS)
# Only the daemon speaks HTTP (metrics.c serves, fetch.c downloads): those
# libraries stay out of the library, the CLI and the tests.
DAEMON_PKGS := libmicrohttpd libcurl
DAEMON_PKG_CFLAGS := $(shell pkg-config --cflags $(DAEMON_PKGS) 2>/dev/null)
DAEMON_PKG_LIBS := $(shell pkg-config --libs $(DAEMON_PKGS) 2>/dev/null)
BPF_CFLAGS := -O2 -g $(WARNINGS) -target bpf -D__TARGET_ARCH_$(ARCH) \
	-I/usr/include/$(TRIPLET)

BPF_SRC := bpf/xdpblock.bpf.c
BPF_HDRS := $(wildcard bpf/*.h maps/*.h)
BPF_OBJ := $(BUILD)/xdpblock.bpf.o
SKEL := $(BUILD)/xdpblock.skel.h

# userspace/ in layers, each using only those before it (docs/architecture.md;
# tests/unit/layers.sh checks): common, formats (list and signature file
# formats), config, lists (loading, state, watching, fetching), rules,
# datapath (loading and attaching the BPF side), control (the protocol of
# the control socket, both ends), then daemon and ctl beside it. A
# header is included by its layer's path: "config/config.h".
USERSPACE_LAYERS := common formats config lists rules datapath control daemon ctl
vpath %.c $(addprefix userspace/,$(USERSPACE_LAYERS))
# the sources of the named modules, wherever their layer
us_src = $(foreach n,$(1),$(wildcard userspace/*/$(n).c))

LIB_SRCS := log escape words inputfile bigalloc prefix names listfile addrlist \
	namelist minisign \
	listload liststate lastgood safefile listwatch config ruleset ruleids plan refmatch special protect \
	pinning \
	loader generation counters bpfmap attach protectmap control promtext kernel_features
DAEMON_OBJS := $(patsubst %,$(BUILD)/userspace/%.o,xdpblockd reload reloadlists interfaces commands protected \
	linkwatch metrics fetch carryover privs)
LIB_OBJS := $(patsubst %,$(BUILD)/userspace/%.o,$(LIB_SRCS))
LIB := $(BUILD)/libxdpblock.a
HDRS := $(wildcard userspace/*/*.h maps/*.h)

BINS := $(BUILD)/xdpblockd $(BUILD)/xdpblockctl
TEST_BINS := $(BUILD)/tests/unit_tests $(BUILD)/tests/list_tests \
	$(BUILD)/tests/bpf_tests $(BUILD)/tests/diff_test \
	$(BUILD)/tests/dns_tests $(BUILD)/tests/web_tests \
	$(BUILD)/tests/names_tests $(BUILD)/tests/doc_tests \
	$(BUILD)/tests/verifier_budget \
	$(BUILD)/tests/bench_prog
LIBS := $(LIB) $(PKG_LIBS)

.DELETE_ON_ERROR:
.PHONY: all deps test demo bench fuzz install uninstall clean format tests

all: $(BINS)

deps:
	$(Q)scripts/install-deps.sh

$(BUILD) $(BUILD)/userspace $(BUILD)/tests:
	$(Q)mkdir -p $@

$(BPF_OBJ): $(BPF_SRC) $(BPF_HDRS) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL): $(BPF_OBJ)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name xdpblock_bpf > $@

$(BUILD)/userspace/%.o: %.c $(HDRS) $(SKEL) | $(BUILD)/userspace
	$(call msg,CC,$@)
	$(Q)$(CC) $(XCFLAGS) -c $< -o $@

$(BUILD)/userspace/metrics.o: XCFLAGS += $(DAEMON_PKG_CFLAGS)

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/xdpblockd: $(DAEMON_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(XCFLAGS) $(DAEMON_OBJS) -o $@ $(LIBS) $(DAEMON_PKG_LIBS)

$(BUILD)/xdpblockctl: $(BUILD)/userspace/xdpblockctl.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(XCFLAGS) $< -o $@ $(LIBS)

$(BUILD)/tests/%: tests/%.c tests/*.h $(LIB) $(HDRS) | $(BUILD)/tests
	$(call msg,LINK,$@)
	$(Q)$(CC) $(XCFLAGS) -Iuserspace $< -o $@ $(LIBS) -lm

$(BUILD)/tests/%: tests/*/%.c tests/*.h tests/*/*.h $(LIB) $(HDRS) | $(BUILD)/tests
	$(call msg,LINK,$@)
	$(Q)$(CC) $(XCFLAGS) -Iuserspace -Itests $< $(TEST_EXTRA_SRCS) -o $@ $(LIBS) -lm

# The unit tests: main in tests/unit/unit_tests.c, one suite a file in
# tests/unit/suites/. They run the datapath's own address lookups, compiled
# from bpf/ip_match.bpf.h for userspace (tests/unit/datapath_model.c).
UNIT_SUITE_SRCS := $(wildcard tests/unit/suites/*.c)
$(BUILD)/tests/unit_tests: TEST_EXTRA_SRCS := tests/unit/datapath_model.c \
	$(UNIT_SUITE_SRCS)
$(BUILD)/tests/unit_tests: tests/unit/datapath_model.c $(UNIT_SUITE_SRCS) \
	tests/unit/suites/*.h $(BPF_HDRS)

# The benchmark's wrapper program (tests/bench/bench_wrapper.bpf.c).
BENCH_BPF_OBJ := $(BUILD)/tests/bench_wrapper.bpf.o
BENCH_SKEL := $(BUILD)/tests/bench_wrapper.skel.h

$(BENCH_BPF_OBJ): tests/bench/bench_wrapper.bpf.c | $(BUILD)/tests
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_SKEL): $(BENCH_BPF_OBJ)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_wrapper_bpf > $@

# bench_prog: the dispatch in bench_prog.c, a file per subcommand.
BENCH_SRCS := $(filter-out %.bpf.c tests/bench/bench_prog.c, \
	$(wildcard tests/bench/*.c))
$(BUILD)/tests/bench_prog: TEST_EXTRA_SRCS := $(BENCH_SRCS)
$(BUILD)/tests/bench_prog: $(BENCH_SKEL) $(BENCH_SRCS)

# A pass-everything XDP program for the lab's client veth (tests/lib.sh).
XDP_PASS_OBJ := $(BUILD)/tests/xdp_pass.bpf.o

$(XDP_PASS_OBJ): tests/e2e/xdp_pass.bpf.c | $(BUILD)/tests
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# libFuzzer targets (tests/fuzz, docs/fuzzing.md): the list parsers, gzip,
# the signature reader, the state file and the configuration, built with
# clang and the sanitizers from the userspace sources they test; the
# datapath, control and fetch targets have rules of their own below.
FUZZ_TARGETS := listfile minisig gunzip state datapath config control fetch
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
FUZZ_SRCS := $(call us_src,prefix bigalloc names listfile addrlist namelist \
	minisign listload \
	liststate safefile config escape words inputfile)
FUZZ_PKGS := zlib inih json-c libsodium libidn2
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all $(USER_WARNINGS) -std=gnu11 -D_GNU_SOURCE \
	-Iuserspace $(shell pkg-config --cflags $(FUZZ_PKGS) 2>/dev/null)
FUZZ_SECONDS ?= 300

$(BUILD)/fuzz:
	$(Q)mkdir -p $@

# The datapath: the XDP programs under BPF_PROG_TEST_RUN, with the
# library as it is built (the BPF code is not instrumented; the target's
# own decoding gives libFuzzer its coverage). Needs root.
$(BUILD)/fuzz/fuzz_datapath: tests/fuzz/fuzz_datapath.c tests/bpf/*.h $(LIB) $(HDRS) | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -I$(BUILD) -Itests $(PKG_CFLAGS) $< -o $@ \
		$(LIB) $(PKG_LIBS)

# The control protocol: xdpblockd's control server and command handler,
# instrumented, over the daemon's reload and the library as they are built
# (BPF maps and program loaded: root).
FUZZ_CONTROL_SRCS := $(call us_src,control commands)
FUZZ_CONTROL_OBJS := $(patsubst %,$(BUILD)/userspace/%.o,reload reloadlists interfaces carryover fetch \
	protected)
$(BUILD)/fuzz/fuzz_control: tests/fuzz/fuzz_control.c $(FUZZ_CONTROL_SRCS) \
		$(FUZZ_CONTROL_OBJS) $(LIB) $(HDRS) | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -I$(BUILD) $(PKG_CFLAGS) $< $(FUZZ_CONTROL_SRCS) \
		$(FUZZ_CONTROL_OBJS) -o $@ $(LIB) $(PKG_LIBS) $(DAEMON_PKG_LIBS)

# The fetcher: fetch.c through libcurl against a server in the target's
# own network namespace (root).
FUZZ_FETCH_SRCS := $(call us_src,fetch safefile log escape)
$(BUILD)/fuzz/fuzz_fetch: tests/fuzz/fuzz_fetch.c $(FUZZ_FETCH_SRCS) $(HDRS) | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(DAEMON_PKG_CFLAGS) $< $(FUZZ_FETCH_SRCS) -o $@ \
		$(DAEMON_PKG_LIBS) $(PKG_LIBS) -lpthread

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRCS) $(HDRS) | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(FUZZ_SRCS) -o $@ \
		$(shell pkg-config --libs $(FUZZ_PKGS) 2>/dev/null)

tests: $(BINS) $(TEST_BINS) $(XDP_PASS_OBJ) $(FUZZ_BINS)

test: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)tests/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

# Each fuzz target for FUZZ_SECONDS (default 300); the corpus grows in
# $(BUILD)/fuzz/corpus. `make test` runs them for a few seconds each.
# FUZZ_TARGETS="listfile config" runs some of them.
fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_CORPUS=$(BUILD)/fuzz/corpus \
		FUZZ_TARGETS="$(FUZZ_TARGETS)" tests/unit/fuzz_smoke.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)scripts/bench.sh

# The unit is written with the installed paths: contrib/systemd/xdpblockd.service
# names /usr/sbin and /etc (what PREFIX=/usr gives) and stays a valid unit.
# An existing config is never overwritten: it is the operator's.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR)/xdpblock \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSCONFDIR)/xdpblock
	install -m 0755 $(BUILD)/xdpblockd $(BUILD)/xdpblockctl $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(BPF_OBJ) $(DESTDIR)$(LIBDIR)/xdpblock/xdpblock.bpf.o
	sed -e 's|/usr/sbin/|$(SBINDIR)/|g' -e 's|/etc/xdpblock/|$(SYSCONFDIR)/xdpblock/|g' \
		contrib/systemd/xdpblockd.service >$(BUILD)/xdpblockd.service
	install -m 0644 $(BUILD)/xdpblockd.service $(DESTDIR)$(UNITDIR)/xdpblockd.service
	install -m 0644 man/xdpblockd.8 man/xdpblockctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/xdpblock.conf.5 $(DESTDIR)$(MANDIR)/man5/
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/xdpblock/xdpblock.conf ]; then \
		echo "kept $(DESTDIR)$(SYSCONFDIR)/xdpblock/xdpblock.conf (not overwritten)"; \
	else \
		echo "install -m 0644 contrib/xdpblock.conf.example $(DESTDIR)$(SYSCONFDIR)/xdpblock/xdpblock.conf"; \
		install -m 0644 contrib/xdpblock.conf.example $(DESTDIR)$(SYSCONFDIR)/xdpblock/xdpblock.conf; \
	fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/xdpblockd $(DESTDIR)$(SBINDIR)/xdpblockctl \
		$(DESTDIR)$(LIBDIR)/xdpblock/xdpblock.bpf.o \
		$(DESTDIR)$(UNITDIR)/xdpblockd.service \
		$(DESTDIR)$(MANDIR)/man8/xdpblockd.8 $(DESTDIR)$(MANDIR)/man8/xdpblockctl.8 \
		$(DESTDIR)$(MANDIR)/man5/xdpblock.conf.5
	-rmdir $(DESTDIR)$(LIBDIR)/xdpblock 2>/dev/null
	@echo "left $(DESTDIR)$(SYSCONFDIR)/xdpblock (configuration and lists) in place"

format:
	clang-format -i bpf/*.c bpf/*.h maps/*.h userspace/*/*.c userspace/*/*.h \
		tests/*/*.c tests/*/*.h tests/*/*/*.c tests/*/*/*.h tests/*.h

clean:
	rm -rf $(BUILD)
