//! A real `moto_server` (S3, STS, CloudFront) on a free loopback port, seeded with the
//! stand-in deployment by `scripts/seed_moto.py`. A missing moto is a test failure, never
//! a skip: `scripts/setup.sh` installs it.

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
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            python,
        };
        // Wait until it accepts connections (bounded).
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start listening in 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        moto
    }

    /// Creates `bucket` (with index.html unless `index` is false) and a distribution in
    /// front of it; returns the distribution ID.
    pub fn seed(&self, bucket: &str, index: bool) -> String {
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
