//! Rejects a socket's client events past N per second.
//!
//! Bind it to client events (any names) in hub.toml:
//!
//! ```toml
//! [[events]]
//! name = "chat:send"
//! handler = "rate-limiter"
//! config = { perSecond = 5 }
//! ```
//!
//! Each event does `kv_add("rate:<socket id>:<unix second>", 1, ttl 2 s)`; the
//! counter lives in the KV store, so every instance (and every hub of a
//! cluster) counts together. Over the limit the event is rejected (status 2)
//! with `rate limit exceeded: N events per second`, which also stops the
//! handlers bound after it. Under the limit it passes silently, so the handler
//! bound after it answers the ack; with `reply = true` in its config (for use
//! on its own) it answers `[{"ok":true,"count":<count>}]` itself.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use iohub::{json, Event, Status};

const DEFAULT_PER_SECOND: i64 = 5;

/// N, set by `hub_init` (which runs in every instance) from the config.
static PER_SECOND: AtomicI64 = AtomicI64::new(DEFAULT_PER_SECOND);

/// Whether to answer acks itself (config `reply = true`).
static REPLY: AtomicBool = AtomicBool::new(false);

fn init(config: &str) -> Result<(), String> {
    let n = match json::field(config, "perSecond") {
        None => DEFAULT_PER_SECOND,
        Some(raw) => match json::as_int(raw) {
            Some(n) if n >= 1 => n,
            _ => {
                return Err(String::from(
                    "rate-limiter: perSecond must be a positive integer, got ",
                ) + raw)
            }
        },
    };
    PER_SECOND.store(n, Ordering::Relaxed);
    let reply = json::field(config, "reply").and_then(json::as_bool).unwrap_or(false);
    REPLY.store(reply, Ordering::Relaxed);
    Ok(())
}

fn on_event(ev: &Event) -> Status {
    if !ev.is_event() {
        return Status::Ok;
    }
    let n = PER_SECOND.load(Ordering::Relaxed);

    let mut key = String::with_capacity(32 + ev.socket_id.len());
    key.push_str("rate:");
    key.push_str(&ev.socket_id);
    key.push(':');
    json::push_i64(&mut key, iohub::now_ms().div_euclid(1000));

    let count = match iohub::kv_add(&key, 1, 2000) {
        Ok(c) => c,
        Err(e) => return iohub::fail(&(String::from("rate-limiter: kv_add: ") + e.as_str())),
    };
    if count > n {
        // (format! would do, but pulls core::fmt: ~20 KB of module)
        let mut msg = String::from("rate limit exceeded: ");
        json::push_i64(&mut msg, n);
        msg.push_str(" events per second");
        return iohub::reject(&msg);
    }
    if ev.ack && REPLY.load(Ordering::Relaxed) {
        let mut out = String::from(r#"[{"ok":true,"count":"#);
        json::push_i64(&mut out, count);
        out.push_str("}]");
        // The ack is informational: another handler of this event may have
        // replied first, which must not fail the event.
        let _ = iohub::reply(&out);
    }
    Status::Ok
}

iohub::init!(init);
iohub::handler!(on_event);
