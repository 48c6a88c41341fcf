//! Guest SDK for iohub WebAssembly event handlers, ABI v1.1 (see `sdk/ABI.md`).
//!
//! ```ignore
//! use iohub::{Event, Status};
//!
//! fn on_event(ev: &Event) -> Result<Status, iohub::Error> {
//!     if ev.is_event() && ev.ack {
//!         iohub::reply(r#"[{"ok":true}]"#)?;
//!     }
//!     Ok(Status::Ok)
//! }
//!
//! iohub::handler!(on_event);
//! ```
//!
//! Build a `cdylib` for `wasm32-unknown-unknown` (see `sdk/rust/build.sh`).
//! The crate is `no_std` (it needs `alloc`); a handler crate normally uses
//! `std`, which supplies the allocator and the panic handler (a panic traps,
//! which the hub counts as status 1 and throws the instance away).
#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

mod event;
pub mod json;
mod sys;

pub use event::{Event, Kind};

/// What [`handler!`]'s `hub_abi_version` returns: ABI v1.1 (`0x0101`), where
/// binary arguments arrive in `Event::args` as placeholders
/// `{"_placeholder":true,"num":N}` and binary is sent with [`attach`] and
/// [`json::push_placeholder`] (ABI.md section 8). The crate feature `abi-v1`
/// makes it `1`: binary arguments as base64 strings instead.
#[cfg(not(feature = "abi-v1"))]
pub const ABI_VERSION: i32 = 0x0101;

/// What [`handler!`]'s `hub_abi_version` returns: ABI v1 (feature `abi-v1`),
/// binary arguments as base64 strings.
#[cfg(feature = "abi-v1")]
pub const ABI_VERSION: i32 = 1;

// ---------------------------------------------------------------------------
// Errors and statuses

/// A negative code returned by a host call (ABI.md section 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// `-1`: no such key or socket.
    NotFound,
    /// `-2`: malformed argument (bad UTF-8 or JSON, bad or reserved event name).
    Invalid,
    /// `-3`: not allowed in this call (e.g. `reply` when the client asked for no ack).
    Denied,
    /// `-4`: a limit was hit.
    Limit,
    /// `-5`: does not fit the current state (e.g. a second `reply`, `kv_add` on a non-integer).
    State,
    /// `-6`: the service behind the call is down.
    Unavailable,
    /// Any other negative code (from a newer hub).
    Other(i32),
}

impl Error {
    /// The error for a negative code.
    pub fn from_code(code: i32) -> Error {
        match code {
            -1 => Error::NotFound,
            -2 => Error::Invalid,
            -3 => Error::Denied,
            -4 => Error::Limit,
            -5 => Error::State,
            -6 => Error::Unavailable,
            c => Error::Other(c),
        }
    }

    /// The ABI code (`-1` ... `-6`).
    pub fn code(self) -> i32 {
        match self {
            Error::NotFound => -1,
            Error::Invalid => -2,
            Error::Denied => -3,
            Error::Limit => -4,
            Error::State => -5,
            Error::Unavailable => -6,
            Error::Other(c) => c,
        }
    }

    /// A short message: `"not found"`, `"invalid argument"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Error::NotFound => "not found",
            Error::Invalid => "invalid argument",
            Error::Denied => "denied",
            Error::Limit => "limit exceeded",
            Error::State => "wrong state",
            Error::Unavailable => "unavailable",
            Error::Other(_) => "host error",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Other(c) => write!(f, "host error {}", c),
            e => f.write_str(e.as_str()),
        }
    }
}

#[inline]
fn check(rc: i32) -> Result<i32, Error> {
    if rc >= 0 {
        Ok(rc)
    } else {
        Err(Error::from_code(rc))
    }
}

/// The status a handler returns (ABI.md section 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Status {
    /// `0`: socket effects are applied; the client's ack gets the `reply`.
    Ok = 0,
    /// `1`: effects dropped; the ack gets `{"error": <set_error message>}`; logged as a warning.
    Error = 1,
    /// `2`: effects dropped; the ack gets `{"error": ...}`; a `connection` is refused.
    Reject = 2,
}

