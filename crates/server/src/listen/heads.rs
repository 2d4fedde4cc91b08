//! Request heads checked before hyper reads them, so that a request hyper would refuse
//! itself gets the surface's error body rather than hyper's bare status line.
//!
//! hyper 1 answers a request head it cannot parse (bad bytes in the request line or a
//! header, a request target over the 65,534 bytes an `http::Uri` holds, more than 100
//! headers, a head over its ~400 KiB buffer) with a fixed status line and no body, and has
//! no hook to change that. [`HeadGuard`] sits between the connection and hyper: it parses
//! each request head with the parser hyper uses (`httparse`), under limits a little tighter
//! than hyper's, and hands hyper only heads hyper will accept. A head that fails becomes a
//! [`Refusal`] and, in its place, a minimal request (`GET /`, `Connection: close`, marked with
//! the connection's secret [`Refusals::MARK`] header) that the connection's service answers
//! with the refusal's status in the error shape of the surface the original path names (see
//! `front::dispatch`). So one place builds every error body, and the refusal is counted,
//! logged and correlated like any other answer. After answering it the connection lingers,
//! reading what the client still sends (bounded), so that closing does not reset the
//! connection before the client has read the answer.
//!
//! To find the next head on a kept-alive connection the guard follows `Content-Length`
//! bodies. A chunked body, an upgrade or HTTP/2 hands the rest of the connection to hyper
//! unguarded: those framings are hyper's to follow, and such a connection keeps hyper's
//! own answers (README, "Differences").

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::http::StatusCode;
use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The most bytes of one request head: below hyper's ~400 KiB so that every head too large
/// for hyper is refused here first.
pub const HEAD_MAX: usize = 256 << 10;
/// The most headers in one request: hyper's own default.
const HEADERS_MAX: usize = 100;
/// The longest request target an `http::Uri` holds.
const TARGET_MAX: usize = u16::MAX as usize - 1;
/// How much of the refused request's target is kept to tell its surface.
const PATH_KEPT: usize = 1024;
/// The HTTP/2 connection preface: its connection is hyper's.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// How much a refused connection reads and discards before it closes, and for how long.
const LINGER_MAX: usize = 1 << 20;
const LINGER_TIME: Duration = Duration::from_secs(2);

/// A request head refused before routing: the status hyper would have answered, why, and
/// what could be read of the request to tell which surface it was for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub reason: &'static str,
    /// The request target's path, as far as it could be read (at most 1 KiB, bytes that
    /// cannot be in a URI percent-encoded); `/` when none could.
    pub path: String,
    /// The `Host` header, when one could be read.
    pub host: Option<String>,
}

/// Where a connection's refusal waits for the stand-in request that carries it to the
/// service. hyper may read ahead of the request it is serving, so the refusal is handed
/// only to the request bearing the connection's mark: a random value no client can guess.
#[derive(Debug)]
pub struct Refusals {
    mark: String,
    refusal: Mutex<Option<Refusal>>,
}

impl Default for Refusals {
    fn default() -> Self {
        Self {
            mark: format!("{:032x}", rand::random::<u128>()),
            refusal: Mutex::new(None),
        }
    }
}

impl Refusals {
    /// The stand-in's header carrying the mark.
    pub const MARK: &str = "x-storeroom-refused";

    /// The refusal a request carries, when it is the stand-in: its mark taken off.
    pub fn take(&self, headers: &mut axum::http::HeaderMap) -> Option<Refusal> {
        let mark = headers.get(Self::MARK)?;
        if mark.as_bytes() != self.mark.as_bytes() {
            return None;
        }
        headers.remove(Self::MARK);
        self.refusal.lock().ok()?.take()
    }

    fn stand_in(&self) -> BytesMut {
        BytesMut::from(
            format!(
                "GET / HTTP/1.1\r\nhost: storeroom\r\nconnection: close\r\n{}: {}\r\n\r\n",
                Self::MARK,
                self.mark
            )
            .as_bytes(),
        )
    }
}

