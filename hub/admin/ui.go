package admin

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// UIPath is where the hub serves the UI.
const UIPath = "/hub/admin/"

// DefaultUIDir is where `npm ci` at the repository root puts the UI (as
// admin.uiDir's default).
const DefaultUIDir = "node_modules/@socket.io/admin-ui/ui/dist"

// UIHandler serves the built Admin UI from dir at UIPath. The UI then talks to
// the hub it came from, same-origin: its login screen asks for that URL, the
// credentials and (under "advanced options") the Socket.IO path when it is
// not "/socket.io".
//
// When dir has no index.html the handler answers 503 with how to install it,
// and the log says so once now: the namespace works without it (a UI served
// elsewhere can connect), so this is not a reason to refuse to start.
func UIHandler(dir string, logger *slog.Logger) http.Handler {
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		hint := installHint(dir)
		logger.Warn("the Admin UI's files are missing; "+hint, "uiDir", dir, "url", UIPath)
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "the Admin UI is not installed on this hub: "+hint, http.StatusServiceUnavailable)
		})
	}
	logger.Info("serving the Admin UI", "url", UIPath, "uiDir", dir)
	files := http.StripPrefix(UIPath, http.FileServer(http.Dir(dir)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The UI's files are public (the namespace asks for the
		// credentials); what they say must not be framed by another site.
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

// installHint says how to get the UI: npm ci where a package-lock.json pins it
// (the repository root), else the install command.
func installHint(dir string) string {
	const tail = DefaultUIDir
	if d := filepath.ToSlash(dir); strings.HasSuffix(d, "/"+tail) || d == tail {
		root := filepath.Clean(strings.TrimSuffix(d, tail))
		if _, err := os.Stat(filepath.Join(root, "package-lock.json")); err == nil {
			return fmt.Sprintf("run `npm ci` in %s (it installs the @socket.io/admin-ui package its package-lock.json pins)", root)
		}
		return fmt.Sprintf("run `npm install @socket.io/admin-ui` in %s, or point [admin] uiDir at the package's ui/dist", root)
	}
	return "install the npm package @socket.io/admin-ui (`npm ci` at iohub's repository root) and point [admin] uiDir at its ui/dist"
}
