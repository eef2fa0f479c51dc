//! The core's glue: one message or one workbook → a [`Verdict`].
