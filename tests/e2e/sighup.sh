#!/usr/bin/env bash
# End to end: SIGHUPs in quick succession. xdpblockd(8), SIGNALS: "Several
# SIGHUPs that arrive while the daemon is busy give one reload" (a signal
# waits in the signalfd until the loop reads it, and a SIGHUP waiting
# there is not queued twice). Tested exactly:
#   - 5 SIGHUPs sent while the daemon cannot read them (stopped, SIGSTOP;
#     the extreme of busy) give one reload, not 5
#   - 5 SIGHUPs sent at once to the running daemon give at least one
#     reload and at most 5 (how many is a timing: printed, not checked)
# Counted by reloads_total (xdpblockctl --json status) and by the log's
# "SIGHUP: reloading" lines, after an `xdpblockctl reload`: the daemon
# reads a waiting signal before the control socket, so when that reload
# has answered every SIGHUP sent before it has been handled.
. "$(dirname "$0")/../lib.sh"

lab_up || { t_fail "lab setup"; exit 1; }
printf '203.0.113.0/24\n' >"$WORKDIR/block.txt"
write_config "$WORKDIR/x.conf" "[list:block]" "signature = none" "path = $WORKDIR/block.txt"
require "xdpblockd starts" daemon_start "$WORKDIR/x.conf"

reloads() { status_field "r['reloads_total']"; }
hup_lines() { grep -c 'SIGHUP: reloading' "$WORKDIR/daemon.log"; }

# --- while it cannot read them
r0=$(reloads) h0=$(hup_lines)
kill -STOP "$DAEMON_PID"
for _ in 1 2 3 4 5; do kill -HUP "$DAEMON_PID"; done
kill -CONT "$DAEMON_PID"
require "stopped: xdpblockctl reload afterwards" ctl reload
r1=$(reloads) h1=$(hup_lines)
t_check "stopped: 5 SIGHUPs and a reload are 2 reloads ($r0 -> $r1)" test "$r1" -eq $((r0 + 2))
t_check "stopped: the log says SIGHUP once ($((h1 - h0)))" test $((h1 - h0)) -eq 1
t_check "stopped: the rules are still active" ping_blocked 203.0.113.10

# --- at once, running
for _ in 1 2 3 4 5; do kill -HUP "$DAEMON_PID"; done
require "running: xdpblockctl reload afterwards" ctl reload
r2=$(reloads) h2=$(hup_lines)
n=$((r2 - r1 - 1))
echo "# 5 SIGHUPs at once gave $n reload(s)"
t_check "running: 5 SIGHUPs gave at least 1 reload and at most 5 ($n)" test "$n" -ge 1 -a "$n" -le 5
t_check "running: as many SIGHUP lines in the log ($((h2 - h1)))" test $((h2 - h1)) -eq "$n"
t_check "running: the daemon still answers and filters" ping_blocked 203.0.113.10

t_done
