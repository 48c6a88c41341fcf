package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// watchDir reports the changes to the files of dir until ctx ends. It uses
// inotify directly rather than fsnotify, because only inotify's IN_CLOSE_WRITE
// tells a file whose writer paused from a file whose writer is done. ready
// gets nil once the watch is in place, or the error that prevented it.
func watchDir(ctx context.Context, dir string, out chan<- dirEvent, ready chan<- error) error {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		ready <- fmt.Errorf("inotify: %w", err)
		return nil
	}
	const mask = unix.IN_CREATE | unix.IN_MODIFY | unix.IN_CLOSE_WRITE | unix.IN_ATTRIB |
		unix.IN_MOVED_TO | unix.IN_MOVED_FROM | unix.IN_DELETE | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF
	if _, err := unix.InotifyAddWatch(fd, dir, mask); err != nil {
		_ = unix.Close(fd)
		ready <- fmt.Errorf("watch %s: %w", dir, err)
		return nil
	}
	// A non-blocking descriptor in an *os.File is served by the runtime's
	// poller: Close wakes a blocked Read.
	f := os.NewFile(uintptr(fd), "inotify")
	ready <- nil
	stop := context.AfterFunc(ctx, func() { _ = f.Close() })
	defer stop()
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := f.Read(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, os.ErrClosed) {
				return nil
			}
			return fmt.Errorf("inotify read: %w", err)
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			raw := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			end := off + unix.SizeofInotifyEvent + int(raw.Len)
			if end > n {
				break
			}
			name := string(bytes.TrimRight(buf[off+unix.SizeofInotifyEvent:end], "\x00"))
			off = end
			m := raw.Mask
			var ev dirEvent
			switch {
			case m&unix.IN_Q_OVERFLOW != 0:
				ev = dirEvent{op: opOverflow}
			case m&(unix.IN_DELETE_SELF|unix.IN_MOVE_SELF|unix.IN_IGNORED) != 0:
				return fmt.Errorf("the plugins directory %s was removed or moved; restart the hub (or send SIGHUP) once it is back", dir)
			case m&unix.IN_ISDIR != 0:
				continue
			case m&(unix.IN_DELETE|unix.IN_MOVED_FROM) != 0:
				ev = dirEvent{name, opGone}
			case m&(unix.IN_CLOSE_WRITE|unix.IN_MOVED_TO) != 0:
				ev = dirEvent{name, opClosed}
			case m&unix.IN_MODIFY != 0:
				ev = dirEvent{name, opWriting}
			default: // IN_CREATE, IN_ATTRIB
				ev = dirEvent{name, opChanged}
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return nil
			}
		}
	}
}
