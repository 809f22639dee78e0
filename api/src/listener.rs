//! The public listener's defences against slow and numerous clients.
//!
//! poem does not expose hyper's header-read timeout, and its idle timeout restarts on every
//! byte, so a client sending one header byte every few seconds ("slowloris") would hold a
//! connection, and a task, forever. [`GuardedAcceptor`] wraps each accepted connection:
//!
//! * **Connection cap.** A connection holds a semaphore permit until it closes; at the cap the
//!   acceptor stops accepting, so further clients wait in the kernel's accept queue (and are
//!   refused by the kernel once that is full) instead of each costing a task and buffers.
//! * **Header deadline.** From the moment the connection opens, and again after each
//!   response is written (the idle time before the next keep-alive request), the client has
//!   `header_timeout` to deliver a complete header block (up to the blank line `\r\n\r\n`);
//!   otherwise reading fails with `TimedOut` and hyper closes the connection. Bodies are
//!   bounded separately, by [`crate::middleware::body_timeout`].
//!
//! HTTP/2 with prior knowledge (the `PRI *` preface) is left unguarded: it has no header
//! block boundary to watch. Fly.io's proxy speaks HTTP/1.1 to the app.

use std::{
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use poem::{
    listener::Acceptor,
    web::{LocalAddr, RemoteAddr},
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    sync::{OwnedSemaphorePermit, Semaphore},
    time::{Instant, Sleep},
};

/// The end of an HTTP/1 header block.
const HEADER_END: &[u8; 4] = b"\r\n\r\n";
/// How an HTTP/2 prior-knowledge connection starts.
const H2_PREFACE: &[u8; 4] = b"PRI ";

/// An acceptor that caps open connections and gives each request `header_timeout` to send
/// its headers.
pub struct GuardedAcceptor<A> {
    inner: A,
    permits: Arc<Semaphore>,
    header_timeout: Duration,
}

impl<A> GuardedAcceptor<A> {
    /// Wraps `inner`: at most `max_connections` open at once.
    pub fn new(inner: A, max_connections: usize, header_timeout: Duration) -> Self {
        Self {
            inner,
            permits: Arc::new(Semaphore::new(max_connections)),
            header_timeout,
        }
    }
}

impl<A: Acceptor> Acceptor for GuardedAcceptor<A> {
    type Io = GuardedIo<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(
        &mut self,
    ) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, poem::http::uri::Scheme)> {
        // Waiting here, before `accept`, leaves excess clients in the kernel's queue.
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(io::Error::other)?;
        let (io, local, remote, scheme) = self.inner.accept().await?;
        Ok((
            GuardedIo::new(io, permit, self.header_timeout),
            local,
            remote,
            scheme,
        ))
    }
}

/// A connection under a header deadline, holding its connection permit.
pub struct GuardedIo<T> {
    inner: T,
    _permit: OwnedSemaphorePermit,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
    /// Waiting for a header block; `false` while a request is being served.
    awaiting_headers: bool,
    /// How many bytes of [`HEADER_END`] the bytes read so far end with.
    matched: usize,
    /// No bytes read yet (to spot the HTTP/2 preface).
    fresh: bool,
    /// HTTP/2: never guarded.
    unguarded: bool,
}

impl<T> GuardedIo<T> {
    fn new(inner: T, permit: OwnedSemaphorePermit, timeout: Duration) -> Self {
        Self {
            inner,
            _permit: permit,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            awaiting_headers: true,
            matched: 0,
            fresh: true,
            unguarded: false,
        }
    }

    /// Follows newly read bytes through the header-end matcher.
    fn saw(&mut self, bytes: &[u8]) {
        if self.fresh && !bytes.is_empty() {
            self.fresh = false;
            self.unguarded = bytes.starts_with(H2_PREFACE);
        }
        if !self.awaiting_headers {
            return;
        }
        for &b in bytes {
            self.matched = match (HEADER_END.get(self.matched), b) {
                (Some(&want), got) if want == got => self.matched + 1,
                (_, b'\r') => 1,
                _ => 0,
            };
            if self.matched == HEADER_END.len() {
                self.awaiting_headers = false;
                self.matched = 0;
                return;
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for GuardedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.awaiting_headers && !this.unguarded && this.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "request headers not received in time",
            )));
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let filled = buf.filled()[before..].to_vec();
            this.saw(&filled);
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for GuardedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            // A response is going out: the next request's headers are due `timeout` after
            // the last byte of it.
            this.awaiting_headers = true;
            this.matched = 0;
            let next = Instant::now() + this.timeout;
            this.deadline.as_mut().reset(next);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn io() -> GuardedIo<()> {
        let permit = Arc::new(Semaphore::new(1))
            .try_acquire_owned()
            .expect("a permit");
        GuardedIo {
            inner: (),
            _permit: permit,
            timeout: Duration::from_secs(1),
            deadline: Box::pin(tokio::time::sleep_until(Instant::now())),
            awaiting_headers: true,
            matched: 0,
            fresh: true,
            unguarded: false,
        }
    }

    #[tokio::test]
    async fn the_header_block_ends_at_the_blank_line_however_it_is_split() {
        let request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        for split in 0..request.len() {
            let mut io = io();
            io.saw(&request[..split]);
            assert!(io.awaiting_headers, "ended early at {split}");
            io.saw(&request[split..]);
            assert!(!io.awaiting_headers, "not ended when split at {split}");
        }
        let mut io = io();
        io.saw(b"GET / HTTP/1.1\r\n\r\r\n\r\n");
        assert!(!io.awaiting_headers);
    }

    #[tokio::test]
    async fn an_http2_preface_is_not_guarded() {
        let mut io = io();
        io.saw(b"PRI * HTTP/2.0\r\n");
        assert!(io.unguarded);
    }

    proptest! {
        #[test]
        fn the_matcher_agrees_with_a_search(bytes in proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'a')], 0..40)) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime");
            let _guard = rt.enter();
            let mut io = io();
            io.saw(&bytes);
            let found = bytes.windows(4).any(|w| w == HEADER_END);
            prop_assert_eq!(!io.awaiting_headers, found);
        }
    }
}
