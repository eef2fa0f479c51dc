#!/usr/bin/env python3
"""The floor the benchmarks compare shenbao with: one plain IMAPS fetch of a whole
mailbox (UID FETCH 1:* BODY.PEEK[]) with Python's imaplib.

Usage: imaps-floor.py PORT CA_FILE USER   (password `secret`, the test servers')
Prints: seconds, number of messages, bytes fetched.
"""
import imaplib
import ssl
import sys
import time

port, ca, user = int(sys.argv[1]), sys.argv[2], sys.argv[3]
started = time.time()
imap = imaplib.IMAP4_SSL("localhost", port, ssl_context=ssl.create_default_context(cafile=ca))
imap.login(user, "secret")
imap.select("INBOX", readonly=True)
typ, data = imap.uid("FETCH", "1:*", "(BODY.PEEK[])")
messages = [item for item in data if isinstance(item, tuple)]
imap.logout()
print(f"{time.time() - started:.3f} {len(messages)} {sum(len(m[1]) for m in messages)}")
