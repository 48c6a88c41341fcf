package config

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/auth"
)

// Validate checks the values of c as Parse does, except that it reads no files.
// It is for configs built or changed in code (e.g. a command-line flag
// overriding listen). It returns nil or a *Problems.
func (c *Config) Validate() error {
	d := newDecoder(nil)
	d.validate(c)
	if len(d.probs) == 0 {
		return nil
	}
	return &Problems{List: sortProblems(d.probs, nil)}
}

// Allowed values.
var (
	permissionModes = []string{"action", "read"}
	logLevels       = []string{"debug", "info", "warn", "error"}
	logFormats      = []string{"text", "json"}
	transports      = []string{"polling", "websocket"}
	corsMethods     = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
	hmacAlgorithms  = auth.HMACAlgorithms()
	keyAlgorithms   = auth.KeyAlgorithms()
	allAlgorithms   = auth.Algorithms()
)

const (
	maxLeeway   = 5 * time.Minute
	wasmPage    = 64 * KiB
	maxWasmSize = 4 * GiB
)

// validate reports every semantic problem of c. d carries what decoding learnt
// (unset variables, values that failed to decode, lists written as one string);
// a fresh decoder works for configs built in code.
func (d *decoder) validate(c *Config) {
	var root keyPath
	d.listen(root.key("listen"), c.Listen)
	d.roleName(root.key("publicRoleName"), c.PublicRoleName)
	d.oneOf(root.key("permissionMode"), c.PermissionMode, permissionModes)
	for i, f := range c.PrivateFields {
		d.nonEmpty(root.key("privateFields").at(i), f)
	}
	d.oneOf(root.key("logLevel"), c.LogLevel, logLevels)
	d.oneOf(root.key("logFormat"), c.LogFormat, logFormats)
	d.validateIO(root.key("IOServerOptions"), &c.IO)
	d.validateContentTypes(root.key("contentTypes"), c.ContentTypes)
	for i, e := range c.Events {
		d.validateEvent(root.key("events").at(i), e)
	}
	d.validateAuth(root.key("auth"), &c.Auth)
	d.validateStrapi(root.key("strapi"), &c.Strapi)
	for _, name := range sortedKeys(c.Roles) {
		rp := root.key("roles").key(name)
		if err := access.CheckRoleName(name); err != nil {
			d.add(rp, err.Error())
		}
		for i, perm := range c.Roles[name].Permissions {
			if msg := checkPermission(perm); msg != "" {
				d.add(rp.key("permissions").at(i), msg)
			}
		}
	}
	ap := root.key("api")
	for i, tok := range c.API.Tokens {
		tp := ap.key("tokens").at(i)
		switch {
		case tok == "":
			d.add(tp, "must not be empty")
		case strings.TrimSpace(tok) != tok:
			d.add(tp, "must not start or end with whitespace (a bearer token never does)")
		}
	}
	d.positiveSize(ap.key("maxBodySize"), c.API.MaxBodySize)
	d.validatePlugins(root.key("plugins"), &c.Plugins)
	d.validateCluster(root.key("cluster"), &c.Cluster)
	d.validateHTTP(root.key("http"), &c.HTTP, &c.IO, slices.Contains(c.IO.Transports, "polling"))
	d.validateLimits(root.key("limits"), &c.Limits)
	d.validateAdmin(root.key("admin"), &c.Admin)
}

func (d *decoder) validateIO(p keyPath, io *IOServerOptions) {
	pp := p.key("path")
	switch {
	case !strings.HasPrefix(io.Path, "/"):
		d.add(pp, "must start with \"/\", got "+quote(io.Path))
	case strings.HasSuffix(io.Path, "/"):
		d.add(pp, "must not end with \"/\", got "+quote(io.Path))
	case strings.ContainsAny(io.Path, "?# \t\r\n"):
		d.add(pp, "expected a URL path like \"/socket.io\", got "+quote(io.Path))
	}
	d.positive(p.key("pingInterval"), io.PingInterval)
	d.positive(p.key("pingTimeout"), io.PingTimeout)
	d.positive(p.key("connectTimeout"), io.ConnectTimeout)
	d.positive(p.key("upgradeTimeout"), io.UpgradeTimeout)
	d.positiveSize(p.key("maxHttpBufferSize"), io.MaxHTTPBufferSize)

	tp := p.key("transports")
	if len(io.Transports) == 0 && d.ok(tp) {
		d.add(tp, `at least one transport is required: "polling" and/or "websocket"`)
	}
	for i, t := range io.Transports {
		switch {
		case !slices.Contains(transports, t):
			d.oneOf(tp.at(i), t, transports)
		case slices.Index(io.Transports, t) < i:
			d.add(tp.at(i), "duplicate transport "+quote(t))
		}
	}

	cp := p.key("cors")
	op := cp.key("origin")
	wildcard := false
	for i, o := range io.Cors.Origin {
		ep := d.elem(op, i)
		if o == "*" {
			wildcard = true
			if len(io.Cors.Origin) > 1 {
				d.add(ep, `"*" must be the only origin`)
			}
			continue
		}
		if msg := checkOrigin(o); msg != "" {
			d.add(ep, msg)
		}
	}
	for i, m := range io.Cors.Methods {
		d.oneOf(d.elem(cp.key("methods"), i), m, corsMethods)
	}
	for i, h := range io.Cors.AllowedHeaders {
		if !isToken(h) {
			d.add(d.elem(cp.key("allowedHeaders"), i), "expected a header name like \"Authorization\", got "+quote(h))
		}
	}
	if io.Cors.Credentials && wildcard {
		d.add(cp.key("credentials"), `cannot be true when origin is "*": browsers refuse credentials with a wildcard origin; list the allowed origins instead`)
	}
	if r := io.ConnectionStateRecovery; r != nil {
		rp := p.key("connectionStateRecovery")
		d.positive(rp.key("maxDisconnectionDuration"), r.MaxDisconnectionDuration)
		if r.SkipMiddlewares {
			d.add(rp.key("skipMiddlewares"), "must be false: iohub re-checks the token and the user whenever a session is recovered "+
				"(with true, an expired token or a user blocked while away would come back with its rooms and the messages it missed); remove the key")
		}
	}
}

