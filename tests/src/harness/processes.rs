//! Real processes for the fault tests: a PostgreSQL cluster of the test's own (never the
//! shared server), and the `api` and `worker` binaries as child processes that can be
//! stopped, killed (`SIGKILL`) and started again.
//!
//! The binaries are the ones built next to the test binary (`target/debug/api`,
//! `target/debug/worker`): build them first (`cargo build -p api -p worker`; `ops/test.sh`
//! does).

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

use uuid::Uuid;

/// A free loopback port (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The newest PostgreSQL server programs directory (`PG_BINDIR`, else
/// `/usr/lib/postgresql/<newest>/bin`).
fn pg_bindir() -> PathBuf {
    if let Ok(dir) = std::env::var("PG_BINDIR") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<u32> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL server programs under /usr/lib/postgresql (or set PG_BINDIR)")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    versions.sort_unstable();
    let newest = versions.last().expect("a PostgreSQL version installed");
    PathBuf::from(format!("/usr/lib/postgresql/{newest}/bin"))
}

/// Whether this process runs as root (initdb refuses root: the cluster then belongs to
/// `postgres`).
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// A PostgreSQL cluster in a temporary directory on a free port, trust authentication,
/// removed when dropped.
pub struct PrivatePostgres {
    dir: PathBuf,
    port: u16,
    bindir: PathBuf,
    as_postgres: bool,
}

impl PrivatePostgres {
    /// `initdb` and start a cluster; waits until it accepts connections.
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("cabanas-faults-pg-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("cluster directory");
        let pg = Self {
            dir,
            port: free_port(),
            bindir: pg_bindir(),
            as_postgres: is_root(),
        };
        if pg.as_postgres {
            let chowned = Command::new("chown")
                .args(["postgres"])
                .arg(&pg.dir)
                .status()
                .expect("chown");
            assert!(chowned.success(), "chown the cluster directory to postgres");
        }
        let data = pg.data();
        pg.run(
            "initdb",
            &[
                "-D",
                path_str(&data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        );
        pg.start_again();
        pg
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Runs a server program (as `postgres` when we are root); panics on failure.
    fn run(&self, program: &str, args: &[&str]) {
        let program = self.bindir.join(program);
        let mut cmd = if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(&program);
            cmd
        } else {
            Command::new(&program)
        };
        let out = cmd
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run a PostgreSQL program");
        assert!(
            out.status.success(),
            "{} {args:?} failed: {}{}",
            program.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `postgres://postgres@127.0.0.1:<port>/<database>`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Starts the (stopped) server; waits until it accepts connections.
    pub fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("server.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&self.data()),
                "-l",
                path_str(&log),
                "-o",
                &options,
                "-w",
                "-t",
                "30",
                "start",
            ],
        );
    }

    /// Stops the server like a restart would (`pg_ctl stop -m fast`: clients disconnected,
    /// committed data kept).
    pub fn stop(&self) {
        self.run(
            "pg_ctl",
            &["-D", path_str(&self.data()), "-m", "fast", "-w", "stop"],
        );
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let program = self.bindir.join("pg_ctl");
        let data = self.data();
        let mut cmd = if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(program);
            cmd
        } else {
            Command::new(program)
        };
        let _ = cmd
            .args(["-D", path_str(&data), "-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

/// A binary of this workspace built next to the test binary (`target/debug/<name>`).
pub fn workspace_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/debug/deps/<test> → target/debug/<name>
    let path = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/debug")
        .join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build -p api -p worker` first",
        path.display()
    );
    path
}

/// One of our binaries running as a child process; killed (`SIGKILL`) when dropped.
pub struct Process {
    child: Child,
}

impl Process {
    /// Starts `target/debug/<name> <args>` with only `env` as its environment.
    pub fn spawn(name: &str, args: &[&str], env: &[(String, String)]) -> Self {
        let child = Command::new(workspace_binary(name))
            .args(args)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        Self { child }
    }

    /// Runs `target/debug/<name> <args>` to completion; panics unless it succeeds.
    pub fn run(name: &str, args: &[&str], env: &[(String, String)]) {
        let status = Command::new(workspace_binary(name))
            .args(args)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("run {name}: {e}"));
        assert!(status.success(), "{name} {args:?} failed: {status}");
    }

    /// Whether it is still running (it has not exited, panicked or crashed).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// `SIGKILL`: no shutdown, no deregistration, jobs dropped mid-way.
    pub fn kill(mut self) {
        self.kill_now();
    }

    fn kill_now(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill_now();
    }
}
