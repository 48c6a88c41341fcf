package realtime

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"strings"

	"github.com/zishang520/socket.io/v3/pkg/types"
)

// prepare returns v with every value Socket.IO would send as binary turned
// into []byte, and text readers into strings (Op's plain values). Readers can
// be read once: the local emit and the op sent to other nodes must both get
// the bytes, so they are read here, before the Server applies a delivery and
// publishes it. v is copied only where something changes; the common case
// (decoded JSON) comes back as is.
func prepare(v any) any {
	out, _ := prep(v)
	return out
}

// prepareArgs is prepare for an argument list.
func prepareArgs(args []any) []any {
	if out, changed := prep(args); changed {
		return out.([]any)
	}
	return args
}

func prep(v any) (any, bool) {
	switch x := v.(type) {
	case nil, string, bool, float64, json.Number, []byte:
		return v, false
	case *types.StringBuffer:
		return x.String(), true
	case *strings.Reader:
		b, _ := io.ReadAll(x)
		return string(b), true
	case types.BufferInterface: // *types.BytesBuffer and the like
		return bytes.Clone(x.Bytes()), true
	case io.Reader: // the socket.io parser sends any other reader as binary
		b, _ := io.ReadAll(x)
		if c, ok := x.(io.Closer); ok {
			_ = c.Close()
		}
		return b, true
	case []any:
		var out []any
		for i, e := range x {
			if ne, changed := prep(e); changed {
				if out == nil {
					out = append([]any(nil), x...)
				}
				out[i] = ne
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			if ne, changed := prep(e); changed {
				if out == nil {
					out = maps.Clone(x)
				}
				out[k] = ne
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	}
	return v, false
}
