#!/usr/bin/env bash
# Send rate of the SMTP transport against the loopback Postfix of scripts/mail-servers/start.sh:
# N answers (default 500) over one kept connection, for plain SMTP, implicit TLS + AUTH and
# STARTTLS + AUTH; prints answers/s for each. About 22/s on loopback means every message waits
# out a 40 ms delayed ACK (Nagle's algorithm left on); with TCP_NODELAY it is hundreds.
#
# Usage: MAIL_TEST_ROOT=$ROOT scripts/bench-smtp.sh [N]
#   (debug build, as the tests; the messages pile up in $ROOT/mail/example.test/sink/Maildir)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MAIL_TEST_ROOT:?start scripts/mail-servers/start.sh and export MAIL_TEST_ROOT}"
export BENCH_SMTP_COUNT=${1:-500}
cargo test --quiet --test transport_smtp bench_send_rate -- --ignored --nocapture 2>&1 | grep '^BENCH'