// checkOrigin checks a CORS origin other than "*".
func checkOrigin(o string) string {
	const want = `expected an origin like "https://app.example.com" (scheme://host[:port], no path), got `
	if o == "null" {
		return ""
	}
	u, err := url.Parse(o)
	if err != nil || u.Scheme == "" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Contains(o, "*") {
		return want + quote(o)
	}
	if u.Path != "" {
		hint := ""
		if u.Path == "/" {
			hint = " (did you mean " + quote(strings.TrimSuffix(o, "/")) + "?)"
		}
		return want + quote(o) + hint
	}
	return ""
}

// isToken reports whether s is an HTTP token (RFC 9110), as header names are.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

func (d *decoder) validateContentTypes(p keyPath, ct ContentTypes) {
	if ct.All {
		return
	}
	for _, api := range sortedKeys(ct.Types) {
		ap := p.key(api)
		if strings.TrimSpace(api) == "" {
			d.add(ap, "content type name must not be empty")
		}
		for i, a := range ct.Types[api] {
			if msg := checkAction(a); msg != "" {
				d.add(d.elem(ap, i), msg)
			}
		}
	}
}

func (d *decoder) validateEvent(p keyPath, e Event) {
	np, hp := p.key("name"), p.key("handler")
	if e.Name == "" && d.ok(np) {
		d.add(np, "is required")
	}
	switch h := e.Handler; {
	case h == "":
		if d.ok(hp) {
			d.add(hp, "is required")
		}
	case strings.HasSuffix(h, ".wasm") && isModuleName(strings.TrimSuffix(h, ".wasm")):
		d.add(hp, `expected a module name without ".wasm", got `+quote(h)+
			" (did you mean "+quote(strings.TrimSuffix(h, ".wasm"))+"?)")
	case !isModuleName(h):
		d.add(hp, `expected a module name in plugins.dir (letters, digits, '-', '_' and '.', starting with a letter or digit), got `+quote(h))
	}
}

func isModuleName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '-' && c != '_' && c != '.') {
			return false
		}
	}
	return true
}

func (d *decoder) validateAuth(p keyPath, a *Auth) {
	// A ${VAR} without default, unset, must not silently turn a check off.
	envEmpty := map[string]bool{}
	for _, f := range []struct {
		key string
		val string
	}{{"jwtSecret", a.JWTSecret}, {"publicKeyFile", a.PublicKeyFile}, {"issuer", a.Issuer}, {"audience", a.Audience}} {
		fp := p.key(f.key)
		if vars := d.unset[fp.String()]; f.val == "" && len(vars) > 0 {
			envEmpty[f.key] = true
			d.addRaw(fp, fmt.Sprintf("is empty because environment variable %s is not set (write ${%s:-} if it is optional)", vars[0], vars[0]))
		}
	}

	alp := p.key("algorithms")
	for i, alg := range a.Algorithms {
		ep := alp.at(i)
		switch {
		case strings.EqualFold(alg, "none"):
			d.add(ep, `"none" is not allowed: unsigned tokens would let any client choose its role`)
		case !slices.Contains(allAlgorithms, alg):
			d.add(ep, fmt.Sprintf("unknown algorithm %s%s; expected one of %s",
				quote(alg), didYouMean(alg, allAlgorithms), strings.Join(allAlgorithms, ", ")))
		case slices.Index(a.Algorithms, alg) < i:
			d.add(ep, "duplicate algorithm "+quote(alg))
		case slices.Contains(hmacAlgorithms, alg) && a.JWTSecret == "":
			if !envEmpty["jwtSecret"] && d.ok(p.key("jwtSecret")) {
				d.add(ep, quote(alg)+" requires auth.jwtSecret")
			}
		case slices.Contains(keyAlgorithms, alg) && a.PublicKeyFile == "":
			if !envEmpty["publicKeyFile"] && d.ok(p.key("publicKeyFile")) {
				d.add(ep, quote(alg)+" requires auth.publicKeyFile")
			}
		}
	}
	if len(a.Algorithms) == 0 && d.ok(alp) {
		switch {
		case a.PublicKeyFile != "":
			d.add(alp, `is required with auth.publicKeyFile: list the key's algorithms, e.g. ["RS256"], ["ES256"] or ["EdDSA"]`)
		case a.JWTSecret != "":
			d.add(alp, `must not be empty when auth.jwtSecret is set (omit it for ["HS256"])`)
		}
	}

	rc := a.RoleClaim
	if rc == "" || slices.Contains(strings.Split(rc, "."), "") {
		d.add(p.key("roleClaim"), `expected a claim name or a dotted path like "app.role", got `+quote(rc))
	}
	d.roleName(p.key("authenticatedRole"), a.AuthenticatedRole)
	if a.Leeway.D() > maxLeeway {
		d.add(p.key("leeway"), fmt.Sprintf("must be at most %v, got %v", maxLeeway, a.Leeway))
	}
}

