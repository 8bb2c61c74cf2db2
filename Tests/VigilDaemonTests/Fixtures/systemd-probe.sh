#!/bin/sh
# Runs inside a container booted with systemd as PID 1, after vigild.service is up (Type=notify: only after
# READY=1). Drives vigild the way an operator would and leaves what it saw in /results for the test to check.
set -u
out=/results
show() { systemctl show vigild --no-pager -p "$1"; }
wait_for() { # wait_for SECONDS COMMAND...: retry until the command succeeds
    limit=$(( $1 * 10 )); shift
    while [ "$limit" -gt 0 ]; do "$@" && return 0; sleep 0.1; limit=$((limit - 1)); done
    return 1
}

show ActiveState,SubState,Type,NotifyAccess,WatchdogUSec,StatusText,MainPID > "$out/ready.txt"

# Delegate=yes: vigild moved itself into a leaf of its unit's cgroup and runs each target in a cgroup of its own.
cgroup_of() { grep '^0::' "/proc/$1/cgroup" | cut -d: -f3; }
{
    echo "vigild=$(cgroup_of "$(systemctl show vigild -p MainPID --value)")"
    echo "ticker=$(cgroup_of "$(cat "$out/ticker.pid")")"
    journalctl -u vigild -o cat --no-pager | grep -E 'process targets run|delegated'
} > "$out/cgroups.txt" 2>&1

# A crash: the target is restarted and STATUS= follows.
first=$(cat "$out/ticker.pid")
kill -KILL "$first"
wait_for 10 sh -c "[ -s $out/ticker.pid ] && [ \"\$(cat $out/ticker.pid)\" != $first ]"
echo "$first $(cat "$out/ticker.pid")" > "$out/restart.txt"
wait_for 10 sh -c "systemctl show vigild -p StatusText | grep -q '2 running'"
systemctl status vigild --no-pager --lines=0 > "$out/status.txt" 2>&1

# The journal, with the shipped catalog explaining the event.
journalctl --update-catalog > "$out/catalog-update.txt" 2>&1
journalctl -u vigild VIGIL_TARGET=ticker -o json --no-pager > "$out/journal.json" 2>&1
journalctl -u vigild VIGIL_EVENT=target-exited -x --no-pager > "$out/journal-x.txt" 2>&1

# Reload through systemctl: RELOADING=1, then READY=1.
main=$(systemctl show vigild -p MainPID --value)
systemctl reload vigild; echo "reload=$?" > "$out/reload.txt"
show ActiveState,SubState,StatusText >> "$out/reload.txt"
journalctl -u vigild VIGIL_EVENT=reload-ok -o json --no-pager > "$out/reload-journal.json" 2>&1

# A stuck engine: stop vigild; the watchdog pings stop and systemd kills and restarts it.
before=$(show NRestarts)
kill -STOP "$main"
wait_for 40 sh -c "[ \"\$(systemctl show vigild -p NRestarts)\" != '$before' ] && systemctl is-active -q vigild"
echo "$before" > "$out/watchdog.txt"
show NRestarts,ActiveState,MainPID >> "$out/watchdog.txt"
journalctl -u vigild --no-pager -o cat > "$out/unit-log.txt" 2>&1
wait_for 10 sh -c "[ \"\$(cat $out/ticker.pid)\" != \"$(cat "$out/ticker.pid")\" ]" || true

# Stop: every target ends with vigild.
last=$(cat "$out/ticker.pid")
systemctl stop vigild; echo "stop=$?" > "$out/stop.txt"
show ActiveState,Result >> "$out/stop.txt"
if kill -0 "$last" 2>/dev/null; then echo "survivor=$last" >> "$out/stop.txt"; else echo "survivor=none" >> "$out/stop.txt"; fi
touch "$out/done"
