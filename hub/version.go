package hub

import "runtime/debug"

// Version is the hub's release, set at build time with
// -ldflags "-X github.com/iohub/iohub/hub.Version=v1.2.3". Without it, Version
// reports the module version or VCS revision the binary was built from.
var Version = ""

// VersionString returns Version, or what the Go build info knows.
func VersionString() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "devel+" + rev
}
