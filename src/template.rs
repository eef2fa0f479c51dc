//! The blank 申报书 (`shenbao template`), written with rust_xlsxwriter.
