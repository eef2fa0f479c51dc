//! A verdict for people and for tools: `check --json` and the readable report.
