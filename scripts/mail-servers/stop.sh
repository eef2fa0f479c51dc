#!/usr/bin/env bash
# Stops the servers that start.sh started under ROOT (by PID: SIGTERM, up to 5 s each, then SIGKILL)
# and removes ROOT. With --keep, ROOT (logs, mailboxes) stays for a look.
# Usage: scripts/mail-servers/stop.sh [--keep] ROOT
set -uo pipefail

keep=no
if [ "${1:-}" = --keep ]; then keep=yes; shift; fi
ROOT=${1:?usage: stop.sh [--keep] ROOT}
if [ ! -e "$ROOT/.shenbao-mail-root" ]; then
  echo "stop.sh: $ROOT was not made by start.sh (no .shenbao-mail-root); leaving it alone" >&2
  exit 1
fi

# PID 1 on these machines reaps orphans late: a killed daemon lingers as a zombie, and `kill -0` still
# succeeds on it. Treat state Z as gone.
is_running() { [ -e "/proc/$1" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }

pids=()
for pid_file in "$ROOT/smtp.pid" "$ROOT/postfix/spool/pid/master.pid" "$ROOT/dovecot.pid" "$ROOT/run/master.pid"; do
  [ -s "$pid_file" ] && pids+=("$(tr -d ' \n' < "$pid_file")")
done
for pid in "${pids[@]}"; do
  kill -TERM "$pid" 2>/dev/null || continue
  for _ in $(seq 1 100); do
    is_running "$pid" || break
    sleep 0.05
  done
  if is_running "$pid"; then
    echo "stop.sh: pid $pid still running after 5 s, SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
done
rm -f "$ROOT/smtp.pid" "$ROOT/dovecot.pid"
[ "$keep" = yes ] || rm -rf "$ROOT"
