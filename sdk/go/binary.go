package iohub

import (
	"strconv"
	"unsafe"
)

// ABIVersion is what this SDK's hub_abi_version returns: ABI v1.1, where
// binary arguments arrive in Event.Args as placeholders
// {"_placeholder":true,"num":N} and binary is sent with Attach (ABI.md
// section 8).
const ABIVersion = 0x0101

// Binary returns a copy of the event's binary argument i: the num of its
// placeholder in Args. ErrNotFound when the event has no binary i.
func Binary(i int) ([]byte, error) {
	n := hostBinaryRead(int32(i), nil, 0)
	if n < 0 {
		return nil, errno(n)
	}
	buf := make([]byte, n)
	if n > 0 {
		hostBinaryRead(int32(i), unsafe.Pointer(unsafe.SliceData(buf)), n)
	}
	return buf, nil
}

// Attach hands b to the hub for this event and returns its index, for a
// placeholder (AppendPlaceholder) in the JSON of a later Reply, Emit, Raw or
// Send: the client receives the bytes as binary.
func Attach(b []byte) (int, error) {
	rc := hostBinaryAttach(str(b))
	if rc < 0 {
		return 0, errno(rc)
	}
	return int(rc), nil
}

// AppendPlaceholder appends the placeholder of binary i (an argument's, or
// one Attach returned) to dst.
func AppendPlaceholder(dst []byte, i int) []byte {
	dst = append(dst, `{"_placeholder":true,"num":`...)
	dst = strconv.AppendInt(dst, int64(i), 10)
	return append(dst, '}')
}
