#!/usr/bin/env python3
"""The issue's measure, read from a `shenbao run --once` log: seconds from the first
log line until the last `filed` line (every mail filed, its answer queued with it),
and from there to the last line (writing the answers out).

Usage: queued-after.py RUN_LOG
Prints: queued_seconds written_out_seconds   (nan nan when nothing was filed)
"""
import sys
from datetime import datetime


def stamp(line):
    return datetime.fromisoformat(line.split()[0].replace("Z", "+00:00")).timestamp()


lines = [l for l in open(sys.argv[1], encoding="utf-8", errors="replace") if l[:4].isdigit()]
filed = [l for l in lines if " filed " in l or l.rstrip().endswith(" filed")]
if filed:
    print(f"{stamp(filed[-1]) - stamp(lines[0]):.2f} {stamp(lines[-1]) - stamp(filed[-1]):.2f}")
else:
    print("nan nan")
