//! `ops/set-fly-secrets.sh` loads a filled copy of `ops/fly-secrets.example` into an app through
//! `fly secrets import` (standard input, never argv), and refuses placeholders, empty values,
//! missing names and names the template does not list. A stand-in `fly` on `PATH` records what
//! it was given.

use std::{
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::{Command, Output},
};

use uuid::Uuid;

/// The repository's `ops/` folder.
fn ops() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ops")
}

/// A scratch folder with a stand-in `fly` that writes its arguments and its standard input.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cabanas-fly-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let fly = dir.join("fly");
    std::fs::write(
        &fly,
        "#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" >\"$(dirname \"$0\")/args\"\ncat >\"$(dirname \"$0\")/stdin\"\n",
    )
    .expect("write the stand-in");
    std::fs::set_permissions(&fly, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

/// Runs the script on `secrets` (written to a file in `dir`) with the stand-in first on PATH.
fn load(dir: &Path, secrets: &str) -> Output {
    let file = dir.join("production.secrets");
    std::fs::write(&file, secrets).expect("write the secrets");
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("bash")
        .arg(ops().join("set-fly-secrets.sh"))
        .arg(&file)
        .args(["--app", "cabanas-test"])
        .env("PATH", path)
        .output()
        .expect("run the script")
}

/// The template with every placeholder replaced by a value of its own.
fn filled() -> String {
    let template = std::fs::read_to_string(ops().join("fly-secrets.example")).expect("template");
    let mut n = 0;
    template
        .lines()
        .map(|line| {
            n += 1;
            line.replace("CHANGE_ME", &format!("value{n}"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_filled_file_goes_to_fly_on_stdin_and_placeholders_typos_and_gaps_are_refused() {
    // Arrange
    let dir = scratch();
    let template = std::fs::read_to_string(ops().join("fly-secrets.example")).expect("template");
    let good = filled();
    let typo = format!("{good}\nJWT_SECRETT=oops\n");
    let gap = good
        .lines()
        .filter(|l| !l.starts_with("STT_API_KEY="))
        .collect::<Vec<_>>()
        .join("\n");

    // Act
    let placeholders = load(&dir, &template);
    let nothing_sent = !dir.join("stdin").exists();
    let typo_out = load(&dir, &typo);
    let gap_out = load(&dir, &gap);
    let loaded = load(&dir, &good);

    // Assert: refusals name the problem and never reach fly.
    assert!(!placeholders.status.success());
    assert!(String::from_utf8_lossy(&placeholders.stderr).contains("CHANGE_ME placeholder"));
    assert!(nothing_sent, "a refused file must not reach fly");
    assert!(!typo_out.status.success());
    assert!(String::from_utf8_lossy(&typo_out.stderr).contains("JWT_SECRETT is not a secret"));
    assert!(!gap_out.status.success());
    assert!(String::from_utf8_lossy(&gap_out.stderr).contains("STT_API_KEY is missing"));
    // The filled file: every pair on stdin, none on the command line or in the output.
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    let args = std::fs::read_to_string(dir.join("args")).expect("fly was called");
    assert_eq!(args.trim(), "secrets import --app cabanas-test");
    let stdin = std::fs::read_to_string(dir.join("stdin")).expect("fly's input");
    let expected: Vec<&str> = good
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    assert_eq!(stdin.lines().collect::<Vec<_>>(), expected);
    assert!(expected.iter().any(|l| l.starts_with("DATABASE_URL=")));
    let shown = String::from_utf8_lossy(&loaded.stdout);
    assert!(
        expected
            .iter()
            .all(|pair| !shown.contains(pair.split_once('=').expect("a pair").1))
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}
