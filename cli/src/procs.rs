//! Processes `aos devnet up` starts and `down` stops: finding the binaries, starting them
//! detached (own process group, log file, pid recorded), waiting until they serve, and
//! stopping them by pid without ever signalling a recycled pid.

use std::{
    ffi::OsStr,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use eyre::{Result, WrapErr, bail};
use serde::{Deserialize, Serialize};

/// A process `up` started.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Proc {
    /// What it is: `anvil`, `aos-indexer`, `blob-gateway`, `aos-worker`.
    pub(crate) name: String,
    /// Process id.
    pub(crate) pid: u32,
    /// Its log file.
    pub(crate) log: PathBuf,
    /// The word its command line contains (so a recycled pid is never taken for ours);
    /// `name` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) marker: Option<String>,
    /// The name `aos devnet restart` knows it by: `indexer`, `gateway`, `worker-<index>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) service: Option<String>,
    /// How it was started, so it can be started again the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) launch: Option<Launch>,
}

/// A service's command line and how to tell it serves.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Launch {
    /// The binary.
    pub(crate) bin: PathBuf,
    /// Its arguments.
    pub(crate) args: Vec<String>,
    /// Extra environment.
    #[serde(default)]
    pub(crate) env: Vec<(String, String)>,
    /// When it serves.
    pub(crate) ready: Ready,
    /// How long it may take to serve, seconds.
    pub(crate) ready_within_s: u64,
}

/// When a service counts as serving.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Ready {
    /// `GET url` answers 2xx.
    Http {
        /// The URL.
        url: String,
    },
    /// 127.0.0.1:`port` accepts connections.
    Tcp {
        /// The port.
        port: u16,
    },
    /// 127.0.0.1:`port` accepts connections and the log contains `line`.
    TcpAndLog {
        /// The port.
        port: u16,
        /// A line the log must contain.
        line: String,
    },
}

/// Start a service detached ([`spawn_detached`]) and wait until it serves. The returned
/// [`Proc`] is pushed onto `guard` as soon as it runs, so a failure stops it.
pub(crate) async fn start_service(
    name: &str,
    service: &str,
    marker: Option<String>,
    launch: Launch,
    log: &Path,
    guard: &mut StopOnDrop,
) -> Result<Proc> {
    let env: Vec<(&str, &OsStr)> = launch
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_ref()))
        .collect();
    let (mut p, mut child) = spawn_detached(name, &launch.bin, &launch.args, &env, log)?;
    p.marker = marker;
    p.service = Some(service.to_owned());
    guard.0.push(p.clone());
    let http = reqwest::Client::new();
    let within = Duration::from_secs(launch.ready_within_s);
    wait_ready(name, &mut child, log, within, || {
        let ready = launch.ready.clone();
        let http = http.clone();
        let log = log.to_owned();
        async move {
            match ready {
                Ready::Http { url } => {
                    let r = http.get(&url).timeout(Duration::from_secs(2)).send().await;
                    r.is_ok_and(|r| r.status().is_success())
                }
                Ready::Tcp { port } => tcp_open(port),
                Ready::TcpAndLog { port, line } => {
                    tcp_open(port) && std::fs::read_to_string(&log).is_ok_and(|t| t.contains(&line))
                }
            }
        }
    })
    .await?;
    p.launch = Some(launch);
    Ok(p)
}

impl Proc {
    fn marker(&self) -> String {
        self.marker.clone().unwrap_or_else(|| {
            Path::new(&self.name)
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
    }

    /// Whether it still runs.
    pub(crate) fn alive(&self) -> bool {
        alive(self.pid, &self.marker())
    }
}

/// `name` next to the running `aos` binary (cargo puts every workspace binary in one
/// folder), else on `PATH`.
pub(crate) fn find_binary(name: &str) -> Option<PathBuf> {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(name)))
        .filter(|p| p.is_file());
    beside.or_else(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        })
    })
}