/// What a handler may return: [`Status`], `()` (= `Status::Ok`), an `i32`
/// status, or a `Result` of these whose error is an [`Error`], `String` or
/// `&str` (the error becomes the `set_error` message and the status is 1).
pub trait Outcome {
    /// The status code for the hub.
    fn status(self) -> i32;
}

impl Outcome for Status {
    fn status(self) -> i32 {
        self as i32
    }
}

impl Outcome for i32 {
    fn status(self) -> i32 {
        self
    }
}

impl Outcome for () {
    fn status(self) -> i32 {
        0
    }
}

impl<T: Outcome> Outcome for Result<T, Error> {
    fn status(self) -> i32 {
        match self {
            Ok(t) => t.status(),
            Err(e) => {
                match e {
                    Error::Other(_) => set_error("host error"),
                    e => set_error(e.as_str()),
                }
                1
            }
        }
    }
}

impl<T: Outcome> Outcome for Result<T, String> {
    fn status(self) -> i32 {
        match self {
            Ok(t) => t.status(),
            Err(e) => fail(&e).status(),
        }
    }
}

impl<'a, T: Outcome> Outcome for Result<T, &'a str> {
    fn status(self) -> i32 {
        match self {
            Ok(t) => t.status(),
            Err(e) => fail(e).status(),
        }
    }
}

/// Sets the error message and returns [`Status::Reject`]: `return iohub::reject("banned");`
pub fn reject(msg: &str) -> Status {
    set_error(msg);
    Status::Reject
}

/// Sets the error message and returns [`Status::Error`].
pub fn fail(msg: &str) -> Status {
    set_error(msg);
    Status::Error
}

// ---------------------------------------------------------------------------
// Input, outcome, log

/// Copies the current input (the envelope in `hub_on_event`, the config JSON
/// in `hub_init`). [`handler!`] and [`init!`] do this for you.
pub fn input() -> Vec<u8> {
    let mut buf = Vec::new();
    read_input_into(&mut buf, 0);
    buf
}

fn read_input_into(buf: &mut Vec<u8>, hint: usize) {
    buf.clear();
    let mut want = hint;
    loop {
        buf.reserve(want);
        let cap = buf.capacity();
        let n = unsafe { sys::input_read(buf.as_mut_ptr(), cap) };
        if n <= 0 {
            return;
        }
        let n = n as usize;
        if n <= cap {
            // SAFETY: the host wrote n <= cap bytes into the buffer.
            unsafe { buf.set_len(n) };
            return;
        }
        want = n;
    }
}

/// Sets the message of a non-zero status (the last call wins; 1 KiB kept).
pub fn set_error(msg: &str) {
    unsafe { sys::set_error(msg.as_ptr(), msg.len()) }
}

/// Log levels of [`log`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(i32)]
pub enum Level {
    /// 0
    Debug = 0,
    /// 1
    Info = 1,
    /// 2
    Warn = 2,
    /// 3
    Error = 3,
}

/// Writes a line to the hub's log, tagged with the plugin's name. Logged at
/// once, whatever the status.
pub fn log(level: Level, msg: &str) {
    unsafe { sys::log(level as i32, msg.as_ptr(), msg.len()) }
}

/// [`log`] at debug level.
pub fn debug(msg: &str) {
    log(Level::Debug, msg)
}

/// [`log`] at info level.
pub fn info(msg: &str) {
    log(Level::Info, msg)
}

/// [`log`] at warn level.
pub fn warn(msg: &str) {
    log(Level::Warn, msg)
}

/// [`log`] at error level.
pub fn error(msg: &str) {
    log(Level::Error, msg)
}

// ---------------------------------------------------------------------------
// Socket effects: validated at once, applied only if the handler returns 0.

/// Answers the client's acknowledgement with `args_json`, a JSON array of the
/// callback's arguments (`[{"ok":true}]`). `Err(Denied)` when the client asked
/// for no ack, `Err(State)` when already replied, `Err(Invalid)` when not an array.
pub fn reply(args_json: &str) -> Result<(), Error> {
    check(unsafe { sys::reply(args_json.as_ptr(), args_json.len()) }).map(drop)
}

