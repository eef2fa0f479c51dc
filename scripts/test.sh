#!/usr/bin/env bash
# The project's test command: `scripts/test.sh` (everything) or `scripts/test.sh ARGS` (`cargo test ARGS`,
# e.g. `scripts/test.sh --test mailbox_imap`).
#
# When MAIL_TEST_ROOT is unset and this runs as root with Dovecot and Postfix installed
# (scripts/install-test-deps.sh), it starts the loopback mail servers (scripts/mail-servers/),
# exports MAIL_TEST_ROOT for the IMAP/SMTP tests, and stops them on exit. When MAIL_TEST_ROOT is
# set, it uses those servers and leaves them running. Otherwise the server tests skip loudly
# (or fail, under CI=true). Without ARGS it runs `cargo test --all-targets`, then the doc tests
# (which --all-targets leaves out). Exit status: cargo's.
set -euo pipefail
cd "$(dirname "$0")/.."

started_root=
stop_servers() {
  local status=$?
  if [ -n "$started_root" ]; then
    if [ "$status" -ne 0 ]; then
      echo "---- test.sh: last lines of the mail server logs ($started_root/log) ----" >&2
      tail -n 15 "$started_root/log/dovecot.log" "$started_root/log/postfix.log" >&2 2>/dev/null || true
    fi
    scripts/mail-servers/stop.sh "$started_root" || true
  fi
  exit "$status"
}

if [ -z "${MAIL_TEST_ROOT:-}" ]; then
  if [ "$(id -u)" -eq 0 ] && [ -x /usr/sbin/dovecot ] && [ -x /usr/sbin/postfix ]; then
    trap stop_servers EXIT
    # Another instance (a parallel run) may hold the default ports: move up by 100 and retry.
    for offset in 0 100 200 300 400; do
      if started=$(PORT_OFFSET=$offset scripts/mail-servers/start.sh); then started_root=$started; break; fi
      echo "test.sh: mail servers did not start with PORT_OFFSET=$offset (see above); trying the next ports" >&2
    done
    [ -n "$started_root" ] || { echo "test.sh: could not start the mail servers on any port set" >&2; exit 1; }
    export MAIL_TEST_ROOT=$started_root
    echo "test.sh: mail servers up under $MAIL_TEST_ROOT" >&2
  else
    echo "test.sh: NOT starting mail servers (needs root and scripts/install-test-deps.sh);" \
         "tests that need them will be skipped, or fail under CI=true" >&2
  fi
fi

if [ $# -eq 0 ]; then
  cargo test --all-targets
  cargo test --doc
else
  cargo test "$@"
fi
