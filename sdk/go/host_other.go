//go:build !wasip1

package iohub

// Stand-ins outside wasip1, so the package builds and tests natively: the
// input comes from nativeInput (set by tests), log lines and error messages
// collect in nativeLog, every other call reports ErrUnavailable (-6).

import (
	"time"
	"unsafe"
)

var (
	nativeInput []byte
	nativeLog   []string
	// nativeBinaries are the event's binaries, then the attached ones.
	nativeBinaries [][]byte
)

const unavailable = int32(ErrUnavailable)

func hostInputRead(buf unsafe.Pointer, n int32) int32 {
	if n > 0 {
		copy(unsafe.Slice((*byte)(buf), n), nativeInput)
	}
	return int32(len(nativeInput))
}

func hostSetError(msg string)         { nativeLog = append(nativeLog, "error: "+msg) }
func hostLog(level int32, msg string) { nativeLog = append(nativeLog, "log: "+msg) }

func hostReply(string) int32                        { return unavailable }
func hostEmit(string, string) int32                 { return unavailable }
func hostRaw(string, string, string, int32) int32   { return unavailable }
func hostSend(string, string, string) int32         { return unavailable }
func hostJoin(string, string) int32                 { return unavailable }
func hostLeave(string, string) int32                { return unavailable }
func hostDisconnect(string) int32                   { return unavailable }
func hostKVGet(string, unsafe.Pointer, int32) int32 { return unavailable }
func hostKVSet(string, string, int64) int32         { return unavailable }
func hostKVDelete(string) int32                     { return unavailable }
func hostKVAdd(string, int64, int64, *int64) int32  { return unavailable }
func hostNowMs() int64                              { return time.Now().UnixMilli() }
func hostRandom(unsafe.Pointer, int32) int32        { return unavailable }

func hostBinaryRead(i int32, buf unsafe.Pointer, n int32) int32 {
	if i < 0 || int(i) >= len(nativeBinaries) {
		return int32(ErrNotFound)
	}
	b := nativeBinaries[i]
	if n > 0 {
		copy(unsafe.Slice((*byte)(buf), n), b)
	}
	return int32(len(b))
}

func hostBinaryAttach(b string) int32 {
	nativeBinaries = append(nativeBinaries, []byte(b))
	return int32(len(nativeBinaries) - 1)
}
