//! A minimal HTTP/1.1 server on a loopback socket, for the WordPress stand-in.
//!
//! tiny_http cannot do what the fault tests need: it never closes a connection
//! mid-response (a body cut short would just stall), so this speaks HTTP/1.1
//! itself. GET only, keep-alive, one thread per connection; each answer can be
//! sent whole, cut short and closed, or held back past the client's timeout.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

/// A request as the handler sees it.
pub struct Request {
    /// The request target: path and query, as sent.
    pub target: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// A header's value by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How an answer is delivered.
#[derive(Clone, Copy, Debug)]
pub enum Delivery {
    /// Whole, connection kept open.
    Whole,
    /// Headers announcing the full length, then only this many body bytes, then close.
    Cut(usize),
    /// Nothing for this long, then the whole answer and close.
    Stall(Duration),
    /// Headers and half the body, then nothing for this long, then the rest and close.
    StallMidway(Duration),
    /// Headers, then the body one byte at a time, one every this long, then close.
    Trickle(Duration),
}

/// An answer from the handler.
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Extra headers (Content-Length is added).
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// How it goes out.
    pub delivery: Delivery,
}

type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// A running server; stops accepting when dropped.
pub struct Server {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Starts serving on an ephemeral loopback port.
    pub fn start(handler: Handler) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let handler = handler.clone();
                thread::spawn(move || serve(conn, &handler));
            }
        });
        Server { addr, stop }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(&self.addr);
    }
}

fn serve(conn: TcpStream, handler: &Handler) {
    // An idle keep-alive connection is dropped after a while so threads end.
    conn.set_read_timeout(Some(Duration::from_secs(20))).ok();
    conn.set_nodelay(true).ok();
    let Ok(read_half) = conn.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut out = conn;
    while let Some(request) = read_request(&mut reader) {
        let response = handler(&request);
        if !write_response(&mut out, response) {
            break;
        }
    }
    out.shutdown(Shutdown::Both).ok();
}

fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let target = line.split_whitespace().nth(1)?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    Some(Request { target, headers })
}

/// Writes one answer; `false` when the connection is to be closed.
fn write_response(out: &mut TcpStream, response: Response) -> bool {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    match response.delivery {
        Delivery::Whole => {
            head.push_str("\r\n");
            // One write: a separate small head would meet Nagle and delayed ACK (40 ms).
            let mut bytes = head.into_bytes();
            bytes.extend_from_slice(&response.body);
            out.write_all(&bytes).is_ok() && out.flush().is_ok()
        }
        Delivery::Cut(sent) => {
            head.push_str("Connection: close\r\n\r\n");
            let _ = out.write_all(head.as_bytes());
            let _ = out.write_all(&response.body[..sent.min(response.body.len())]);
            let _ = out.flush();
            false
        }
        Delivery::StallMidway(wait) => {
            head.push_str("Connection: close\r\n\r\n");
            let half = response.body.len() / 2;
            let _ = out.write_all(head.as_bytes());
            let _ = out.write_all(&response.body[..half]);
            let _ = out.flush();
            thread::sleep(wait);
            let _ = out.write_all(&response.body[half..]);
            false
        }
        Delivery::Trickle(every) => {
            head.push_str("Connection: close\r\n\r\n");
            let _ = out.write_all(head.as_bytes());
            let _ = out.flush();
            for byte in &response.body {
                thread::sleep(every);
                // The client hung up: stop.
                if out.write_all(&[*byte]).is_err() || out.flush().is_err() {
                    break;
                }
            }
            false
        }
        Delivery::Stall(wait) => {
            thread::sleep(wait);
            head.push_str("Connection: close\r\n\r\n");
            let _ = out.write_all(head.as_bytes());
            let _ = out.write_all(&response.body);
            false
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
