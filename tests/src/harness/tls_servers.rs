//! Private PostgreSQL and Redis servers that accept TLS connections only, with certificates
//! made by `openssl` while the test runs (no key is ever committed). Each test owns its
//! servers and their temporary directory; all of it is gone when dropped. The shared servers
//! on 5432 and 6379 are never touched.

use std::{
    os::unix::fs::{MetadataExt, PermissionsExt},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    time::Duration,
};

use uuid::Uuid;

use super::private_redis::free_port;

/// The directories of `PATH`.
fn path_dirs() -> Vec<PathBuf> {
    std::env::var_os("PATH").map_or_else(Vec::new, |path| std::env::split_paths(&path).collect())
}

/// Whether `program` is on `PATH`.
pub fn on_path(program: &str) -> bool {
    path_dirs().iter().any(|dir| dir.join(program).is_file())
}

/// Panics with the program's output unless it succeeded.
fn check(what: &str, output: std::io::Result<Output>) {
    let output = output.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A throwaway certificate authority and a server certificate it signed for `127.0.0.1` and
/// `localhost`, in a fresh temporary directory (deleted on drop).
pub struct TestCa {
    dir: PathBuf,
}

impl TestCa {
    /// Makes the CA and the server certificate with `openssl` (P-256 keys, valid two days).
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("cabanas-tls-{}", Uuid::new_v4().simple()));
        std::fs::create_dir(&dir).expect("create the certificates' directory");
        let ca = Self { dir };
        let key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
        let ca_files = "-keyout ca.key -out ca.crt";
        ca.openssl(
            "make the CA",
            &format!("req -x509 -days 2 -subj /CN=cabanas-test-ca {key} {ca_files}"),
        );
        let server_files = "-keyout server.key -out server.csr";
        ca.openssl(
            "make the server key",
            &format!("req -subj /CN=localhost {key} {server_files}"),
        );
        std::fs::write(
            ca.dir.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .expect("write the extensions");
        ca.openssl(
            "sign the server certificate",
            "x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
             -extfile server.ext -out server.crt",
        );
        // PostgreSQL refuses a key that others can read.
        std::fs::set_permissions(ca.server_key(), std::fs::Permissions::from_mode(0o600))
            .expect("restrict the server key");
        ca
    }

    /// Runs `openssl` in the directory with `args` (split at whitespace).
    fn openssl(&self, what: &str, args: &str) {
        let output = Command::new("openssl")
            .current_dir(&self.dir)
            .args(args.split_whitespace())
            .output();
        check(what, output);
    }

    /// The CA certificate (PEM): what a client verifies the servers against.
    pub fn ca_cert(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    fn server_cert(&self) -> PathBuf {
        self.dir.join("server.crt")
    }

    fn server_key(&self) -> PathBuf {
        self.dir.join("server.key")
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A private PostgreSQL cluster whose `pg_hba.conf` admits TLS connections only (`hostssl`),
/// in the CA's directory; stopped on drop.
pub struct TlsPostgres {
    pg_ctl: PathBuf,
    data: PathBuf,
    as_postgres: bool,
    port: u16,
}

impl TlsPostgres {
    /// The directory of `initdb` and `pg_ctl`: `PATH`, else the newest
    /// `/usr/lib/postgresql/N/bin` (Debian keeps them off `PATH`). `None` when not installed.
    pub fn bindir() -> Option<PathBuf> {
        let has_both = |dir: &PathBuf| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
        if let Some(dir) = path_dirs().into_iter().find(has_both) {
            return Some(dir);
        }
        let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(has_both)
            .collect();
        dirs.sort_by_key(|dir| {
            let version = dir.parent().and_then(Path::file_name);
            version.and_then(|v| v.to_str()?.parse::<u32>().ok())
        });
        dirs.pop()
    }

    /// Creates and starts the cluster on a free port with `ssl = on` and the CA's server
    /// certificate. As root it runs as the `postgres` user (PostgreSQL refuses root).
    pub fn start(ca: &TestCa, bindir: &Path) -> Self {
        let as_postgres = std::fs::metadata(&ca.dir).expect("certificates").uid() == 0;
        if as_postgres {
            check(
                "give the cluster's directory to the postgres user",
                Command::new("chown")
                    .args(["-R", "postgres"])
                    .arg(&ca.dir)
                    .output(),
            );
        }
        let server = Self {
            pg_ctl: bindir.join("pg_ctl"),
            data: ca.dir.join("data"),
            as_postgres,
            port: free_port(),
        };
        check(
            "initdb",
            server
                .command(&bindir.join("initdb"))
                .arg("-D")
                .arg(&server.data)
                .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"])
                .output(),
        );
        let settings = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{dir}'\n\
             ssl = on\nssl_cert_file = '{cert}'\nssl_key_file = '{key}'\nfsync = off\n",
            port = server.port,
            dir = ca.dir.display(),
            cert = ca.server_cert().display(),
            key = ca.server_key().display(),
        );
        append(&server.data.join("postgresql.conf"), &settings);
        std::fs::write(
            server.data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
        )
        .expect("write pg_hba.conf");
        check(
            "pg_ctl start",
            server
                .command(&server.pg_ctl)
                .arg("-D")
                .arg(&server.data)
                .arg("-l")
                .arg(ca.dir.join("postgresql.log"))
                .args(["-w", "-t", "60", "start"])
                .stdout(Stdio::null())
                .output(),
        );
        server
    }

    fn command(&self, program: &Path) -> Command {
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    /// `postgres://postgres@127.0.0.1:<port>/<database>?<query>`.
    pub fn url(&self, database: &str, query: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{database}?{query}",
            self.port
        )
    }
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .unwrap_or_else(|e| panic!("append to {}: {e}", path.display()));
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        let _ = self
            .command(&self.pg_ctl)
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

/// A private `redis-server` with a TLS port only (`--port 0`); killed on drop.
pub struct TlsRedis {
    port: u16,
    child: Child,
}

impl TlsRedis {
    /// Starts it with the CA's server certificate and waits until it accepts connections.
    pub async fn start(ca: &TestCa) -> Self {
        let port = free_port();
        let mut child = Command::new("redis-server")
            .args("--port 0 --bind 127.0.0.1 --tls-auth-clients no --appendonly no".split(' '))
            .args(["--save", "", "--tls-port", &port.to_string()])
            .arg("--tls-cert-file")
            .arg(ca.server_cert())
            .arg("--tls-key-file")
            .arg(ca.server_key())
            .arg("--tls-ca-cert-file")
            .arg(ca.ca_cert())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        super::wait_until(
            "the TLS Redis to accept connections",
            Duration::from_secs(10),
            || {
                let exited = child.try_wait().ok().flatten();
                assert!(
                    exited.is_none(),
                    "redis-server exited ({exited:?}): is it built with TLS?"
                );
                async move {
                    tokio::net::TcpStream::connect(("127.0.0.1", port))
                        .await
                        .is_ok()
                }
            },
        )
        .await;
        Self { port, child }
    }

    /// `rediss://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("rediss://127.0.0.1:{}", self.port)
    }

    /// The same port without TLS (`redis://`), which the server must refuse.
    pub fn plain_url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
