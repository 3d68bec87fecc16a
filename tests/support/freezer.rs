//! A TCP proxy in front of a real daemon (an engine, an sshd) that can be frozen: it keeps
//! every connection open and stops answering, as a SIGSTOPped daemon does, without
//! stopping the lab's own daemons, which other tests share.

#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

/// A TCP proxy to a real daemon that can be frozen and thawed.
pub struct Freezer {
    pub port: u16,
    frozen: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Freezer {
    pub fn start(upstream: SocketAddr) -> Freezer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let frozen = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (f, s) = (frozen.clone(), stop.clone());
        thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let (f, s) = (f.clone(), s.clone());
                        thread::spawn(move || serve(client, upstream, f, s));
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(20))
                    }
                    Err(_) => return,
                }
            }
        });
        Freezer { port, frozen, stop }
    }

    /// A freezer in front of the lab engine that listens on TCP, and that engine's host name.
    pub fn before_docker_tcp(lab: &super::lab::Lab) -> (Freezer, String) {
        let (host, tcp) = lab.docker_tcp();
        let upstream: SocketAddr = tcp
            .trim_start_matches("tcp://")
            .parse()
            .expect("lab docker_tcp address");
        (Freezer::start(upstream), host.name.clone())
    }

    pub fn freeze(&self, on: bool) {
        self.frozen.store(on, Ordering::SeqCst);
    }
}

impl Drop for Freezer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// One connection: held unanswered while frozen, passed through otherwise.
fn serve(client: TcpStream, upstream: SocketAddr, frozen: Arc<AtomicBool>, stop: Arc<AtomicBool>) {
    let _ = client.set_nonblocking(false);
    while frozen.load(Ordering::SeqCst) {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    let Ok(server) = TcpStream::connect_timeout(&upstream, Duration::from_secs(3)) else {
        return;
    };
    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let (f, s) = (frozen.clone(), stop.clone());
    thread::spawn(move || pump(c2, server, f, s));
    pump(s2, client, frozen, stop);
}

fn pump(mut from: TcpStream, mut to: TcpStream, frozen: Arc<AtomicBool>, stop: Arc<AtomicBool>) {
    let _ = from.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = [0u8; 16 * 1024];
    while !stop.load(Ordering::SeqCst) {
        if frozen.load(Ordering::SeqCst) {
            // Nothing read, nothing answered: bytes wait in the kernel, as for a stopped
            // process.
            thread::sleep(Duration::from_millis(50));
            continue;
        }
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Both);
}