/// A permission-checked content event, as `POST /hub/emit`: `event` is
/// `"<uid>.<action>"` (`"api::message.message.create"`), `data_json` one JSON value.
pub fn emit(event: &str, data_json: &str) -> Result<(), Error> {
    check(unsafe {
        sys::emit(
            event.as_ptr(),
            event.len(),
            data_json.as_ptr(),
            data_json.len(),
        )
    })
    .map(drop)
}

/// An unchecked emit of `event` with `args_json` (a JSON array) to every socket
/// (`room == ""`) or to one room; `except_sender` leaves out the socket the
/// event is about.
pub fn raw(room: &str, event: &str, args_json: &str, except_sender: bool) -> Result<(), Error> {
    check(unsafe {
        sys::raw(
            room.as_ptr(),
            room.len(),
            event.as_ptr(),
            event.len(),
            args_json.as_ptr(),
            args_json.len(),
            except_sender as i32,
        )
    })
    .map(drop)
}

/// [`raw`] to every socket.
pub fn broadcast(event: &str, args_json: &str) -> Result<(), Error> {
    raw("", event, args_json, false)
}

/// Emits `event` with `args_json` (a JSON array) to one socket (`sid == ""`:
/// the socket the event is about). `Err(NotFound)` for an unknown socket.
pub fn send(sid: &str, event: &str, args_json: &str) -> Result<(), Error> {
    check(unsafe {
        sys::send(
            sid.as_ptr(),
            sid.len(),
            event.as_ptr(),
            event.len(),
            args_json.as_ptr(),
            args_json.len(),
        )
    })
    .map(drop)
}

/// Adds socket `sid` (`""`: the event's socket) to `room`.
pub fn join(sid: &str, room: &str) -> Result<(), Error> {
    check(unsafe { sys::join(sid.as_ptr(), sid.len(), room.as_ptr(), room.len()) }).map(drop)
}

/// Removes socket `sid` (`""`: the event's socket) from `room`.
pub fn leave(sid: &str, room: &str) -> Result<(), Error> {
    check(unsafe { sys::leave(sid.as_ptr(), sid.len(), room.as_ptr(), room.len()) }).map(drop)
}

/// Disconnects socket `sid` (`""`: the event's socket) after the event's other effects.
pub fn disconnect(sid: &str) -> Result<(), Error> {
    check(unsafe { sys::disconnect(sid.as_ptr(), sid.len()) }).map(drop)
}

// ---------------------------------------------------------------------------
// Key-value state: per module, shared by all instances; effective at once.

