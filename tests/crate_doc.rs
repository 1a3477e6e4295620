//! The crate documentation (`src/lib.md`: docs.rs and the crates.io readme)
//! speaks to users who have the package, not the repository (issue 19): it
//! names no path that exists only in the repository and cites no internal
//! spec file.

/// Repository-only directories and files; `test-vectors/`, `tests/`,
/// `SECURITY.md` and `BENCHMARKS.md` ship in the package and may be named.
const REPO_ONLY: &[&str] = &[
    "cli/",
    "issuer/",
    "no_std-check/",
    "fuzz/",
    "ctgrind/",
    "ct-trace/",
    ".ci/",
    "SPEC-",
    "DESIGN.md",
    "README.md",
];

#[test]
fn crate_doc_names_no_repository_only_path() {
    let doc = include_str!("../src/lib.md");
    for line in doc.lines() {
        // `vectors/` alone is the repository's runner crate; `test-vectors/` ships.
        let without_shipped = line.replace("test-vectors/", "");
        for path in REPO_ONLY.iter().chain(&["vectors/"]) {
            assert!(
                !without_shipped.contains(path),
                "src/lib.md names the repository-only {path:?}: {line}"
            );
        }
    }
}

#[test]
fn crate_doc_is_the_crate_level_documentation_and_the_package_readme() {
    let lib = include_str!("../src/lib.rs");
    assert!(lib.contains("#![doc = include_str!(\"lib.md\")]"));
    let manifest = include_str!("../Cargo.toml");
    assert!(manifest.contains("readme = \"src/lib.md\""));
}
