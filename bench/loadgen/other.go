//go:build !linux

// Command loadgen needs Linux: it reads server CPU and memory from /proc.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "loadgen: Linux only (it measures the servers through /proc)")
	os.Exit(2)
}
