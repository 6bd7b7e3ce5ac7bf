//! A real `redis-server` for tests of code that shares a budget through
//! [`RedisLimiter`](crate::RedisLimiter): Debian's package, installed when missing and the
//! tests run as root, started on 127.0.0.1 at a free port without persistence, and killed and
//! reaped when its guard is dropped. The runtime's own Redis tests and its shared-budget
//! benchmark use it; so can an application's tests.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to answer PING after it is started.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running `redis-server`; dropping it kills and reaps the process.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
}

impl RedisServer {
    /// Starts a server at a free port and waits until it answers PING.
    ///
    /// # Panics
    /// When `redis-server` is not installed, or no server answers in time.
    pub fn start() -> RedisServer {
        install_once();
        let mut last_error = String::new();
        // A port found free may be taken before the server binds it: then try another.
        for _ in 0..5 {
            let port = free_port();
            let mut server = RedisServer { child: None, port };
            match server.launch() {
                Ok(()) => return server,
                Err(error) => last_error = error,
            }
        }
        panic!("cannot start redis-server: {last_error}");
    }

    /// `redis://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (SIGKILL: no goodbye to its clients) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, empty.
    ///
    /// # Panics
    /// When it does not answer PING in time.
    pub fn restart(&mut self) {
        self.kill();
        if let Err(error) = self.launch() {
            panic!("cannot restart redis-server on port {}: {error}", self.port);
        }
    }

    /// Stops the process (SIGSTOP): connections stay open, nothing is answered.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused process go on (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let Some(child) = &self.child else {
            panic!("redis-server on port {} is not running", self.port);
        };
        let status = Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status();
        assert!(
            status.as_ref().is_ok_and(|status| status.success()),
            "kill {signal} {}: {status:?}",
            child.id()
        );
    }

    fn launch(&mut self) -> Result<(), String> {
        let port = self.port.to_string();
        let spawned = Command::new("redis-server")
            .args(["--port", &port, "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(error) => {
                return Err(format!(
                    "{error} (is Debian's redis-server installed? `apt-get install \
                     redis-server`; .ci/run installs it)"
                ));
            }
        };
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("it exited with {status} on port {port}"));
            }
            if answers_ping(self.port) {
                self.child = Some(child);
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no PONG on port {port} within {START_TIMEOUT:?}"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // Resumed first, in case a test paused it and failed before resuming.
        if let Some(child) = &self.child {
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(child.id().to_string())
                .status();
        }
        self.kill();
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    match TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr()) {
        Ok(address) => address.port(),
        Err(error) => panic!("cannot find a free port on 127.0.0.1: {error}"),
    }
}

fn answers_ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let timeout = Some(Duration::from_millis(500));
    if stream.set_read_timeout(timeout).is_err() || stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut answer = [0u8; 7];
    stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n"
}

/// Installs Debian's `redis-server` when it is missing and the tests run as root with apt, as
/// the contract tests fetch Prism: `cargo test --workspace` on a fresh machine needs no step
/// by hand. Elsewhere a missing server is the panic of [`RedisServer::start`], which says how
/// to install it.
fn install_once() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let present = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|out| out.stdout.starts_with(b"0"));
        if present || !root {
            return;
        }
        eprintln!("redis-server is missing: installing Debian's package");
        let _ = Command::new("apt-get").args(["update", "-qq"]).status();
        let _ = Command::new("apt-get")
            .args(["install", "-y", "-qq", "redis-server"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status();
    });
}