/// What the bytes read so far hold.
#[derive(Debug, PartialEq, Eq)]
enum Inspection {
    /// Not a whole head yet.
    Incomplete,
    /// A head of `len` bytes hyper accepts, and what follows it.
    Head {
        len: usize,
        then: Mode,
    },
    /// Not HTTP/1: the rest of the connection is hyper's.
    Http2,
    Refused(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Reading a request head.
    Head,
    /// Passing on this many body bytes, then a head again.
    Body(u64),
    /// Passing everything on: a framing only hyper follows.
    Through,
    /// Refused: hyper has the stand-in; nothing more is read.
    Refused,
    /// The client has finished sending.
    Ended,
}

/// A connection whose request heads are checked before hyper reads them.
pub struct HeadGuard<T> {
    inner: T,
    mode: Mode,
    /// Bytes read from the connection and not yet classified.
    unread: BytesMut,
    /// Bytes cleared for hyper.
    cleared: BytesMut,
    refusals: Arc<Refusals>,
    /// While a refused connection closes: until when it reads, and how much it has read.
    linger: Option<(Pin<Box<tokio::time::Sleep>>, usize)>,
}

impl<T> HeadGuard<T> {
    pub fn new(inner: T, refusals: Arc<Refusals>) -> Self {
        Self {
            inner,
            mode: Mode::Head,
            unread: BytesMut::new(),
            cleared: BytesMut::new(),
            refusals,
            linger: None,
        }
    }

