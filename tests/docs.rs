//! The pages in `docs/` are exactly what the schemas generate.
//!
//! Regenerate with `make docs` (`UPDATE_DOCS=1 cargo test --test docs`).

use std::path::Path;

#[test]
fn docs_match_the_schemas() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for page in terraform_provider_ci::docs::pages() {
        let path = docs.join(&page.path);
        if update {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("docs directory");
            std::fs::write(&path, &page.markdown).expect("page written");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(page.markdown.as_str()) {
            stale.push(page.path);
        }
    }
    assert!(
        stale.is_empty(),
        "docs out of date: {stale:?}; run `make docs`"
    );
}
