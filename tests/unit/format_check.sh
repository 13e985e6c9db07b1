#!/usr/bin/env bash
# Every C source and header of the tree is clang-format clean (.clang-format
# at the top; `make format` fixes what this finds). First the check itself
# is shown to catch drift: a scratch copy of a clean file, put out of
# format on purpose, must be reported.
. "$(dirname "$0")/../lib.sh"

STYLE=$TOP/.clang-format
command -v clang-format >/dev/null || { t_fail "clang-format is installed (scripts/install-deps.sh)"; t_done; }

# clean FILE : clang-format would change nothing in FILE (styled as the tree)
clean() { clang-format --style="file:$STYLE" --dry-run --Werror "$1" >/dev/null 2>&1; }

# --- the check can fail
scratch=$WORKDIR/escape.c
cp "$TOP/userspace/common/escape.c" "$scratch"
t_check "the check passes a clean copy (userspace/common/escape.c)" clean "$scratch"
# an indent of spaces and two statements on one line
sed -i '0,/^\t/s/^\t/        /; 0,/;$/s/;$/; ;/' "$scratch"
t_check_not "the check reports the same copy put out of format" clean "$scratch"

# --- the tree
cd "$TOP" || exit 1
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files '*.c' '*.h')
else
	mapfile -t files < <(find bpf maps userspace tests -name '*.[ch]' | sort)
fi
t_check "sources found to check (${#files[@]})" test "${#files[@]}" -gt 50
drift=()
for f in "${files[@]}"; do
	clean "$f" || drift+=("$f")
done
if [ "${#drift[@]}" -eq 0 ]; then
	t_pass "all ${#files[@]} C files are clang-format clean"
else
	t_fail "clang-format clean: ${#drift[@]} file(s) drifted; run 'make format' and commit: ${drift[*]}"
fi
t_done
