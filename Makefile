# xdpblock build. Out of tree in build/; V=1 shows the commands.
#   make            build the daemon, CLI and BPF object
#   make test       install missing packages, build, run every test
#   make demo       install missing packages, build, run the namespace demo
#   make bench      run the benchmarks (docs/benchmarks.md)
#   make fuzz       longer fuzzing runs
#   make install    PREFIX=/usr/local DESTDIR=

BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
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

WARNINGS := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
PKGS := libbpf libelf zlib inih json-c libsodium
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
XCFLAGS := $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -I$(BUILD) $(PKG_CFLAGS)
BPF_CFLAGS := -O2 -g $(WARNINGS) -target bpf -D__TARGET_ARCH_$(ARCH) \
	-I/usr/include/$(TRIPLET)

BPF_SRC := bpf/xdpblock.bpf.c
BPF_HDRS := $(wildcard bpf/*.h) maps/xdpblock_maps.h
BPF_OBJ := $(BUILD)/xdpblock.bpf.o
SKEL := $(BUILD)/xdpblock.skel.h

LIB_SRCS := log bigalloc prefix listfile minisign listload liststate config \
	ruleset refmatch loader attach control
DAEMON_OBJS := $(patsubst %,$(BUILD)/userspace/%.o,xdpblockd reload commands)
LIB_OBJS := $(patsubst %,$(BUILD)/userspace/%.o,$(LIB_SRCS))
LIB := $(BUILD)/libxdpblock.a
HDRS := $(wildcard userspace/*.h) maps/xdpblock_maps.h

BINS := $(BUILD)/xdpblockd $(BUILD)/xdpblockctl
TEST_BINS := $(BUILD)/tests/unit_tests $(BUILD)/tests/list_tests \
	$(BUILD)/tests/bpf_tests \
	$(BUILD)/tests/diff_test $(BUILD)/tests/bench_prog
LIBS := $(LIB) $(PKG_LIBS)

.DELETE_ON_ERROR:
.PHONY: all deps test demo bench fuzz install clean format tests

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

$(BUILD)/userspace/%.o: userspace/%.c $(HDRS) $(SKEL) | $(BUILD)/userspace
	$(call msg,CC,$@)
	$(Q)$(CC) $(XCFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(BUILD)/xdpblockd: $(DAEMON_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(XCFLAGS) $(DAEMON_OBJS) -o $@ $(LIBS)

$(BUILD)/xdpblockctl: $(BUILD)/userspace/xdpblockctl.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(XCFLAGS) $< -o $@ $(LIBS)

$(BUILD)/tests/%: tests/%.c tests/*.h $(LIB) $(HDRS) | $(BUILD)/tests
	$(call msg,LINK,$@)
	$(Q)$(CC) $(XCFLAGS) -Iuserspace $< -o $@ $(LIBS) -lm

$(BUILD)/tests/%: tests/*/%.c tests/*.h tests/*/*.h $(LIB) $(HDRS) | $(BUILD)/tests
	$(call msg,LINK,$@)
	$(Q)$(CC) $(XCFLAGS) -Iuserspace -Itests $< -o $@ $(LIBS) -lm

# The benchmark's wrapper program (tests/bench/bench_wrapper.bpf.c).
BENCH_BPF_OBJ := $(BUILD)/tests/bench_wrapper.bpf.o
BENCH_SKEL := $(BUILD)/tests/bench_wrapper.skel.h

$(BENCH_BPF_OBJ): tests/bench/bench_wrapper.bpf.c | $(BUILD)/tests
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_SKEL): $(BENCH_BPF_OBJ)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_wrapper_bpf > $@

$(BUILD)/tests/bench_prog: $(BENCH_SKEL)

# libFuzzer targets (tests/fuzz): the list parsers, gzip, the signature
# reader and the state file, built with clang and the sanitizers from the
# userspace sources they test (no BPF).
FUZZ_TARGETS := listfile minisig gunzip state
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
FUZZ_SRCS := $(patsubst %,userspace/%.c,prefix bigalloc listfile minisign \
	listload liststate config)
FUZZ_PKGS := zlib inih json-c libsodium
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all $(WARNINGS) -std=gnu11 -D_GNU_SOURCE \
	-Iuserspace $(shell pkg-config --cflags $(FUZZ_PKGS) 2>/dev/null)
FUZZ_SECONDS ?= 300

$(BUILD)/fuzz:
	$(Q)mkdir -p $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRCS) $(HDRS) | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(FUZZ_SRCS) -o $@ \
		$(shell pkg-config --libs $(FUZZ_PKGS) 2>/dev/null)

tests: $(BINS) $(TEST_BINS) $(FUZZ_BINS)

test: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)tests/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

# Each fuzz target for FUZZ_SECONDS (default 300); the corpus grows in
# $(BUILD)/fuzz/corpus. `make test` runs them for a few seconds each.
fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_CORPUS=$(BUILD)/fuzz/corpus \
		tests/unit/fuzz_smoke.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)scripts/bench.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)/etc/xdpblock
	install -m 0755 $(BUILD)/xdpblockd $(BUILD)/xdpblockctl $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 man/xdpblockd.8 man/xdpblockctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 man/xdpblock.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	test -e $(DESTDIR)/etc/xdpblock/xdpblock.conf || \
		install -m 0644 contrib/xdpblock.conf.example $(DESTDIR)/etc/xdpblock/xdpblock.conf

format:
	clang-format -i bpf/*.c bpf/*.h maps/*.h userspace/*.c userspace/*.h tests/*/*.c tests/*.h

clean:
	rm -rf $(BUILD)
