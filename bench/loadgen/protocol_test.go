//go:build linux

package main

import (
	"bytes"
	"testing"
	"time"
)

func TestParsePacket(t *testing.T) {
	tests := []struct {
		frame   string
		engine  byte
		socket  byte
		nsp     string
		ackID   int64
		data    string
		wantErr bool
	}{
		{frame: `0{"sid":"abc","pingInterval":25000}`, engine: eioOpen, ackID: -1, nsp: "/", data: `{"sid":"abc","pingInterval":25000}`},
		{frame: `2`, engine: eioPing, ackID: -1, nsp: "/"},
		{frame: `3`, engine: eioPong, ackID: -1, nsp: "/"},
		{frame: `1`, engine: eioClose, ackID: -1, nsp: "/"},
		{frame: `6`, engine: eioNoop, ackID: -1, nsp: "/"},
		{frame: `40{"sid":"xyz"}`, engine: eioMessage, socket: sioConnect, ackID: -1, nsp: "/", data: `{"sid":"xyz"}`},
		{frame: `40`, engine: eioMessage, socket: sioConnect, ackID: -1, nsp: "/"},
		{frame: `44{"message":"Invalid token."}`, engine: eioMessage, socket: sioConnectError, ackID: -1, nsp: "/", data: `{"message":"Invalid token."}`},
		{frame: `42["message:create",{"seq":1}]`, engine: eioMessage, socket: sioEvent, ackID: -1, nsp: "/", data: `["message:create",{"seq":1}]`},
		{frame: `4212["ping",1]`, engine: eioMessage, socket: sioEvent, ackID: 12, nsp: "/", data: `["ping",1]`},
		{frame: `437[{"lang":"c"}]`, engine: eioMessage, socket: sioAck, ackID: 7, nsp: "/", data: `[{"lang":"c"}]`},
		{frame: `430[]`, engine: eioMessage, socket: sioAck, ackID: 0, nsp: "/", data: `[]`},
		{frame: `42/admin,5["x"]`, engine: eioMessage, socket: sioEvent, ackID: 5, nsp: "/admin", data: `["x"]`},
		{frame: `41/admin`, engine: eioMessage, socket: sioDisconnect, ackID: -1, nsp: "/admin"},
		{frame: ``, wantErr: true},
		{frame: `4`, wantErr: true},
		{frame: `451-["x",{"_placeholder":true,"num":0}]`, wantErr: true}, // binary: not supported
		{frame: `9`, wantErr: true},
		{frame: `4299999999999999999999["x"]`, wantErr: true}, // ack id overflows
	}
	for _, tc := range tests {
		p, err := parsePacket([]byte(tc.frame))
		if tc.wantErr {
			if err == nil {
				t.Errorf("parsePacket(%q) = %+v, want an error", tc.frame, p)
			}
			continue
		}
		if err != nil {
			t.Errorf("parsePacket(%q): %v", tc.frame, err)
			continue
		}
		if p.Engine != tc.engine || p.Socket != tc.socket || p.Nsp != tc.nsp || p.AckID != tc.ackID || string(p.Data) != tc.data {
			t.Errorf("parsePacket(%q) = {%q %q %q %d %q}, want {%q %q %q %d %q}", tc.frame,
				p.Engine, p.Socket, p.Nsp, p.AckID, p.Data, tc.engine, tc.socket, tc.nsp, tc.ackID, tc.data)
		}
	}
}

func TestSplitEvent(t *testing.T) {
	tests := []struct {
		in, name, args string
		wantErr        bool
	}{
		{in: `["message:create",{"seq":1,"t":2}]`, name: "message:create", args: `{"seq":1,"t":2}`},
		{in: `["ping"]`, name: "ping"},
		{in: `[ "a" , 1 , "two" ]`, name: "a", args: `1 , "two"`},
		{in: `["we\"ird\\",null]`, name: `we"ird\`, args: `null`},
		{in: `["caf\u00e9",1]`, name: "café", args: `1`},
		{in: `[1,2]`, wantErr: true},
		{in: `{"a":1}`, wantErr: true},
		{in: `["open`, wantErr: true},
		{in: `["a" 1]`, wantErr: true},
		{in: `[]`, wantErr: true},
	}
	for _, tc := range tests {
		name, args, err := splitEvent([]byte(tc.in))
		if tc.wantErr {
			if err == nil {
				t.Errorf("splitEvent(%q) = %q, %q; want an error", tc.in, name, args)
			}
			continue
		}
		if err != nil || name != tc.name || string(args) != tc.args {
			t.Errorf("splitEvent(%q) = %q, %q, %v; want %q, %q", tc.in, name, args, err, tc.name, tc.args)
		}
	}
}

func TestIntField(t *testing.T) {
	tests := []struct {
		js, key string
		want    int64
		ok      bool
	}{
		{`{"seq":12,"t":1750000000000000000}`, "seq", 12, true},
		{`{"seq":12,"t":1750000000000000000}`, "t", 1750000000000000000, true},
		{`{"pad":"x","seq" : -1}`, "seq", -1, true},
		{`{"t":9223372036854775807}`, "t", 9223372036854775807, true},
		{`{"t":9223372036854775808}`, "t", 0, false}, // overflows
		{`{"seq":"12"}`, "seq", 0, false},
		{`{"other":1}`, "seq", 0, false},
		{`{"seq":}`, "seq", 0, false},
		{`{"subseq":5,"seq":6}`, "seq", 6, true}, // the key is matched with its quotes
	}
	for _, tc := range tests {
		got, ok := intField([]byte(tc.js), tc.key)
		if got != tc.want || ok != tc.ok {
			t.Errorf("intField(%s, %q) = %d, %v; want %d, %v", tc.js, tc.key, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFanoutBody(t *testing.T) {
	at := time.Unix(1750000000, 123)
	for _, size := range []int{64, 100, 1000} {
		body := fanoutBody(42, at, size)
		prefix := `{"event":"` + emitEvent + `","data":`
		if !bytes.HasPrefix(body, []byte(prefix)) || !bytes.HasSuffix(body, []byte("}")) {
			t.Fatalf("body %s", body)
		}
		data := body[len(prefix) : len(body)-1]
		if len(data) != size {
			t.Errorf("size %d: data is %d bytes: %s", size, len(data), data)
		}
		if seq, ok := intField(data, "seq"); !ok || seq != 42 {
			t.Errorf("size %d: seq %d %v", size, seq, ok)
		}
		if ts, ok := intField(data, "t"); !ok || ts != at.UnixNano() {
			t.Errorf("size %d: t %d %v", size, ts, ok)
		}
	}
}

func TestWithCustomSection(t *testing.T) {
	mod := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	got := withCustomSection(mod, "bench")
	want := append(append([]byte{}, mod...), 0, 6, 5, 'b', 'e', 'n', 'c', 'h')
	if !bytes.Equal(got, want) {
		t.Errorf("got % x, want % x", got, want)
	}
	if !bytes.Equal(uleb(300), []byte{0xac, 0x02}) {
		t.Errorf("uleb(300) = % x", uleb(300))
	}
}
