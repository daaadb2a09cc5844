//! A real `moto_server` (S3, STS, CloudFront) on a free loopback port, seeded with the
//! stand-in deployment by `scripts/seed_moto.py`. A missing moto is a test failure, never
//! a skip: `scripts/setup.sh` installs it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{root, tool};

pub struct Moto {
    child: Child,
    pub endpoint: String,
    python: PathBuf,
}

/// Whether what listens on `port` is a Werkzeug server (moto's), not another test's.
fn answers_as_moto(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if stream
        .write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = Vec::new();
    let _ = stream.take(4096).read_to_end(&mut head);
    String::from_utf8_lossy(&head).contains("Werkzeug")
}

impl Moto {
    pub fn start() -> Moto {
        let server = tool("moto_server").expect(
            "moto_server not found: run scripts/setup.sh (it installs moto[server] into .venv)",
        );
        let python = server
            .parent()
            .map(|d| d.join("python"))
            .filter(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("python3"));
        // A free port is only free until someone else binds it: a moto that could not
        // bind exits, and another test's server may answer on that port meanwhile. So
        // moto counts as started only while its process runs and the port answers as
        // moto (Werkzeug) does; otherwise it is started again on another port.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let child = Command::new(&server)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", server.display()));
            let mut moto = Moto {
                child,
                endpoint: format!("http://127.0.0.1:{port}"),
                python: python.clone(),
            };
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                if moto.child.try_wait().ok().flatten().is_some() {
                    break; // exited: the port was taken
                }
                if answers_as_moto(port) {
                    return moto;
                }
                assert!(
                    Instant::now() < deadline,
                    "moto_server did not start listening in 60 s"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("moto_server exited five times on start (ports taken?)");
    }

    /// Creates `bucket` (with index.html unless `index` is false) and a distribution in
    /// front of it; returns the distribution ID.
    pub fn seed(&self, bucket: &str, index: bool) -> String {
        self.seed_with_aliases(bucket, index, &[])
    }

    /// [`Moto::seed`], the distribution serving `aliases`.
    pub fn seed_with_aliases(&self, bucket: &str, index: bool, aliases: &[&str]) -> String {
        let mut cmd = Command::new(&self.python);
        cmd.arg(root().join("scripts/seed_moto.py")).args([
            "--endpoint",
            &self.endpoint,
            "--bucket",
            bucket,
        ]);
        if !index {
            cmd.arg("--no-index");
        }
        for alias in aliases {
            cmd.args(["--alias", alias]);
        }
        let out = cmd.output().expect("running scripts/seed_moto.py");
        assert!(
            out.status.success(),
            "seeding moto failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Environment for the binary: fake static credentials and the moto endpoint.
    pub fn env(&self) -> [(&'static str, String); 4] {
        [
            ("AWS_ACCESS_KEY_ID", "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
        ]
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