    /// A connection hyper reads unguarded from the start (HTTP/2 negotiated by ALPN).
    pub fn through(inner: T, refusals: Arc<Refusals>) -> Self {
        Self {
            mode: Mode::Through,
            ..Self::new(inner, refusals)
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for HeadGuard<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if !this.cleared.is_empty() {
                let n = this.cleared.len().min(out.remaining());
                out.put_slice(&this.cleared[..n]);
                this.cleared.advance(n);
                return Poll::Ready(Ok(()));
            }
            match this.mode {
                Mode::Ended => return Poll::Ready(Ok(())),
                // hyper must not see the end yet: read ahead, it would close the connection
                // before answering the stand-in. What the client still sends is dropped.
                Mode::Refused => {
                    ready!(this.poll_linger(cx));
                    return Poll::Ready(Ok(()));
                }
                Mode::Through => {
                    if this.unread.is_empty() {
                        return Pin::new(&mut this.inner).poll_read(cx, out);
                    }
                    this.cleared = this.unread.split();
                }
                Mode::Body(0) => this.mode = Mode::Head,
                Mode::Body(left) => {
                    if this.unread.is_empty() {
                        // Straight into hyper's buffer, never past the body's end (the next
                        // head must be read here).
                        let room = room_of(left).min(out.remaining());
                        let mut limited = ReadBuf::new(out.initialize_unfilled_to(room));
                        ready!(Pin::new(&mut this.inner).poll_read(cx, &mut limited))?;
                        let got = limited.filled().len();
                        out.advance(got);
                        this.mode = Mode::Body(left - got as u64);
                        return Poll::Ready(Ok(()));
                    }
                    let n = this.unread.len().min(room_of(left));
                    this.cleared = this.unread.split_to(n);
                    this.mode = Mode::Body(left - n as u64);
                }
                Mode::Head => match inspect(&this.unread) {
                    Inspection::Head { len, then } => {
                        this.cleared = this.unread.split_to(len);
                        this.mode = then;
                    }
                    Inspection::Http2 => this.mode = Mode::Through,
                    Inspection::Refused(refusal) => this.refuse(refusal),
                    Inspection::Incomplete if this.unread.len() >= HEAD_MAX => {
                        let refusal = too_large(&this.unread);
                        this.refuse(refusal);
                    }
                    Inspection::Incomplete => {
                        this.unread.reserve(8 << 10);
                        let got = ready!(tokio_util::io::poll_read_buf(
                            Pin::new(&mut this.inner),
                            cx,
                            &mut this.unread
                        ))?;
                        if got == 0 {
                            // The client closed mid-head (or between requests): hyper
                            // gets what there is and sees the end.
                            this.cleared = this.unread.split();
                            this.mode = Mode::Ended;
                        }
                    }
                },
            }
        }
    }
}

impl<T> HeadGuard<T> {
    fn refuse(&mut self, refusal: Refusal) {
        tracing::debug!(
            status = refusal.status.as_u16(),
            reason = refusal.reason,
            "request head refused"
        );
        if let Ok(mut slot) = self.refusals.refusal.lock() {
            *slot = Some(refusal);
        }
        self.unread = BytesMut::new();
        self.cleared = self.refusals.stand_in();
        self.mode = Mode::Refused;
    }
}

impl<T: AsyncRead + Unpin> HeadGuard<T> {
    /// Reads and drops what a refused client still sends, until it closes, [`LINGER_MAX`]
    /// bytes or [`LINGER_TIME`]: a socket closed with unread bytes is reset, and a reset can
    /// destroy the answer before the client reads it.
    fn poll_linger(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let (deadline, read) = self
            .linger
            .get_or_insert_with(|| (Box::pin(tokio::time::sleep(LINGER_TIME)), 0));
        let mut scratch = [0u8; 8 << 10];
        loop {
            if *read >= LINGER_MAX || deadline.as_mut().poll(cx).is_ready() {
                return Poll::Ready(());
            }
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut self.inner).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if !buf.filled().is_empty() => *read += buf.filled().len(),
                Poll::Ready(_) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

fn room_of(left: u64) -> usize {
    usize::try_from(left).unwrap_or(usize::MAX)
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for HeadGuard<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(Pin::new(&mut this.inner).poll_shutdown(cx))?;
        if this.mode == Mode::Refused {
            // The answer is sent and the write side closed: the client sees the end, and
            // closes in turn (or the linger runs out).
            ready!(this.poll_linger(cx));
        }
        Poll::Ready(Ok(()))
    }
}

/// Classifies the bytes at the start of a request, as hyper's HTTP/1 server would parse
/// them.
fn inspect(bytes: &[u8]) -> Inspection {
    if bytes.is_empty() {
        return Inspection::Incomplete;
    }
    let preface = bytes.len().min(H2_PREFACE.len());
    if bytes[..preface] == H2_PREFACE[..preface] {
        return if preface == H2_PREFACE.len() {
            Inspection::Http2
        } else {
            Inspection::Incomplete
        };
    }
    let mut headers = [httparse::EMPTY_HEADER; HEADERS_MAX];
    let mut request = httparse::Request::new(&mut headers);
    let len = match request.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Inspection::Incomplete,
        Err(httparse::Error::TooManyHeaders) => {
            return refused(
                bytes,
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "too many headers",
            );
        }
        Err(error) => return refused(bytes, StatusCode::BAD_REQUEST, parse_reason(error)),
    };
    let target = request.path.unwrap_or_default();
    if target.len() > TARGET_MAX {
        return refused(
            bytes,
            StatusCode::URI_TOO_LONG,
            "the request target is too long",
        );
    }
    if !is_plain_origin_form(target) && axum::http::Uri::try_from(target).is_err() {
        return refused(
            bytes,
            StatusCode::BAD_REQUEST,
            "the request target is not a URI",
        );
    }
    let method = request.method.unwrap_or_default();
    if axum::http::Method::from_bytes(method.as_bytes()).is_err() {
        return refused(bytes, StatusCode::BAD_REQUEST, "the method is not a token");
    }
    match framing(request.headers) {
        Ok(then) => Inspection::Head { len, then },
        Err(reason) => refused(bytes, StatusCode::BAD_REQUEST, reason),
    }
}

/// What follows a head: its body's length, or a framing only hyper follows. The checks are
/// hyper's own (`role::Server::parse`): one valid `Content-Length` value however often
/// repeated, and a `Transfer-Encoding` that ends in `chunked`.
fn framing(headers: &[httparse::Header<'_>]) -> Result<Mode, &'static str> {
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut upgrade = false;
    for header in headers {
        let name = header.name;
        if !header.value.iter().copied().all(header_value_byte) {
            return Err("a header value holds bytes HTTP does not allow");
        }
        if name.eq_ignore_ascii_case("content-length") {
            for value in header.value.split(|b| *b == b',') {
                let value =
                    std::str::from_utf8(value).map_err(|_| "Content-Length is not a number")?;
                let value = value.trim();
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err("Content-Length is not a number");
                }
                let value: u64 = value
                    .parse()
                    .map_err(|_| "Content-Length is not a number")?;
                if length.is_some_and(|seen| seen != value) {
                    return Err("Content-Length has two values");
                }
                length = Some(value);
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            let last = header
                .value
                .rsplit(|b| *b == b',')
                .next()
                .unwrap_or_default();
            if !last.trim_ascii().eq_ignore_ascii_case(b"chunked") {
                return Err("Transfer-Encoding does not end in chunked");
            }
            chunked = true;
        } else if name.eq_ignore_ascii_case("upgrade") {
            upgrade = true;
        }
    }
    Ok(if chunked || upgrade {
        Mode::Through
    } else {
        Mode::Body(length.unwrap_or(0))
    })
}

/// Whether `target` is a path (and query) of bytes that `http::Uri` accepts anywhere in one:
/// letters, digits and `/-._~%!$&'()*+,;=:@?`. Most targets are; they are answered without
/// `Uri`'s parse, which copies the target first. Any other target is parsed.
fn is_plain_origin_form(target: &str) -> bool {
    target.starts_with('/')
        && !target.starts_with("//")
        && target
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-._~%!$&'()*+,;=:@?".contains(&b))
}

/// Whether `http::HeaderValue` accepts `b` in a value (its own test: visible ASCII, tab, and
/// any byte above ASCII), checked in place: `HeaderValue::from_bytes` copies the value.
fn header_value_byte(b: u8) -> bool {
    (b >= 0x20 && b != 0x7f) || b == b'\t'
}

fn parse_reason(error: httparse::Error) -> &'static str {
    match error {
        httparse::Error::HeaderName => "a header name holds bytes HTTP does not allow",
        httparse::Error::HeaderValue => "a header value holds bytes HTTP does not allow",
        httparse::Error::NewLine | httparse::Error::Status => "the request line is malformed",
        // httparse reports a bad byte in the method or the target alike.
        httparse::Error::Token => "the request line holds bytes HTTP does not allow",
        httparse::Error::Version => "the HTTP version is not HTTP/1.x",
        httparse::Error::TooManyHeaders => "too many headers",
    }
}

/// A head that outgrew [`HEAD_MAX`]: a request line still unfinished is a target too long
/// (414), else the headers are too large (431).
fn too_large(bytes: &[u8]) -> Refusal {
    let line_ended = bytes.windows(2).any(|pair| pair == b"\r\n") || bytes.contains(&b'\n');
    if line_ended {
        refusal(
            bytes,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "the request head is too large",
        )
    } else {
        refusal(
            bytes,
            StatusCode::URI_TOO_LONG,
            "the request target is too long",
        )
    }
}

fn refused(bytes: &[u8], status: StatusCode, reason: &'static str) -> Inspection {
    Inspection::Refused(refusal(bytes, status, reason))
}

/// The refusal, with whatever path and host can be read leniently from the raw bytes.
fn refusal(bytes: &[u8], status: StatusCode, reason: &'static str) -> Refusal {
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let target = first_line.split(|b| *b == b' ').nth(1).unwrap_or_default();
    let path_end = target
        .iter()
        .position(|b| *b == b'?')
        .unwrap_or(target.len());
    let path = sanitize(&target[..path_end.min(PATH_KEPT)]);
    let path = if path.starts_with('/') {
        path
    } else {
        "/".to_string()
    };
    let host = bytes
        .split(|b| *b == b'\n')
        .skip(1)
        .take(HEADERS_MAX)
        .find_map(|line| {
            let (name, value) = line.split_at(line.iter().position(|b| *b == b':')?);
            name.trim_ascii()
                .eq_ignore_ascii_case(b"host")
                .then(|| sanitize(value[1..].trim_ascii()))
        })
        .filter(|host| !host.is_empty());
    Refusal {
        status,
        reason,
        path,
        host,
    }
}

/// The bytes as URI text: printable ASCII kept, everything else percent-encoded.
fn sanitize(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_graphic() && b != b'%' {
            text.push(b as char);
        } else {
            text.push_str(&format!("%{b:02X}"));
        }
    }
    text
}

/// Everything hyper would read from a connection that sends `bytes` and closes, for the
/// fuzz target under `fuzz/` (feature `fuzzing`).
#[cfg(feature = "fuzzing")]
pub fn fuzz_request_heads(bytes: &[u8]) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime")
    });
    runtime.block_on(async {
        let mut guard = HeadGuard::new(bytes, Arc::new(Refusals::default()));
        let mut read = Vec::new();
        guard.read_to_end(&mut read).await.expect("reading a slice");
        read
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(bytes: &[u8]) -> Option<StatusCode> {
        match inspect(bytes) {
            Inspection::Refused(refusal) => Some(refusal.status),
            _ => None,
        }
    }

    /// The checks made in place answer as `http`'s own would.
    #[test]
    fn in_place_checks_agree_with_http() {
        for b in 0..=u8::MAX {
            assert_eq!(
                header_value_byte(b),
                axum::http::HeaderValue::from_bytes(&[b'a', b, b'a']).is_ok(),
                "byte {b:#x}"
            );
        }
        let alphabet: Vec<u8> = (0..=u8::MAX)
            .filter(|b| is_plain_origin_form(&format!("/{}", *b as char)))
            .collect();
        assert!(alphabet.len() > 70);
        for _ in 0..5000 {
            let len = rand::random_range(0..40);
            let target: String = std::iter::once('/')
                .chain((0..len).map(|_| alphabet[rand::random_range(0..alphabet.len())] as char))
                .collect();
            assert_eq!(
                is_plain_origin_form(&target),
                !target.starts_with("//"),
                "{target}"
            );
            if is_plain_origin_form(&target) {
                assert!(
                    axum::http::Uri::try_from(target.as_str()).is_ok(),
                    "{target}"
                );
            }
        }
        for other in ["*", "http://a/b", "//a", "/a b", "/a#b", "/a<b", "/é"] {
            assert!(!is_plain_origin_form(other), "{other}");
        }
    }

    #[test]
    fn a_whole_head_is_cleared_with_its_body_length() {
        let head = b"PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(
            inspect(head),
            Inspection::Head {
                len: head.len() - 5,
                then: Mode::Body(5)
            }
        );
        let chunked = b"POST /a HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
        assert!(matches!(
            inspect(chunked),
            Inspection::Head {
                then: Mode::Through,
                ..
            }
        ));
        assert_eq!(
            inspect(b"GET /a HTTP/1.1\r\nHost: x\r\n"),
            Inspection::Incomplete
        );
        assert_eq!(inspect(b"PRI * HTTP/2.0\r\n"), Inspection::Incomplete);
        assert_eq!(inspect(H2_PREFACE), Inspection::Http2);
    }

    #[test]
    fn heads_hyper_refuses_are_refused_with_hyper_s_status() {
        let bad = StatusCode::BAD_REQUEST;
        assert_eq!(status_of(b"GET /a\x01b HTTP/1.1\r\n\r\n"), Some(bad));
        assert_eq!(
            status_of(b"GET /a HTTP/1.1\r\nX: a\x01b\r\n\r\n"),
            Some(bad)
        );
        assert_eq!(
            status_of(b"GET /a HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\n"),
            Some(bad)
        );
        assert_eq!(
            status_of(b"GET /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
            Some(bad)
        );
        assert_eq!(
            status_of(b"GET /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
            Some(bad)
        );
        assert_eq!(
            status_of(b"GET /a HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n"),
            None
        );
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(70_000));
        assert_eq!(status_of(long.as_bytes()), Some(StatusCode::URI_TOO_LONG));
        let many: String = (0..101).map(|i| format!("X-{i}: y\r\n")).collect();
        let many = format!("GET /a HTTP/1.1\r\n{many}\r\n");
        assert_eq!(
            status_of(many.as_bytes()),
            Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        );
    }

    #[test]
    fn a_refusal_keeps_what_tells_the_surface() {
        let refusal = refusal(
            b"GET /submission/v1/x\xff?q=1 HTTP/1.1\r\nHOST: api.store.microsoft.com\r\nX: \x01\r\n",
            StatusCode::BAD_REQUEST,
            "r",
        );
        assert_eq!(refusal.path, "/submission/v1/x%FF");
        assert_eq!(refusal.host.as_deref(), Some("api.store.microsoft.com"));
        assert_eq!(too_large(b"GET /aaaa").status, StatusCode::URI_TOO_LONG);
        assert_eq!(refusal_path(b"\x01\x02"), "/");
    }

    /// What hyper reads of a connection that sends `bytes` and closes.
    async fn read_through(bytes: &[u8]) -> (Vec<u8>, Arc<Refusals>) {
        use tokio::io::AsyncReadExt;
        let refusals = Arc::new(Refusals::default());
        let mut guard = HeadGuard::new(bytes, refusals.clone());
        let mut read = Vec::new();
        guard.read_to_end(&mut read).await.unwrap();
        (read, refusals)
    }

    #[tokio::test]
    async fn bodies_are_followed_to_the_next_head_and_a_refused_one_is_replaced() {
        let good = b"PUT /a HTTP/1.1\r\nContent-Length: 4\r\n\r\nGET GET /b HTTP/1.1\r\n\r\n";
        let (read, _) = read_through(good).await;
        assert_eq!(read, good);

        let bad = b"GET /b HTTP/1.1\r\nX: \x01\r\n\r\nleft over";
        let sent = [&good[..], &bad[..]].concat();
        let (read, refusals) = read_through(&sent).await;
        let stand_in = refusals.stand_in();
        assert_eq!(read, [&good[..], &stand_in[..]].concat());
        let mut headers = axum::http::HeaderMap::new();
        assert_eq!(refusals.take(&mut headers), None, "only the marked request");
        headers.insert(Refusals::MARK, refusals.mark.parse().unwrap());
        let refusal = refusals.take(&mut headers).unwrap();
        assert_eq!(
            (refusal.status, refusal.path.as_str()),
            (StatusCode::BAD_REQUEST, "/b")
        );
        assert!(headers.is_empty());
    }

    fn refusal_path(bytes: &[u8]) -> String {
        refusal(bytes, StatusCode::BAD_REQUEST, "r").path
    }
}