/// [`find_binary`] or an error saying how to build it.
pub(crate) fn require_binary(name: &str, package: &str) -> Result<PathBuf> {
    find_binary(name).ok_or_else(|| {
        eyre::eyre!(
            "`{name}` is neither next to `aos` nor on PATH: build it with `cargo build -p \
             {package}` (script/main-job.sh builds every binary), then retry"
        )
    })
}

/// Whether `pid` runs and its command line mentions `marker`. Zombies count as gone.
pub(crate) fn alive(pid: u32, marker: &str) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat.rsplit_once(") ").and_then(|(_, r)| r.chars().next());
    if matches!(state, Some('Z' | 'X') | None) {
        return false;
    }
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| String::from_utf8_lossy(&c).contains(marker))
        .unwrap_or(false)
}

fn signal(pid: u32, sig: nix::sys::signal::Signal) {
    if let Ok(p) = i32::try_from(pid) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(p), sig);
    }
}

/// SIGTERM, then SIGKILL after 10 s. Returns whether it was running.
pub(crate) fn stop(p: &Proc) -> bool {
    let key = p.marker();
    if !alive(p.pid, &key) {
        return false;
    }
    signal(p.pid, nix::sys::signal::Signal::SIGTERM);
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        if !alive(p.pid, &key) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    signal(p.pid, nix::sys::signal::Signal::SIGKILL);
    std::thread::sleep(Duration::from_millis(100));
    true
}

/// Stops every process it holds when dropped, unless disarmed: a failed `up` leaves
/// nothing running.
#[derive(Debug, Default)]
pub(crate) struct StopOnDrop(pub(crate) Vec<Proc>);

impl StopOnDrop {
    /// Keep them running.
    pub(crate) fn disarm(&mut self) {
        self.0.clear();
    }
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        for p in self.0.iter().rev() {
            stop(p);
        }
    }
}

/// Start `bin args…` detached from `aos` (own process group: ctrl-c on `aos` does not reach
/// it), stdin closed, stdout and stderr to `log`.
pub(crate) fn spawn_detached<I, S>(
    name: &str,
    bin: &Path,
    args: I,
    envs: &[(&str, &OsStr)],
    log: &Path,
) -> Result<(Proc, std::process::Child)>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    if let Some(d) = log.parent() {
        std::fs::create_dir_all(d).wrap_err_with(|| format!("cannot create {}", d.display()))?;
    }
    let f =
        std::fs::File::create(log).wrap_err_with(|| format!("cannot create {}", log.display()))?;
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(f.try_clone()?)
        .stderr(f);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let child = cmd
        .spawn()
        .wrap_err_with(|| format!("cannot start {}", bin.display()))?;
    Ok((
        Proc {
            name: name.to_owned(),
            pid: child.id(),
            log: log.to_owned(),
            marker: None,
            service: None,
            launch: None,
        },
        child,
    ))
}

/// The last `n` lines of a log, for error messages.
pub(crate) fn tail(log: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Poll `ready` every 100 ms until it is true, the child exits (error with its log's tail)
/// or `within` passes.
pub(crate) async fn wait_ready<F, Fut>(
    what: &str,
    child: &mut std::process::Child,
    log: &Path,
    within: Duration,
    mut ready: F,
) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let until = Instant::now() + within;
    loop {
        if ready().await {
            return Ok(());
        }
        if let Some(st) = child.try_wait()? {
            bail!(
                "{what} exited ({st}) before it was ready; its log ({}) ends:\n{}",
                log.display(),
                tail(log, 20)
            );
        }
        if Instant::now() > until {
            bail!(
                "{what} was not ready within {within:?}; its log ({}) ends:\n{}",
                log.display(),
                tail(log, 20)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
pub(crate) fn tcp_open(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// A free TCP port on 127.0.0.1.
pub(crate) fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").wrap_err("cannot find a free port")?;
    Ok(l.local_addr()?.port())
}
