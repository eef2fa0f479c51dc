//! placeholder until the rules branch lands
use crate::verdict::Deficiency;
use crate::workbook::WorkbookError;
pub fn no_form_found() -> Deficiency {
    todo!()
}
pub fn missing_evidence() -> Deficiency {
    todo!()
}
pub fn cloud_attachment() -> Deficiency {
    todo!()
}
pub fn too_large(what: &str) -> Deficiency {
    let _ = what;
    todo!()
}
pub fn unreadable_attachment(filename: &str, reason: &WorkbookError) -> Deficiency {
    let _ = (filename, reason);
    todo!()
}
