#!/usr/bin/env bash
# Stops or starts one server of an instance that start.sh started, for tests of what the daemon does
# while Dovecot or Postfix is away. Same config files, same ports; the PID files stay right for stop.sh.
# Usage: scripts/mail-servers/service.sh ROOT dovecot|postfix stop|start
set -euo pipefail

ROOT=${1:?usage: service.sh ROOT dovecot|postfix stop|start}
SERVER=${2:?usage: service.sh ROOT dovecot|postfix stop|start}
ACTION=${3:?usage: service.sh ROOT dovecot|postfix stop|start}
[ -e "$ROOT/.shenbao-mail-root" ] || { echo "service.sh: $ROOT was not made by start.sh" >&2; exit 1; }
# shellcheck disable=SC1091
. "$ROOT/servers.env"

is_running() { [ -e "/proc/$1" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() {  # wait_for DESCRIPTION COMMAND...: up to 10 s
  for _ in $(seq 1 200); do "${@:2}" && return 0; sleep 0.05; done
  echo "service.sh: $1 not reached within 10 s" >&2
  return 1
}
port_closed() { ! port_open "$1"; }
pid_gone() { ! is_running "$1"; }

case "$SERVER/$ACTION" in
  dovecot/stop)
    pid=$(tr -d ' \n' < "$ROOT/dovecot.pid")
    # The master leaves its children behind (anvil, log, and the IMAP sessions in hand
    # despite shutdown_clients = yes): end them too, as a real shutdown does.
    children=$(ps -o pid= --ppid "$pid" || true)
    kill -TERM "$pid" 2>/dev/null || true
    wait_for "dovecot $pid gone" pid_gone "$pid"
    for child in $children; do kill -TERM "$child" 2>/dev/null || true; done
    for child in $children; do wait_for "dovecot child $child gone" pid_gone "$child"; done
    ;;
  dovecot/start)
    # Without -F the master daemonizes and writes $ROOT/run/master.pid.
    /usr/sbin/dovecot -c "$ROOT/etc/dovecot.conf" >> "$ROOT/log/dovecot.stderr" 2>&1
    wait_for "dovecot on $IMAPS_PORT" port_open "$IMAPS_PORT"
    wait_for "dovecot on $IMAP_PORT" port_open "$IMAP_PORT"
    wait_for "dovecot LMTP on $LMTP_PORT" port_open "$LMTP_PORT"
    wait_for "dovecot's master.pid" test -s "$ROOT/run/master.pid"
    tr -d ' \n' < "$ROOT/run/master.pid" > "$ROOT/dovecot.pid"
    ;;
  postfix/stop)
    /usr/sbin/postfix -c "$ROOT/postfix/etc" stop >> "$ROOT/log/postfix.stderr" 2>&1
    wait_for "postfix off $SMTP_PORT" port_closed "$SMTP_PORT"
    ;;
  postfix/start)
    /usr/sbin/postfix -c "$ROOT/postfix/etc" start >> "$ROOT/log/postfix.stderr" 2>&1
    wait_for "postfix on $SMTP_PORT" port_open "$SMTP_PORT"
    tr -d ' \n' < "$ROOT/postfix/spool/pid/master.pid" > "$ROOT/smtp.pid"
    ;;
  *)
    echo "usage: service.sh ROOT dovecot|postfix stop|start" >&2
    exit 2
    ;;
esac
