#!/usr/bin/env bash
# The shape of userspace/ (docs/architecture.md, "Layers"), checked:
#   - a file includes headers of its own folder and of folders before it
#     only: common, formats, config, lists | rules, datapath, control,
#     daemon | ctl (lists and rules, daemon and ctl, use none of each other);
#   - no cycle among the headers;
#   - a header X.h declares the functions of X.c only (gcc -aux-info), and
#     a header with no X.c (daemon.h: types) declares none.
# Each rule is first shown to catch a file that breaks it (a scratch copy).
. "$(dirname "$0")/../lib.sh"

cd "$TOP" || exit 1
CFLAGS_AUX=(-fsyntax-only -std=gnu11 -D_GNU_SOURCE -Iuserspace -I"$BUILD")
read -r -a PKG <<<"$(pkg-config --cflags libbpf json-c libnl-3.0 libsystemd libmicrohttpd libcurl 2>/dev/null)"

# check_layers ROOT : every include of ROOT/userspace/*/* goes to an
# earlier layer or the file's own; prints the ones that do not
check_layers() {
	python3 - "$1" <<'PY'
import glob, os, re, sys
rank = {"common": 0, "formats": 1, "config": 2, "lists": 3, "rules": 3,
        "datapath": 4, "control": 5, "daemon": 6, "ctl": 6}
root = sys.argv[1]
bad = 0
for path in sorted(glob.glob(os.path.join(root, "userspace/*/*.[ch]"))):
    layer = path.split(os.sep)[-2]
    if layer not in rank:
        print(f"{path}: folder {layer} is no layer")
        bad += 1
        continue
    for n, line in enumerate(open(path), 1):
        m = re.match(r'#include "([a-z_]+)/[a-z_]+\.h"', line)
        if not m or m.group(1) == layer:
            continue
        to = m.group(1)
        if to not in rank or rank[to] >= rank[layer]:
            print(f"{os.path.relpath(path, root)}:{n}: {layer} includes {to}")
            bad += 1
sys.exit(1 if bad else 0)
PY
}

# check_cycles ROOT : no header includes itself through others
check_cycles() {
	python3 - "$1" <<'PY'
import glob, os, re, sys
root = sys.argv[1]
graph = {}
for path in glob.glob(os.path.join(root, "userspace/*/*.h")):
    name = os.path.relpath(path, os.path.join(root, "userspace"))
    graph[name] = [m.group(1) for m in re.finditer(r'#include "([a-z_]+/[a-z_]+\.h)"', open(path).read())]
state = {}
def visit(n, stack):
    if state.get(n) == 1:
        print("include cycle: " + " -> ".join(stack[stack.index(n):] + [n]))
        return True
    if state.get(n) == 2 or n not in graph:
        return False
    state[n] = 1
    found = any(visit(m, stack + [n]) for m in graph[n])
    state[n] = 2
    return found
sys.exit(1 if any(visit(n, []) for n in sorted(graph)) else 0)
PY
}

# declared_elsewhere HEADER : functions HEADER declares that its own .c
# does not define (or, with no .c, any function it declares)
declared_elsewhere() {
	local h=$1 c=${1%.h}.c aux=$WORKDIR/aux.txt src
	src=$c
	[ -f "$c" ] || { src=$WORKDIR/only_header.c && echo "#include \"$(realpath "$h")\"" >"$src"; }
	rm -f "$aux"
	gcc -aux-info "$aux" "${CFLAGS_AUX[@]}" "${PKG[@]}" -include "$h" "$src" 2>"$WORKDIR/gcc.err" ||
		{ echo "gcc: $(head -1 "$WORKDIR/gcc.err")"; return; }
	python3 - "$aux" "$(realpath "$h")" "$(realpath "$c" 2>/dev/null || echo none)" <<'PY'
import os, re, sys
aux, header, source = sys.argv[1:]
declared, defined = set(), set()
for line in open(aux):
    m = re.match(r"/\* (.*):\d+:(.)(.) \*/ (extern|static)?.*?\b(\w+) \(", line)
    if not m:
        continue
    path, kind, storage, name = os.path.realpath(m.group(1)), m.group(3), m.group(4), m.group(5)
    if path == header and kind == "C" and storage != "static":
        declared.add(name)
    if path == source and kind == "F":
        defined.add(name)
for name in sorted(declared - defined):
    print(name)
PY
}

# --- the checks can fail (scratch copies of the tree's userspace/)
scratch=$WORKDIR/tree
mkdir -p "$scratch"
cp -r "$TOP/userspace" "$scratch/"
t_check "layers: the tree's copy passes" check_layers "$scratch"
echo '#include "daemon/daemon.h"' >>"$scratch/userspace/rules/ruleset.h"
t_check_not "layers: a rules header including daemon/daemon.h is reported" check_layers "$scratch"
cp "$TOP/userspace/rules/ruleset.h" "$scratch/userspace/rules/ruleset.h"
echo '#include "lists/listload.h"' >>"$scratch/userspace/rules/refmatch.c"
t_check_not "layers: rules including lists (siblings) is reported" check_layers "$scratch"
cp "$TOP/userspace/rules/refmatch.c" "$scratch/userspace/rules/refmatch.c"
t_check "cycles: the tree's copy has none" check_cycles "$scratch"
echo '#include "common/log.h"' >>"$scratch/userspace/common/escape.h"
echo '#include "common/escape.h"' >>"$scratch/userspace/common/log.h"
t_check_not "cycles: escape.h -> log.h -> escape.h is reported" check_cycles "$scratch"
t_check "declarations: escape.h declares its own only" \
	test -z "$(declared_elsewhere userspace/common/escape.h)"
cp userspace/common/escape.h "$WORKDIR/escape.h"
sed -i 's|^size_t text_escape(char \*msg, size_t size);|&\nvoid log_set_level(enum log_level max_level);|' "$WORKDIR/escape.h"
sed -i 's|^#include <stddef.h>|&\n#include "common/log.h"|' "$WORKDIR/escape.h"
mkdir -p "$WORKDIR/u/common" && cp "$WORKDIR/escape.h" "$WORKDIR/u/common/escape.h" &&
	cp userspace/common/escape.c "$WORKDIR/u/common/escape.c" && cp userspace/common/log.h "$WORKDIR/u/common/log.h"
stray=$(
	cd "$WORKDIR/u" || exit
	CFLAGS_AUX=(-fsyntax-only -std=gnu11 -D_GNU_SOURCE -I.)
	declared_elsewhere common/escape.h
)
t_check "declarations: a log.c function declared in escape.h is reported ($stray)" \
	test "$stray" = log_set_level

# --- the tree
t_check "every include goes to the file's layer or an earlier one" check_layers "$TOP"
t_check "no include cycle among userspace headers" check_cycles "$TOP"
for h in userspace/*/*.h; do
	stray=$(declared_elsewhere "$h")
	if [ -z "$stray" ]; then
		t_pass "$h declares the functions of ${h%.h}.c only"
	else
		t_fail "$h declares the functions of ${h%.h}.c only" "also: $(echo $stray)"
	fi
done
t_done
