//! Child processes of the tests: PgBouncer's binary and user, the gateway binary as a process, and
//! the plumbing they share (a free port, a signal when the test dies, files `nobody` can read).

use std::fs;
use std::net::TcpStream;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::helpers::{JWT_SECRET, data_dir, http_client};

/// Where the `pgbouncer` binary is: on PATH, or Debian's /usr/sbin/pgbouncer.
pub fn pgbouncer_binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("pgbouncer")).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path.into_iter().chain([PathBuf::from("/usr/sbin/pgbouncer")]).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!(
            "these tests need PgBouncer and found no `pgbouncer` on PATH nor at /usr/sbin/pgbouncer; \
             install the Debian package (`apt-get install -y pgbouncer`, as .ci/run does)"
        )
    })
}

/// A new, empty folder under the temporary directory that `nobody` can read (PgBouncer runs as
/// `nobody` under root), named `registry-<what>-<pid>-<n>`.
pub fn readable_scratch_dir(what: &str) -> PathBuf {
    static MADE: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "registry-{what}-{}-{}",
        std::process::id(),
        MADE.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("set the folder's permissions");
    dir
}

/// Starts PgBouncer in `dir` (from [`readable_scratch_dir`]) on a free port, as `nobody` when
/// root, logging in to the server as `user` with `password`: `database` is its `[databases]` line,
/// `settings` the pool's own `[pgbouncer]` lines (pool mode, sizes, TLS) after the common ones. Waits
/// until it accepts connections and returns it with its port; its log is `dir/pgbouncer.log`.
/// Panics, with the log, when it cannot.
pub fn start_pgbouncer(dir: &Path, database: &str, user: &str, password: &str, settings: &str) -> (Child, u16) {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    // auth_type = trust still needs the user listed; the password (if any) is what PgBouncer logs
    // in to the server with.
    write_readable(&dir.join("userlist.txt"), &format!("{} {}\n", quote(user), quote(password)));
    let port = free_port();
    let ini = format!(
        "[databases]\n\
         {database}\n\
         [pgbouncer]\n\
         listen_addr = 127.0.0.1\n\
         listen_port = {port}\n\
         unix_socket_dir =\n\
         auth_type = trust\n\
         auth_file = {auth}\n\
         admin_users = {user}\n\
         max_client_conn = 100\n\
         ignore_startup_parameters = extra_float_digits,options,search_path\n\
         {settings}",
        auth = dir.join("userlist.txt").display(),
    );
    let binary = pgbouncer_binary();
    let ini_path = dir.join("pgbouncer.ini");
    write_readable(&ini_path, &ini);
    let log_path = dir.join("pgbouncer.log");
    let log = fs::File::create(&log_path).expect("create the PgBouncer log");
    let mut cmd = Command::new(&binary);
    cmd.arg(&ini_path).stdin(Stdio::null()).stdout(log.try_clone().expect("log handle")).stderr(log);
    if let Some((uid, gid)) = unprivileged_ids() {
        cmd.uid(uid).gid(gid);
    }
    die_with_test(&mut cmd);
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let log = || fs::read_to_string(&log_path).unwrap_or_default();
        if let Ok(Some(status)) = child.try_wait() {
            panic!("PgBouncer exited during start-up ({status}):\n{}", log());
        }
        // The log line tells PgBouncer's own listener from another process on a reused port.
        let listening = log().contains(&format!("listening on 127.0.0.1:{port}"));
        if listening && TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (child, port);
        }
        assert!(Instant::now() < deadline, "PgBouncer did not accept connections within 15 s:\n{}", log());
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// PgBouncer refuses to run as root: as root it runs as `nobody`, like the test cluster.
pub fn unprivileged_ids() -> Option<(u32, u32)> {
    if fs::metadata("/proc/self").map_or(u32::MAX, |m| m.uid()) != 0 {
        return None;
    }
    let passwd = fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    let ids = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 3 && f[0] == "nobody")
        .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)));
    Some(ids.expect("running as root, and PgBouncer refuses root, but there is no OS user `nobody` to run it as"))
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free loopback port").port()
}

/// Gets SIGTERM when the thread that started it ends, so a test process killed mid-run leaves no
/// child behind (each child's `Drop` covers every other end). As `nobody`, std switches the user
/// before this runs, so the setting survives.
#[allow(unsafe_code)]
pub fn die_with_test(cmd: &mut Command) {
    // SAFETY: the closure runs in the forked child before exec and only calls prctl(2), which is
    // async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Writes a file `nobody` can read (PgBouncer's configuration, a throwaway test key).
pub fn write_readable(path: &Path, text: &str) {
    fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    fs::set_permissions(path, fs::Permissions::from_mode(0o644)).expect("set the file's permissions");
}

/// The gateway binary serving `db_url` on a free port, as a child process (killed on drop); its
/// log goes to a file the test can read.
pub struct GatewayProcess {
    pub child: std::process::Child,
    pub address: String,
    pub log_path: PathBuf,
}

impl GatewayProcess {
    /// Starts `registry-gateway serve` with the tests' JWT secret and `envs`, and waits until
    /// `/readyz` answers 200 (panicking with the log when it does not within 60 s).
    pub async fn start(db_url: &str, envs: &[(&str, &str)]) -> Self {
        let port = free_port();
        let log_path = std::env::temp_dir().join(format!("gateway-{}.log", Uuid::new_v4().simple()));
        let log = std::fs::File::create(&log_path).expect("a log file");
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_registry-gateway"));
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--no-demo-data"])
            .env("DATABASE_URL", db_url)
            .env("REGISTRY_DATA_DIR", data_dir())
            .env("REGISTRY_JWT_SECRET", JWT_SECRET)
            .env("RUST_LOG", "info")
            .stdout(log.try_clone().expect("a log file"))
            .stderr(log);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        die_with_test(&mut cmd);
        let child = cmd.spawn().expect("start registry-gateway serve");
        let mut process = Self { child, address: format!("http://127.0.0.1:{port}"), log_path };
        let client = http_client();
        let started = std::time::Instant::now();
        loop {
            if let Ok(Some(status)) = process.child.try_wait() {
                panic!("the gateway exited at start-up ({status}):\n{}", process.log());
            }
            let ready = client.get(format!("{}/readyz", process.address)).send().await;
            if ready.is_ok_and(|r| r.status() == 200) {
                return process;
            }
            assert!(started.elapsed().as_secs() < 60, "the gateway was not ready within 60 s:\n{}", process.log());
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Sends `signal` (libc's number) to the process.
    pub fn signal(&self, signal: i32) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill(2) on our own child's pid; it touches no memory.
        #[allow(unsafe_code)]
        let sent = unsafe { libc::kill(pid, signal) };
        assert_eq!(sent, 0, "kill({pid}, {signal}) failed");
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log_path);
    }
}
