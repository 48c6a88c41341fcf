//go:build linux

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// machine describes where the numbers came from; they mean nothing without it.
type machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpuModel"`
	Kernel    string `json:"kernel"`
	Go        string `json:"go"`
	Node      string `json:"node"`
	SocketIO  string `json:"socketio"` // the reference's installed socket.io
	LoadAvg   string `json:"loadavg"`  // at start: other work on the machine
	FileLimit uint64 `json:"fileLimit"`
}

func describeMachine(repo string, fileLimit uint64) machine {
	m := machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), FileLimit: fileLimit}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(data))
		if len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	if out, err := exec.Command("node", "--version").Output(); err == nil {
		m.Node = strings.TrimSpace(string(out))
	}
	var pkg struct{ Version string }
	if data, err := os.ReadFile(filepath.Join(repo, "bench", "reference", "node_modules", "socket.io", "package.json")); err == nil {
		if json.Unmarshal(data, &pkg) == nil {
			m.SocketIO = pkg.Version
		}
	}
	return m
}
