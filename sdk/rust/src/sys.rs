//! Raw host imports of ABI v1.1 (module `"hub"`), exactly as in sdk/ABI.md
//! sections 3 and 8.
//!
//! On wasm32 every pointer and `usize` is an `i32` in the module's signature.
//! On other targets (native `cargo test`) the imports are replaced by stubs
//! that report `-6` (unavailable), so the pure-Rust parts of the crate can be
//! tested natively; under `cargo test`, `binary_read` and `binary_attach` use
//! a per-thread list of binaries instead (`test_binaries`).
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

    pub fn binary_read(index: i32, buf: *mut u8, cap: usize) -> i32;
    pub fn binary_attach(ptr: *const u8, len: usize) -> i32;
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

    #[cfg(not(test))]
    pub unsafe fn binary_read(_: i32, _: *mut u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    #[cfg(not(test))]
    pub unsafe fn binary_attach(_: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }

    #[cfg(test)]
    pub use super::fake::*;
}

/// `cargo test`: the event's binaries, then the attached ones, per thread.
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod fake {
    use std::cell::RefCell;
    use std::vec::Vec;

    std::thread_local! {
        static BINARIES: RefCell<Vec<Vec<u8>>> = RefCell::new(Vec::new());
        static ATTACH_CODE: RefCell<i32> = RefCell::new(0);
    }

    /// Starts an event with these binaries (attach answers `attach_code` when negative).
    pub fn test_binaries(binaries: &[&[u8]], attach_code: i32) {
        BINARIES.with(|b| *b.borrow_mut() = binaries.iter().map(|x| x.to_vec()).collect());
        ATTACH_CODE.with(|c| *c.borrow_mut() = attach_code);
    }

    /// The event's binaries and the attached ones.
    pub fn test_attached() -> Vec<Vec<u8>> {
        BINARIES.with(|b| b.borrow().clone())
    }

    pub unsafe fn binary_read(index: i32, buf: *mut u8, cap: usize) -> i32 {
        BINARIES.with(|b| match b.borrow().get(index as usize) {
            Some(v) if index >= 0 => {
                let n = cap.min(v.len());
                core::ptr::copy_nonoverlapping(v.as_ptr(), buf, n);
                v.len() as i32
            }
            _ => -1,
        })
    }

    pub unsafe fn binary_attach(ptr: *const u8, len: usize) -> i32 {
        let code = ATTACH_CODE.with(|c| *c.borrow());
        if code < 0 {
            return code;
        }
        let v = core::slice::from_raw_parts(ptr, len).to_vec();
        BINARIES.with(|b| {
            let mut b = b.borrow_mut();
            b.push(v);
            (b.len() - 1) as i32
        })
    }
}
