//! What staff are shown: the navigation offers only the sections they may open.

use poem::http::StatusCode;

use super::{crawl, get, log_in, staff_session};
use tests::harness::TestApp;

/// The owner-only sections.
const OWNER_ONLY: [&str; 2] = ["/admin/operacion", "/admin/configuracion"];

#[tokio::test]
async fn staff_are_not_shown_the_owner_only_sections_and_every_link_they_see_answers() {
    // Arrange
    let app = TestApp::new().await;
    let owner = log_in(&app).await;
    let staff = staff_session(&app).await;

    // Act
    let owner_home = get(&app, "/admin", Some(&owner)).await;
    let staff_home = get(&app, "/admin", Some(&staff)).await;
    let (seen, broken) = crawl(&app, &staff).await;

    // Assert: the owner has the links, staff do not, and nothing staff can follow is a 403.
    for section in OWNER_ONLY {
        let link = format!("href=\"{section}\"");
        assert!(
            owner_home.body.contains(&link),
            "{link} missing for the owner"
        );
        assert!(!staff_home.body.contains(&link), "{link} shown to staff");
        assert!(
            !seen.iter().any(|page| page.starts_with(section)),
            "staff reached {section}: {seen:#?}"
        );
    }
    assert!(broken.is_empty(), "broken links for staff: {broken:#?}");
    assert!(seen.contains("/admin/reservas"), "{seen:#?}");
}

#[tokio::test]
async fn staff_who_type_an_owner_only_address_get_the_403_page() {
    // Arrange
    let app = TestApp::new().await;
    let staff = staff_session(&app).await;

    for path in OWNER_ONLY
        .into_iter()
        .chain(["/admin/operacion/webhooks", "/admin/configuracion.json"])
    {
        // Act
        let page = get(&app, path, Some(&staff)).await;

        // Assert
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}: {}", page.body);
        assert!(page.body.contains("Sin permiso"), "{path}: {}", page.body);
    }
}
