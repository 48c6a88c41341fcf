// Package wire is the cluster's op encoding: what one node publishes on Redis
// and the others decode. Its bytes are the protocol between nodes, so a
// change here must stay readable by nodes of the previous version.
package wire

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
)

// An Op is one delivery, carried over Redis from the node where it happened to
// every other node, which applies it to its own sockets. Ops carry results,
// not requests: a content event travels as the rooms its origin's rules chose
// and the data its origin sanitised, so every node delivers exactly what the
// origin decided.
type Op struct {
	// Node is the origin's id. It is encoded first so a node can skip its own
	// ops by comparing a prefix, without decoding them.
	Node string `json:"n"`
	Kind Kind   `json:"k"`
	// Event is the Socket.IO event name (emit, broadcast, send).
	Event string `json:"e,omitempty"`
	// Data is the data of an emit, or the argument list of a broadcast or send.
	Data json.RawMessage `json:"d,omitempty"`
	// Rooms of an emit: their union; none means every socket.
	Rooms []string `json:"r,omitempty"`
	// Room of a broadcast ("" = every socket), join or leave.
	Room string `json:"m,omitempty"`
	// Except is the socket a broadcast skips.
	Except string `json:"x,omitempty"`
	// SID is the socket a send, join, leave or disconnect is for.
	SID string `json:"s,omitempty"`
	// User is the Strapi user a user op is about; Gone says they were
	// blocked or deleted.
	User string `json:"u,omitempty"`
	Gone bool   `json:"g,omitempty"`
	// Bin lists where Data holds binary values, as paths of object keys
	// (strings) and array indices (numbers); each such value is a base64
	// string. Paths rather than marker objects, so no user data can ever be
	// mistaken for binary.
	Bin [][]any `json:"b,omitempty"`
}

// Kind says what an op does; a node ignores kinds it does not know.
type Kind string

const (
	KindEmit       Kind = "emit"       // EmitRaw semantics: Data to the union of Rooms, or all
	KindBroadcast  Kind = "broadcast"  // Broadcast: Data (args) to Room or all, except Except
	KindSend       Kind = "send"       // Data (args) to socket SID
	KindJoin       Kind = "join"       // socket SID joins Room
	KindLeave      Kind = "leave"      // socket SID leaves Room
	KindDisconnect Kind = "disconnect" // socket SID is disconnected
	KindUser       Kind = "user"       // user User changed in Strapi (Gone: blocked or deleted)
)

// Encode encodes o with v (data or args) as its Data. v must have been
// through Prepare, so binary is []byte only.
func Encode(o *Op, v any) ([]byte, error) {
	var paths [][]any
	v = binaryToBase64(v, nil, &paths)
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	o.Data, o.Bin = data, paths
	return json.Marshal(o)
}

// Decode decodes an op and its Data. Numbers stay json.Number, so they reach
// clients with the digits the origin got; binary values are []byte again, so
// Socket.IO sends them as binary attachments.
func Decode(b []byte) (*Op, any, error) {
	var o Op
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, nil, err
	}
	if len(o.Data) == 0 {
		return &o, nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(o.Data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, nil, err
	}
	for _, p := range o.Bin {
		var err error
		if v, err = base64ToBinary(v, p); err != nil {
			return nil, nil, err
		}
	}
	return &o, v, nil
}

// binaryToBase64 returns v with each []byte replaced by its base64 text,
// recording its path. Containers are copied only when they hold binary.
func binaryToBase64(v any, path []any, paths *[][]any) any {
	switch x := v.(type) {
	case []byte:
		*paths = append(*paths, append([]any(nil), path...))
		return base64.StdEncoding.EncodeToString(x)
	case []any:
		var out []any
		for i, e := range x {
			n := len(*paths)
			ne := binaryToBase64(e, append(path, i), paths)
			if len(*paths) > n {
				if out == nil {
					out = append([]any(nil), x...)
				}
				out[i] = ne
			}
		}
		if out == nil {
			return v
		}
		return out
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			n := len(*paths)
			ne := binaryToBase64(e, append(path, k), paths)
			if len(*paths) > n {
				if out == nil {
					out = maps.Clone(x)
				}
				out[k] = ne
			}
		}
		if out == nil {
			return v
		}
		return out
	}
	return v
}

var errBadPath = errors.New("cluster: binary path does not match the data")

// base64ToBinary decodes the base64 string at path in v (freshly decoded, so
// it may be changed in place) and returns v.
func base64ToBinary(v any, path []any) (any, error) {
	if len(path) == 0 {
		s, ok := v.(string)
		if !ok {
			return nil, errBadPath
		}
		return base64.StdEncoding.DecodeString(s)
	}
	switch x := v.(type) {
	case []any:
		f, ok := path[0].(float64) // json.Unmarshal's numbers
		i := int(f)
		if !ok || float64(i) != f || i < 0 || i >= len(x) {
			return nil, errBadPath
		}
		var err error
		if x[i], err = base64ToBinary(x[i], path[1:]); err != nil {
			return nil, err
		}
		return x, nil
	case map[string]any:
		k, ok := path[0].(string)
		if !ok {
			return nil, errBadPath
		}
		e, ok := x[k]
		if !ok {
			return nil, errBadPath
		}
		var err error
		if x[k], err = base64ToBinary(e, path[1:]); err != nil {
			return nil, err
		}
		return x, nil
	}
	return nil, fmt.Errorf("%w: %T at a path element", errBadPath, v)
}
