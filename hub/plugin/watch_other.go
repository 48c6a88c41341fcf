//go:build !linux

package plugin

import (
	"context"
	"path/filepath"

	"github.com/fsnotify/fsnotify"
)

// watchDir reports the changes to the files of dir until ctx ends. fsnotify
// does not tell a finished write from a paused one on this platform, so every
// change is opChanged and the watcher relies on the file staying quiet.
func watchDir(ctx context.Context, dir string, out chan<- dirEvent, ready chan<- error) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		ready <- err
		return nil
	}
	defer w.Close()
	if err := w.Add(dir); err != nil {
		ready <- err
		return nil
	}
	ready <- nil
	for {
		var ev dirEvent
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Events:
			if !ok {
				return nil
			}
			ev = dirEvent{name: filepath.Base(e.Name), op: opChanged}
			if e.Has(fsnotify.Remove) || e.Has(fsnotify.Rename) {
				ev.op = opGone
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			if err == fsnotify.ErrEventOverflow {
				ev = dirEvent{op: opOverflow}
			} else {
				continue
			}
		}
		select {
		case out <- ev:
		case <-ctx.Done():
			return nil
		}
	}
}
