//! Commands that only read never create, upgrade or write an archive: a
//! mistyped `--db` in a monitoring check must fail, not look healthy.

use crate::support::Archive;

const READERS: [&[&str]; 6] = [
    &["status"],
    &["list"],
    &["query", "DZ534539"],
    &["search", "mailbox"],
    &["stats"],
    &["export"],
];

#[test]
fn a_reader_on_a_missing_path_exits_5_and_leaves_no_file() {
    let a = Archive::in_new_folder();
    for args in READERS {
        let out = a.cmd(args).fails(5);
        assert!(
            out.stderr.contains("no archive at") && out.stderr.contains("healthfeed sync"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(!a.db().exists(), "{args:?} created the archive");
        assert!(
            !a.db().parent().unwrap().exists(),
            "{args:?} created its folder"
        );
    }
}

#[test]
fn a_reader_on_an_empty_file_leaves_it_empty() {
    let a = Archive::new();
    std::fs::write(a.db(), "").unwrap();
    for args in READERS {
        let out = a.cmd(args).fails(5);
        assert!(
            out.stderr.contains("holds no archive yet"),
            "{args:?}: {}",
            out.stderr
        );
        assert_eq!(
            std::fs::metadata(a.db()).unwrap().len(),
            0,
            "{args:?} wrote the schema"
        );
    }
}
