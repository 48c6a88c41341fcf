//go:build race

package realtime

// raceEnabled: the race detector's instrumentation makes stacks larger.
const raceEnabled = true
