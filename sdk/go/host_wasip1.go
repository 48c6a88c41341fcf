//go:build wasip1

package iohub

// The host imports of ABI v1 (module "hub"), with the ABI's exact Wasm
// signatures: a Go string parameter lowers to (ptr i32, len i32), an
// unsafe.Pointer or *int64 to i32. The host keeps no pointer after a call,
// hence go:noescape (buffers may live on the stack).

import "unsafe"

//go:wasmimport hub input_read
//go:noescape
func hostInputRead(buf unsafe.Pointer, cap int32) int32

//go:wasmimport hub set_error
//go:noescape
func hostSetError(msg string)

//go:wasmimport hub log
//go:noescape
func hostLog(level int32, msg string)

//go:wasmimport hub reply
//go:noescape
func hostReply(args string) int32

//go:wasmimport hub emit
//go:noescape
func hostEmit(event, data string) int32

//go:wasmimport hub raw
//go:noescape
func hostRaw(room, event, args string, flags int32) int32

//go:wasmimport hub send
//go:noescape
func hostSend(sid, event, args string) int32

//go:wasmimport hub join
//go:noescape
func hostJoin(sid, room string) int32

//go:wasmimport hub leave
//go:noescape
func hostLeave(sid, room string) int32

//go:wasmimport hub disconnect
//go:noescape
func hostDisconnect(sid string) int32

//go:wasmimport hub kv_get
//go:noescape
func hostKVGet(key string, buf unsafe.Pointer, cap int32) int32

//go:wasmimport hub kv_set
//go:noescape
func hostKVSet(key, val string, ttlMs int64) int32

//go:wasmimport hub kv_delete
//go:noescape
func hostKVDelete(key string) int32

//go:wasmimport hub kv_add
//go:noescape
func hostKVAdd(key string, delta, ttlMs int64, out *int64) int32

//go:wasmimport hub now_ms
func hostNowMs() int64

//go:wasmimport hub random
//go:noescape
func hostRandom(buf unsafe.Pointer, n int32) int32

//go:wasmimport hub binary_read
//go:noescape
func hostBinaryRead(i int32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport hub binary_attach
//go:noescape
func hostBinaryAttach(b string) int32
