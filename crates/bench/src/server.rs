//! Starting and stopping the server under test as a child process, and reading its memory and CPU
//! from /proc.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub url: String,
    /// From spawning the process to the first answered request.
    pub start: Duration,
}

pub fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

impl Server {
    /// Starts `bin args… --addr 127.0.0.1:PORT` and waits until `/healthz` answers.
    pub async fn start(bin: &Path, args: &[&str], log: PathBuf) -> anyhow::Result<Server> {
        let port = free_port()?;
        let addr = format!("127.0.0.1:{port}");
        let log_file = std::fs::File::create(&log)?;
        let begin = Instant::now();
        let child = Command::new(bin)
            .args(args)
            .args(["--addr", &addr])
            .env("BANGFU_LOG", "warn")
            .env("BANGFU_ADMIN_PASSWORD", crate::dataset::PASSWORD)
            .stdout(Stdio::from(log_file.try_clone()?))
            .stderr(Stdio::from(log_file))
            .spawn()
            .with_context(|| format!("start {}", bin.display()))?;
        let mut server = Server {
            child,
            url: format!("http://{addr}"),
            start: Duration::ZERO,
        };
        // A fresh connection each try, as a first visitor would make.
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "{} exited with {status} before serving; see {}",
                    bin.display(),
                    log.display()
                );
            }
            if healthz(&addr).await {
                server.start = begin.elapsed();
                return Ok(server);
            }
            if begin.elapsed() > Duration::from_secs(120) {
                bail!("{} did not answer within 120 s", bin.display());
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// (VmHWM, VmRSS) in MiB.
    pub fn memory_mb(&self) -> (f64, f64) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(0.0, |kb| (kb / 1024.0 * 10.0).round() / 10.0)
        };
        (field("VmHWM:"), field("VmRSS:"))
    }

    /// User + system CPU seconds used so far.
    pub fn cpu_seconds(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // Fields after the command name, which is in parentheses.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
        // utime and stime are fields 14 and 15 of stat: 12 and 13 after the name.
        (ticks(11) + ticks(12)) / 100.0
    }

    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn healthz(addr: &str) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut s) = tokio::net::TcpStream::connect(addr).await else {
        return false;
    };
    let req = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).await.is_err() {
        return false;
    }
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf).await;
    buf.starts_with(b"HTTP/1.1 200")
}