func (d *decoder) validatePlugins(p keyPath, pl *Plugins) {
	d.nonEmpty(p.key("dir"), pl.Dir)
	d.nonEmpty(p.key("jsRuntime"), pl.JSRuntime)
	d.positive(p.key("timeout"), pl.Timeout)
	ml, mp := pl.MemoryLimit, p.key("memoryLimit")
	got := strconv.FormatInt(int64(ml), 10)
	switch {
	case ml < wasmPage:
		d.add(mp, "must be at least 64KiB (65536), got "+got)
	case ml > maxWasmSize:
		d.add(mp, "must be at most 4GiB (the wasm32 address space), got "+got)
	case ml%wasmPage != 0:
		next := (ml/wasmPage + 1) * wasmPage
		d.add(mp, fmt.Sprintf("must be a multiple of 64KiB (65536, the Wasm page size), got %s; the next multiple is %d", got, next))
	}
}

// checkPermission checks a role permission; the message is empty if it is fine.
func checkPermission(s string) string {
	if s == "" {
		return "must not be empty"
	}
	if s == "*" {
		return ""
	}
	bad := fmt.Sprintf(`invalid permission %s: expected "<type>::<uid>.<action>" like "api::message.message.create", or "*" alone`, quote(s))
	typ, rest, ok := strings.Cut(s, "::")
	if !ok {
		return bad
	}
	segs := strings.Split(rest, ".")
	for i, seg := range append([]string{typ}, segs...) {
		if strings.Contains(seg, "*") && (seg != "*" || i != len(segs)) {
			return fmt.Sprintf(`invalid permission %s: "*" may only be the whole permission or its whole last segment, like "api::message.message.*"`, quote(s))
		}
	}
	if !isPermSeg(typ) || len(segs) < 2 || !allFunc(segs, func(s string) bool { return s == "*" || isPermSeg(s) }) {
		return bad
	}
	return ""
}

func isPermSeg(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func allFunc[T any](s []T, f func(T) bool) bool {
	for _, v := range s {
		if !f(v) {
			return false
		}
	}
	return true
}

// listen checks host:port with a numeric port.
func (d *decoder) listen(p keyPath, s string) {
	host, port, err := net.SplitHostPort(s)
	n, perr := strconv.Atoi(port)
	if err != nil || perr != nil || n < 0 || n > 65535 || strings.ContainsAny(host, " \t/") {
		d.add(p, `expected host:port with a numeric port, like "127.0.0.1:1337", got `+quote(s))
	}
}

func (d *decoder) nonEmpty(p keyPath, s string) {
	if strings.TrimSpace(s) == "" && d.ok(p) {
		d.add(p, "must not be empty")
	}
}

func (d *decoder) positive(p keyPath, v Duration) {
	if v <= 0 && d.ok(p) {
		d.add(p, "must be greater than zero")
	}
}

func (d *decoder) positiveSize(p keyPath, v ByteSize) {
	if v <= 0 && d.ok(p) {
		d.add(p, "must be greater than zero")
	}
}

// oneOf reports s unless it is one of allowed, suggesting the closest.
func (d *decoder) oneOf(p keyPath, s string, allowed []string) {
	if slices.Contains(allowed, s) {
		return
	}
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = quote(a)
	}
	var want string
	if len(allowed) == 2 {
		want = "expected " + quoted[0] + " or " + quoted[1]
	} else {
		want = "expected one of " + strings.Join(quoted, ", ")
	}
	d.add(p, want+", got "+quote(s)+didYouMean(s, allowed))
}

// roleName checks a role name given by a key other than [roles.<Name>]: empty is
// reported as for any required string, the rest by access.CheckRoleName.
func (d *decoder) roleName(p keyPath, name string) {
	if strings.TrimSpace(name) == "" {
		d.nonEmpty(p, name)
		return
	}
	if err := access.CheckRoleName(name); err != nil && d.ok(p) {
		d.add(p, err.Error())
	}
}
