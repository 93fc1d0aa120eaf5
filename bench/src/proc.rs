//! Processes the benchmark drives: release binaries, the `xinyong serve`
//! server, and the peak memory of a process.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::db::BoxError;

/// Builds release binaries of the workspace (`cargo build --release -p
/// api -p xinyong-bench --bins`, the same selection as the benchmark's own
/// build, so nothing is compiled twice) and returns the directory.
pub fn build_release() -> Result<PathBuf, BoxError> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("building the release binaries …");
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-p",
            "api",
            "-p",
            "xinyong-bench",
            "--bins",
        ])
        .status()?;
    if !status.success() {
        return Err("cargo build --release -p api -p xinyong-bench --bins failed".into());
    }
    let exe = std::env::current_exe()?;
    Ok(exe
        .parent()
        .ok_or("no directory of the benchmark binary")?
        .to_path_buf())
}

/// Peak resident set size (`VmHWM`) of a process, in bytes.
pub fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

/// Resets the peak RSS counter (`/proc/<pid>/clear_refs` with 5), so that
/// each workload reports its own peak. Best effort.
pub fn reset_peak_rss(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// A free loopback port.
pub fn free_port() -> Result<u16, BoxError> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// A server process that is stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub name: &'static str,
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn peak_rss(&self) -> Option<u64> {
        peak_rss(self.pid())
    }

    /// Waits until `GET <base><path>` answers 200.
    pub async fn wait_ready(&mut self, path: &str, timeout: Duration) -> Result<(), BoxError> {
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(format!("{} exited before it was ready ({status})", self.name).into());
            }
            if let Ok(r) = http
                .get(format!("{}{path}", self.base))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                && r.status().is_success()
            {
                return Ok(());
            }
            if started.elapsed() > timeout {
                return Err(format!("{} not ready after {timeout:?}", self.name).into());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub fn stop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `xinyong serve` on `database_url` with its data folder `data`, on a free
/// port; `extra` environment variables are added. Logs go to `data/serve.log`.
pub fn spawn_xinyong(
    bin: &Path,
    database_url: &str,
    data: &Path,
    extra: &[(&str, String)],
) -> Result<Server, BoxError> {
    let port = free_port()?;
    let log = std::fs::File::create(data.join("serve.log"))?;
    let mut cmd = Command::new(bin);
    cmd.arg("serve")
        .env("XINYONG_DATABASE_URL", database_url)
        .env("XINYONG_DATA_DIR", data)
        .env("XINYONG_ADDR", format!("127.0.0.1:{port}"))
        .env("XINYONG_LOG", "warn")
        .env("XINYONG_SEED_DEMO", "false")
        .env_remove("XINYONG_CONFIG")
        .stdout(Stdio::null())
        .stderr(log.try_clone()?);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    Ok(Server {
        child: cmd.spawn()?,
        base: format!("http://127.0.0.1:{port}"),
        name: "xinyong serve",
    })
}

/// Starts `perf record -g` on a running process (software clock events, so
/// it works where hardware counters are not exposed). Stop it with
/// [`perf_stop`]; read the result with `perf report -i <out>`.
pub fn perf_record(pid: u32, out: &Path) -> Result<Child, BoxError> {
    let child = Command::new("perf")
        .args(["record", "-e", "cpu-clock", "-F", "999", "-g", "-p"])
        .arg(pid.to_string())
        .arg("-o")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("perf (Debian package linux-perf): {e}"))?;
    // perf needs a moment to attach before the measured load starts.
    std::thread::sleep(Duration::from_millis(500));
    Ok(child)
}

/// Stops a [`perf_record`] run (SIGINT, as perf expects) and waits for it.
pub fn perf_stop(mut child: Child) -> Result<(), BoxError> {
    let pid = child.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status()?;
    child.wait()?;
    Ok(())
}
