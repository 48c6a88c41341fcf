package plugin

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// settle is how long a handler file must have been left alone before it is
// loaded: editors and compilers write a file in several steps, and a file
// caught between two of them is not the file its author meant.
const settle = 150 * time.Millisecond

// stableTries bounds how often readStable waits for a file that keeps
// changing; past it the file is reported as still being written.
const stableTries = 8

var (
	// errStillWriting: the file is open for writing (the watcher saw a write
	// and no close yet), or kept changing while it was read.
	errStillWriting = errors.New("still being written")
	// errEmptyFile: a zero-length file is a file about to be written.
	errEmptyFile = errors.New("empty file")
)

// ignoredName reports whether a file name in the plugins directory is a
// temporary or editor file, never a handler: hidden files (.chat.js.swp,
// .#chat.js), *.tmp* (chat.js.tmp.123, dup.js.tmp.js), backups (chat.js~),
// swap files (*.swp) and Emacs autosaves (#chat.js#).
func ignoredName(name string) bool {
	return strings.HasPrefix(name, ".") ||
		strings.Contains(name, ".tmp") ||
		strings.HasSuffix(name, "~") ||
		strings.HasSuffix(name, ".swp") ||
		len(name) > 1 && strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#")
}

// readStable reads a handler file only when it is complete as far as the hub
// can tell: not open for writing (on Linux the watcher knows), unchanged in
// size and modification time across the read and for at least settle before
// it, and not empty. It returns the content and its SHA-256.
func (h *Host) readStable(path string) ([]byte, string, error) {
	if h.writes.isOpen(filepath.Base(path)) {
		return nil, "", errStillWriting
	}
	for try := 0; try < stableTries; try++ {
		before, err := os.Stat(path)
		if err != nil {
			return nil, "", err
		}
		if !before.Mode().IsRegular() {
			return nil, "", fmt.Errorf("%s: not a regular file", path)
		}
		// Written moments ago: give the writer time to finish (or to show it
		// has not, by changing the file again).
		if age := time.Since(before.ModTime()); age < h.settle {
			time.Sleep(min(h.settle-max(age, 0), h.settle))
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, "", err
		}
		after, err := os.Stat(path)
		if err != nil {
			return nil, "", err
		}
		if after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) || int64(len(b)) != after.Size() {
			continue // changed under us: look again
		}
		if len(b) == 0 {
			return nil, "", errEmptyFile
		}
		sum := sha256.Sum256(b)
		return b, hex.EncodeToString(sum[:]), nil
	}
	return nil, "", errStillWriting
}

// notReady reports whether err means "not loadable yet" rather than "refused":
// the previous version keeps serving and nothing is counted as a problem of
// the content.
func notReady(err error) bool {
	return errors.Is(err, errStillWriting) || errors.Is(err, errEmptyFile)
}

// rel names a file of the plugins directory in logs: relative to it.
func (h *Host) rel(path string) string {
	if r, err := filepath.Rel(h.dir, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

// noteOnce reports whether what is about to be logged about file is news: the
// last thing logged about it was not key (a refusal of this content, "not
// found", ...). Reloads run again and again over files that did not change;
// their logs should not. Called with reloadMu held.
func (h *Host) noteOnce(file, key string) bool {
	if h.noted[file] == key {
		return false
	}
	h.noted[file] = key
	return true
}

// isNotExist is fs.ErrNotExist, spelled once.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
