//! Raw host imports of ABI v1 (module `"hub"`), exactly as in sdk/ABI.md section 3.
//!
//! On wasm32 every pointer and `usize` is an `i32` in the module's signature.
//! On other targets (native `cargo test`) the imports are replaced by stubs
//! that report `-6` (unavailable), so the pure-Rust parts of the crate can be
//! tested natively.
#![allow(dead_code)]

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "hub")]
extern "C" {
    pub fn input_read(buf: *mut u8, cap: usize) -> i32;
    pub fn set_error(ptr: *const u8, len: usize);
    pub fn log(level: i32, ptr: *const u8, len: usize);

    pub fn reply(args_ptr: *const u8, args_len: usize) -> i32;
    pub fn emit(
        event_ptr: *const u8,
        event_len: usize,
        data_ptr: *const u8,
        data_len: usize,
    ) -> i32;
    pub fn raw(
        room_ptr: *const u8,
        room_len: usize,
        event_ptr: *const u8,
        event_len: usize,
        args_ptr: *const u8,
        args_len: usize,
        flags: i32,
    ) -> i32;
    pub fn send(
        sid_ptr: *const u8,
        sid_len: usize,
        event_ptr: *const u8,
        event_len: usize,
        args_ptr: *const u8,
        args_len: usize,
    ) -> i32;
    pub fn join(sid_ptr: *const u8, sid_len: usize, room_ptr: *const u8, room_len: usize) -> i32;
    pub fn leave(sid_ptr: *const u8, sid_len: usize, room_ptr: *const u8, room_len: usize) -> i32;
    pub fn disconnect(sid_ptr: *const u8, sid_len: usize) -> i32;

    pub fn kv_get(key_ptr: *const u8, key_len: usize, buf: *mut u8, cap: usize) -> i32;
    pub fn kv_set(
        key_ptr: *const u8,
        key_len: usize,
        val_ptr: *const u8,
        val_len: usize,
        ttl_ms: i64,
    ) -> i32;
    pub fn kv_delete(key_ptr: *const u8, key_len: usize) -> i32;
    pub fn kv_add(
        key_ptr: *const u8,
        key_len: usize,
        delta: i64,
        ttl_ms: i64,
        out_ptr: *mut u8,
    ) -> i32;

    pub fn now_ms() -> i64;
    pub fn random(buf: *mut u8, len: usize) -> i32;
}

#[cfg(not(target_arch = "wasm32"))]
pub use self::native::*;

/// Native stand-ins: no host, every call is "unavailable".
#[cfg(not(target_arch = "wasm32"))]
mod native {
    const UNAVAILABLE: i32 = -6;
    pub unsafe fn input_read(_: *mut u8, _: usize) -> i32 {
        0
    }
    pub unsafe fn set_error(_: *const u8, _: usize) {}
    pub unsafe fn log(_: i32, _: *const u8, _: usize) {}
    pub unsafe fn reply(_: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    pub unsafe fn emit(_: *const u8, _: usize, _: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    pub unsafe fn raw(
        _: *const u8,
        _: usize,
        _: *const u8,
        _: usize,
        _: *const u8,
        _: usize,
        _: i32,
    ) -> i32 {
        UNAVAILABLE
    }
    pub unsafe fn send(
        _: *const u8,
        _: usize,
        _: *const u8,
        _: usize,
        _: *const u8,
        _: usize,
    ) -> i32 {
        UNAVAILABLE
    }
    pub unsafe fn join(_: *const u8, _: usize, _: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    pub unsafe fn leave(_: *const u8, _: usize, _: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    pub unsafe fn disconnect(_: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    pub unsafe fn kv_get(_: *const u8, _: usize, _: *mut u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    pub unsafe fn kv_set(_: *const u8, _: usize, _: *const u8, _: usize, _: i64) -> i32 {
        UNAVAILABLE
    }
    pub unsafe fn kv_delete(_: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    pub unsafe fn kv_add(_: *const u8, _: usize, _: i64, _: i64, _: *mut u8) -> i32 {
        UNAVAILABLE
    }
    pub unsafe fn now_ms() -> i64 {
        0
    }
    pub unsafe fn random(_: *mut u8, _: usize) -> i32 {
        UNAVAILABLE
    }
}
