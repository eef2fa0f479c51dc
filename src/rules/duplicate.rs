//! Rule 9 within one message: the same project name under two different
//! categories is a `duplicate_application` ("此项不重复申报资助"), on each of them.
//!
//! Replacing an earlier version is the store's business, not this one's.
//! Verdicts carry no cells, so the deficiency has none: its message says
//! which other sheet holds the same project instead.

use crate::text::normalize_label;
use crate::verdict::{ApplicationVerdict, Code, Deficiency, FieldValue, Status};

use super::keys::{CATEGORY, PROJECT_NAME};
use super::text;

/// What rule 9 compares: the project name as written and normalized, and the category key.
struct Project<'a> {
    written: &'a str,
    normalized: String,
    category: &'a str,
}

fn project_of(application: &ApplicationVerdict) -> Option<Project<'_>> {
    let written = application
        .field(PROJECT_NAME)
        .and_then(FieldValue::as_text)?;
    let normalized = normalize_label(written);
    let category = application.field(CATEGORY).and_then(FieldValue::as_text)?;
    (!normalized.is_empty()).then_some(Project {
        written,
        normalized,
        category,
    })
}

pub(super) fn check(applications: &mut [ApplicationVerdict]) {
    let found = duplicates(applications);
    for (index, deficiency) in found {
        if let Some(application) = applications.get_mut(index) {
            application.deficiencies.push(deficiency);
            application.status = Status::of(&application.deficiencies);
        }
    }
}

/// The deficiency to add, by index of the application it goes to.
fn duplicates(applications: &[ApplicationVerdict]) -> Vec<(usize, Deficiency)> {
    let projects: Vec<Option<Project<'_>>> = applications.iter().map(project_of).collect();
    let mut found = Vec::new();
    for (index, project) in projects.iter().enumerate() {
        let Some(project) = project else { continue };
        let already = applications[index]
            .deficiencies
            .iter()
            .any(|d| d.code == Code::DuplicateApplication);
        let others: Vec<String> = projects
            .iter()
            .zip(applications)
            .filter(|(other, _)| {
                other.as_ref().is_some_and(|other| {
                    other.normalized == project.normalized && other.category != project.category
                })
            })
            .map(|(_, other)| text::application_place(other.attachment.as_deref(), &other.sheet))
            .collect();
        if already || others.is_empty() {
            continue;
        }
        found.push((
            index,
            Deficiency {
                code: Code::DuplicateApplication,
                field: Some(PROJECT_NAME.to_string()),
                cell: None,
                message: text::duplicate_application(project.written, &others),
            },
        ));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn application(sheet: &str, project: &str, category: &str) -> ApplicationVerdict {
        ApplicationVerdict {
            attachment: Some("申报书.xlsx".into()),
            sheet: sheet.into(),
            status: Status::Accepted,
            fields: vec![
                (CATEGORY.into(), FieldValue::Text(category.into())),
                (PROJECT_NAME.into(), FieldValue::Text(project.into())),
            ],
            deficiencies: vec![],
        }
    }

    #[test]
    fn the_same_project_under_two_categories_goes_to_review_on_both() {
        let mut apps = vec![
            application("科普", "青少年 电子制作营", "popularization"),
            application("服务", "青少年电子制作营", "service"),
            application("其他", "企业检测服务", "service"),
        ];
        check(&mut apps);
        for app in &apps[..2] {
            assert_eq!(app.status, Status::Review);
            let d = &app.deficiencies[0];
            assert_eq!(
                (d.code, d.field.as_deref(), d.cell.as_deref()),
                (Code::DuplicateApplication, Some("project_name"), None)
            );
        }
        assert!(apps[0].deficiencies[0].message.contains("工作表「服务」"));
        assert!(
            apps[1].deficiencies[0]
                .message
                .contains("“青少年电子制作营”")
        );
        assert_eq!(apps[2].deficiencies, vec![]);
        check(&mut apps);
        assert_eq!(apps[0].deficiencies.len(), 1, "checking twice adds nothing");
    }

    #[test]
    fn the_same_project_in_the_same_category_is_not_a_duplicate() {
        let mut apps = vec![
            application("一", "学术年会", "academic"),
            application("二", "学术年会", "academic"),
        ];
        check(&mut apps);
        assert!(apps.iter().all(|a| a.deficiencies.is_empty()));
    }
}