/// The value at `key`, `Ok(None)` when absent or expired.
pub fn try_kv_get(key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>, Error> {
    let key = key.as_ref();
    let mut buf: Vec<u8> = Vec::with_capacity(64);
    loop {
        let cap = buf.capacity();
        let n = unsafe { sys::kv_get(key.as_ptr(), key.len(), buf.as_mut_ptr(), cap) };
        match check(n) {
            Err(Error::NotFound) => return Ok(None),
            Err(e) => return Err(e),
            Ok(n) => {
                let n = n as usize;
                if n <= cap {
                    // SAFETY: the host wrote n <= cap bytes.
                    unsafe { buf.set_len(n) };
                    return Ok(Some(buf));
                }
                // The value is longer than the buffer: grow and ask again (it
                // may have changed in between, hence the loop).
                buf.reserve_exact(n);
            }
        }
    }
}

/// The value at `key`, `None` when absent, expired, or on any error.
pub fn kv_get(key: impl AsRef<[u8]>) -> Option<Vec<u8>> {
    try_kv_get(key).ok().flatten()
}

/// [`kv_get`] as a UTF-8 string (`None` also when not UTF-8).
pub fn kv_get_str(key: impl AsRef<[u8]>) -> Option<String> {
    String::from_utf8(kv_get(key)?).ok()
}

/// Stores `val` at `key` (keys up to 512 bytes, values up to 64 KiB, else
/// `Err(Limit)`). `ttl_ms == 0`: no expiry.
pub fn kv_set(key: impl AsRef<[u8]>, val: impl AsRef<[u8]>, ttl_ms: i64) -> Result<(), Error> {
    let (key, val) = (key.as_ref(), val.as_ref());
    check(unsafe { sys::kv_set(key.as_ptr(), key.len(), val.as_ptr(), val.len(), ttl_ms) })
        .map(drop)
}

/// Deletes `key`: `Ok(true)` when deleted, `Ok(false)` when there was nothing.
pub fn kv_delete(key: impl AsRef<[u8]>) -> Result<bool, Error> {
    let key = key.as_ref();
    match check(unsafe { sys::kv_delete(key.as_ptr(), key.len()) }) {
        Ok(_) => Ok(true),
        Err(Error::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Atomically adds `delta` to the integer at `key` (absent counts as 0) and
/// returns the new value. `ttl_ms > 0` (re)sets the expiry, `0` keeps it.
/// `Err(State)` when the stored value is not a decimal integer.
pub fn kv_add(key: impl AsRef<[u8]>, delta: i64, ttl_ms: i64) -> Result<i64, Error> {
    let key = key.as_ref();
    let mut out = [0u8; 8];
    check(unsafe { sys::kv_add(key.as_ptr(), key.len(), delta, ttl_ms, out.as_mut_ptr()) })?;
    Ok(i64::from_le_bytes(out))
}

// ---------------------------------------------------------------------------
// Time and randomness

/// Wall-clock time, Unix milliseconds.
pub fn now_ms() -> i64 {
    unsafe { sys::now_ms() }
}

/// Fills `buf` with cryptographically random bytes (any length; asked from
/// the host in chunks of 64 KiB).
pub fn random(buf: &mut [u8]) -> Result<(), Error> {
    for chunk in buf.chunks_mut(64 * 1024) {
        check(unsafe { sys::random(chunk.as_mut_ptr(), chunk.len()) })?;
    }
    Ok(())
}

/// A cryptographically random `u64`.
pub fn random_u64() -> Result<u64, Error> {
    let mut b = [0u8; 8];
    random(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

// ---------------------------------------------------------------------------
// Binary (ABI v1.1, section 8): binary arguments are placeholders
// {"_placeholder":true,"num":N} in `Event::args`; binary is sent by putting a
// placeholder in the JSON of `reply`, `emit`, `raw` or `send`.

/// Copies `min(len, buf.len())` bytes of the event's binary `index` (the
/// `num` of its placeholder in `Event::args`) to `buf` and returns its full
/// length `len`; `Err(NotFound)` when the event has no binary `index`.
pub fn binary_read(index: usize, buf: &mut [u8]) -> Result<usize, Error> {
    check(unsafe { sys::binary_read(clamp_index(index), buf.as_mut_ptr(), buf.len()) })
        .map(|n| n as usize)
}

/// A copy of the event's binary `index`; `Err(NotFound)` when there is none.
pub fn binary(index: usize) -> Result<Vec<u8>, Error> {
    let i = clamp_index(index);
    let n = check(unsafe { sys::binary_read(i, core::ptr::null_mut(), 0) })? as usize;
    let mut buf: Vec<u8> = Vec::with_capacity(n);
    if n > 0 {
        let got = check(unsafe { sys::binary_read(i, buf.as_mut_ptr(), n) })? as usize;
        // SAFETY: the host wrote min(got, n) bytes (binaries do not change
        // during a call, so got == n).
        unsafe { buf.set_len(got.min(n)) };
    }
    Ok(buf)
}

/// Hands a copy of `bytes` to the hub for this event and returns its index,
/// for a placeholder ([`json::push_placeholder`]) in the JSON of a later
/// [`reply`], [`emit`], [`raw`] or [`send`]: the client receives the bytes as
/// binary. `Err(Limit)` past the event's 1 MiB of effect payloads,
/// `Err(Denied)` in `hub_init` and for a v1 guest.
pub fn attach(bytes: &[u8]) -> Result<usize, Error> {
    check(unsafe { sys::binary_attach(bytes.as_ptr(), bytes.len()) }).map(|i| i as usize)
}

// Indices past i32::MAX name no binary: -1 asks for one that never exists.
fn clamp_index(index: usize) -> i32 {
    if index > i32::MAX as usize {
        -1
    } else {
        index as i32
    }
}

// ---------------------------------------------------------------------------
// Exports

/// Exports `hub_abi_version` ([`ABI_VERSION`]) and `hub_on_event` calling `f`
/// for each event.
///
/// `f` is a function (or closure) `fn(&Event) -> R` where `R` is any
/// [`Outcome`]: [`Status`], `()`, `i32`, `Result<_, Error>`, ...
///
/// ```ignore
/// fn on_event(ev: &iohub::Event) -> iohub::Status { iohub::Status::Ok }
/// iohub::handler!(on_event);
/// ```
#[macro_export]
macro_rules! handler {
    ($f:expr) => {
        #[no_mangle]
        pub extern "C" fn hub_abi_version() -> i32 {
            $crate::ABI_VERSION
        }

        #[no_mangle]
        pub extern "C" fn hub_on_event(len: i32) -> i32 {
            $crate::__private::on_event(len, $f)
        }
    };
}

/// Exports `hub_init` calling `f` with the handler's config (a JSON object,
/// `{}` when absent) once per instance. Return non-zero to refuse the module.
///
/// ```ignore
/// static mut LIMIT: i64 = 5;
/// fn init(config: &str) -> Result<(), &'static str> {
///     if let Some(n) = iohub::json::field_i64(config, "limit") {
///         unsafe { LIMIT = n };
///     }
///     Ok(())
/// }
/// iohub::init!(init);
/// ```
#[macro_export]
macro_rules! init {
    ($f:expr) => {
        #[no_mangle]
        pub extern "C" fn hub_init(len: i32) -> i32 {
            $crate::__private::on_init(len, $f)
        }
    };
}

/// `format!` then [`log`] at debug level.
#[macro_export]
macro_rules! debug {
    ($($t:tt)*) => { $crate::debug(&$crate::__private::format!($($t)*)) };
}

/// `format!` then [`log`] at info level.
#[macro_export]
macro_rules! info {
    ($($t:tt)*) => { $crate::info(&$crate::__private::format!($($t)*)) };
}

/// `format!` then [`log`] at warn level.
#[macro_export]
macro_rules! warn {
    ($($t:tt)*) => { $crate::warn(&$crate::__private::format!($($t)*)) };
}

/// `format!` then [`log`] at error level.
#[macro_export]
macro_rules! error {
    ($($t:tt)*) => { $crate::error(&$crate::__private::format!($($t)*)) };
}

#[doc(hidden)]
pub mod __private {
    use super::*;

    pub use alloc::format;

    // The input buffer is reused across events of one instance (instances
    // handle one event at a time and the hub never re-enters the guest).
    static mut INPUT: Vec<u8> = Vec::new();

    fn with_input<R>(len: i32, f: impl FnOnce(&[u8]) -> R) -> R {
        // SAFETY: single-threaded and never re-entered; the buffer is moved
        // out for the duration of the call.
        let mut buf = unsafe { core::mem::take(&mut INPUT) };
        read_input_into(&mut buf, if len > 0 { len as usize } else { 0 });
        let r = f(&buf);
        unsafe { INPUT = buf };
        r
    }

    pub fn on_event<F, R>(len: i32, f: F) -> i32
    where
        F: FnOnce(&Event<'_>) -> R,
        R: Outcome,
    {
        with_input(len, |buf| {
            match core::str::from_utf8(buf)
                .map_err(|_| Error::Invalid)
                .and_then(Event::parse)
            {
                Ok(ev) => f(&ev).status(),
                Err(_) => fail("iohub sdk: malformed event envelope").status(),
            }
        })
    }

    pub fn on_init<F, R>(len: i32, f: F) -> i32
    where
        F: FnOnce(&str) -> R,
        R: Outcome,
    {
        with_input(len, |buf| match core::str::from_utf8(buf) {
            Ok(cfg) => f(if cfg.is_empty() { "{}" } else { cfg }).status(),
            Err(_) => fail("iohub sdk: config is not UTF-8").status(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes() {
        for c in -7..=-1 {
            assert_eq!(Error::from_code(c).code(), c);
        }
        assert_eq!(Error::from_code(-5), Error::State);
        assert_eq!(alloc::format!("{}", Error::Other(-9)), "host error -9");
        assert_eq!(alloc::format!("{}", Error::Limit), "limit exceeded");
    }

    #[test]
    fn outcomes() {
        assert_eq!(Status::Reject.status(), 2);
        assert_eq!(().status(), 0);
        assert_eq!(Ok::<_, Error>(Status::Reject).status(), 2);
        assert_eq!(Err::<(), _>(Error::Denied).status(), 1);
        assert_eq!(Err::<Status, _>("x").status(), 1);
        assert_eq!(Err::<i32, _>(String::from("x")).status(), 1);
    }

    #[test]
    fn native_stubs() {
        // Without a host every effect is unavailable; the wrappers map codes.
        assert_eq!(reply("[]"), Err(Error::Unavailable));
        assert_eq!(kv_add("k", 1, 0), Err(Error::Unavailable));
        assert_eq!(kv_get("k"), None);
        assert_eq!(try_kv_get("k"), Err(Error::Unavailable));
        assert_eq!(kv_delete("k"), Err(Error::Unavailable));
        assert!(input().is_empty());
    }

    #[test]
    fn abi_version() {
        assert_eq!(ABI_VERSION, if cfg!(feature = "abi-v1") { 1 } else { 0x0101 });
    }

    #[test]
    fn binary_api() {
        sys::fake::test_binaries(&[&[0, 1, 0xfe, 0xff], &[]], 0);
        assert_eq!(binary(0), Ok(alloc::vec![0, 1, 0xfe, 0xff]));
        assert_eq!(binary(1), Ok(alloc::vec![]));
        assert_eq!(binary(2), Err(Error::NotFound));
        assert_eq!(binary(usize::MAX), Err(Error::NotFound));
        let mut two = [0u8; 2];
        assert_eq!(binary_read(0, &mut two), Ok(4)); // the full length
        assert_eq!(two, [0, 1]);
        assert_eq!(binary_read(0, &mut []), Ok(4));
        assert_eq!(binary_read(7, &mut two), Err(Error::NotFound));
        assert_eq!(attach("hé".as_bytes()), Ok(2));
        assert_eq!(attach(&[]), Ok(3));
        assert_eq!(binary(2), Ok(alloc::vec![0x68, 0xc3, 0xa9])); // attachments read back
        let big = alloc::vec![7u8; 100_000];
        assert_eq!(attach(&big), Ok(4));
        assert_eq!(binary(4).map(|b| b.len()), Ok(100_000));
        assert_eq!(sys::fake::test_attached().len(), 5);
        sys::fake::test_binaries(&[], -3);
        assert_eq!(attach(b"no"), Err(Error::Denied));
        assert_eq!(binary(0), Err(Error::NotFound));
    }

    #[test]
    fn arg_binary() {
        sys::fake::test_binaries(&[b"ab", b"xyz"], 0);
        let env = r#"{"v":1,"kind":"event","event":"up","args":[{"_placeholder":true,"num":1},"s",{"_placeholder":true,"num":5}],"ack":true,"socket":{"id":"s"},"ts":1}"#;
        let ev = Event::parse(env).unwrap();
        assert_eq!(ev.arg_binary(0), Some(b"xyz".to_vec()));
        assert_eq!(ev.arg_binary(1), None);
        assert_eq!(ev.arg_binary(2), None); // no binary 5
        assert_eq!(ev.arg_binary(3), None);
    }
}
