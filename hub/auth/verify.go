package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/clienterr"
)

// maxTokenLen bounds the token we are willing to parse. A users-permissions JWT is
// ~150 bytes and an OIDC access token a few KiB; anything larger is refused before
// base64 and JSON decoding spend memory on it.
const maxTokenLen = 64 << 10

// noExpCacheTTL is how long a Strapi answer is cached for a token without exp, and
// the longest a refusal of an unverified token is cached (its exp is untrusted).
const noExpCacheTTL = 5 * time.Minute

// Options configure an Authenticator. The zero Options refuse every token:
// only anonymous sockets get through.
type Options struct {
	// JWTSecret is the HMAC secret (Strapi users-permissions' jwtSecret). "":
	// HMAC (HS*) tokens are refused.
	JWTSecret string
	// PublicKeyFile is a PEM public key (RSA, ECDSA or Ed25519) for
	// RS*/PS*/ES*/EdDSA tokens. "": asymmetric tokens are refused.
	PublicKeyFile string
	// Algorithms are the accepted JWT algorithms (HS256 HS384 HS512 RS256
	// RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA; never "none").
	// nil: every one the keys can verify, or, without keys, every one (Strapi
	// then decides).
	Algorithms []string
	// RoleClaim is the claim holding the role (a string, or an object with
	// "name"); dotted paths like "app.role" reach into objects. "": "role".
	RoleClaim string
	// AuthenticatedRole is the role of a valid token without a role claim.
	// "": "Authenticated".
	AuthenticatedRole string
	// PublicRole is the role (and room) of sockets without a token. "":
	// "Public".
	PublicRole string
	// RequireConfirmed refuses users whose email is not confirmed. false:
	// they are accepted.
	RequireConfirmed bool
	// Issuer is the iss claim required. "": not checked.
	Issuer string
	// Audience is the aud claim required. "": not checked.
	Audience string
	// Leeway is the clock skew allowed on exp, nbf and iat. 0: none.
	Leeway time.Duration
	// AllowNoExp accepts tokens without an exp claim. false: they are
	// refused, since such a token, once leaked, would work forever.
	AllowNoExp bool
	// Strapi is asked who each token's user is (the hub's *client.Client).
	// nil: tokens are verified locally only.
	Strapi Strapi
	// UserCacheTTL is how long Strapi's answer about a user is reused. 0: 1m.
	UserCacheTTL time.Duration
	// UserCacheSize is how many of those answers are kept. 0: 10000.
	UserCacheSize int
	// Logger gets the authenticator's log lines. nil: discarded.
	Logger *slog.Logger
}

// Authenticator verifies handshake tokens and decides the socket's Identity. It is
// safe for concurrent use; build one per hub with New.
type Authenticator struct {
	cfg Options // with the defaults filled in
	log *slog.Logger

	secret []byte           // HMAC secret; nil = HMAC tokens refused
	pub    crypto.PublicKey // nil = asymmetric tokens refused
	algs   []string         // effective allow-list, never empty when local keys exist

	parser    *jwt.Parser            // local verification; nil without secret and key
	validator *jwt.Validator         // exp/nbf/iss/aud checks for unverified (Strapi-vouched) claims
	strapi    *strapiClient          // nil without Options.Strapi
	jwtMode   atomic.Pointer[string] // Strapi's jwtManagement (jwtmode.go); nil = unknown

	now func() time.Time // the clock; tests replace it

	noExpOnce sync.Once // the first token refused for lacking exp is logged at warn
}

// New builds an Authenticator. It reads and parses PublicKeyFile and checks
// that Algorithms can be verified with the keys given.
//
// Claims: exp must be present unless AllowNoExp and must not have passed; nbf
// must have passed; iat, when present, must not be in the future: a token from
// the future was not issued by a clock we agree with. Each allows Leeway of
// clock skew.
func New(cfg Options) (*Authenticator, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PublicRole == "" {
		cfg.PublicRole = "Public"
	}
	if cfg.RoleClaim == "" {
		cfg.RoleClaim = "role"
	}
	if cfg.AuthenticatedRole == "" {
		cfg.AuthenticatedRole = "Authenticated"
	}
	a := &Authenticator{cfg: cfg, log: logger, now: time.Now}
	if cfg.JWTSecret != "" {
		a.secret = []byte(cfg.JWTSecret)
	}
	if cfg.PublicKeyFile != "" {
		key, err := loadPublicKey(cfg.PublicKeyFile)
		if err != nil {
			return nil, err
		}
		a.pub = key
	}
	algs, err := a.allowedAlgs(cfg.Algorithms)
	if err != nil {
		return nil, err
	}
	a.algs = algs

	clock := func() time.Time { return a.now() }
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(algs),
		jwt.WithJSONNumber(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(clock),
		jwt.WithIssuedAt(),
	}
	if !cfg.AllowNoExp {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	if a.local() {
		a.parser = jwt.NewParser(opts...)
	}
	a.validator = jwt.NewValidator(opts...)

	if cfg.Strapi != nil {
		a.strapi = newStrapiClient(cfg, logger, clock)
	}
	if !a.local() && a.strapi == nil {
		logger.Warn("auth: neither auth.jwtSecret, auth.publicKeyFile nor strapi.url is set; every token will be refused, only anonymous sockets can connect")
	}
	return a, nil
}

// local reports whether tokens are verified by the hub itself.
func (a *Authenticator) local() bool { return a.secret != nil || a.pub != nil }

// allowedAlgs turns auth.algorithms into the list given to golang-jwt. With local
// keys, only algorithms some key can verify are kept (an empty configured list means
// all of those): an allowed algorithm without a key could never succeed, and saying
// so at startup beats a stream of "Invalid token." later.
func (a *Authenticator) allowedAlgs(configured []string) ([]string, error) {
	for _, alg := range configured {
		if !slices.Contains(supportedAlgs, alg) {
			return nil, fmt.Errorf("auth.algorithms: unsupported algorithm %q (supported: %s)", alg, strings.Join(supportedAlgs, ", "))
		}
	}
	if !a.local() {
		if len(configured) == 0 {
			return slices.Clone(supportedAlgs), nil
		}
		return slices.Clone(configured), nil
	}
	var usable []string
	if a.secret != nil {
		usable = append(usable, hmacAlgs...)
	}
	if a.pub != nil {
		usable = append(usable, keyAlgs(a.pub)...)
	}
	if len(configured) == 0 {
		return usable, nil
	}
	var algs, dropped []string
	for _, alg := range configured {
		if slices.Contains(usable, alg) {
			algs = append(algs, alg)
		} else {
			dropped = append(dropped, alg)
		}
	}
	if len(algs) == 0 {
		return nil, fmt.Errorf("auth.algorithms %v: none can be verified with the configured keys (%s)", configured, a.keyDescription())
	}
	if len(dropped) > 0 {
		a.log.Warn("auth: some auth.algorithms cannot be verified with the configured keys; tokens using them will be refused",
			"algorithms", dropped, "keys", a.keyDescription())
	}
	return algs, nil
}

func (a *Authenticator) keyDescription() string {
	var parts []string
	if a.secret != nil {
		parts = append(parts, "jwtSecret verifies HS256, HS384, HS512")
	} else {
		parts = append(parts, "no jwtSecret")
	}
	if a.pub != nil {
		parts = append(parts, fmt.Sprintf("publicKeyFile (%s) verifies %s", keyKind(a.pub), strings.Join(keyAlgs(a.pub), ", ")))
	} else {
		parts = append(parts, "no publicKeyFile")
	}
	return strings.Join(parts, "; ")
}

// keyFor is the golang-jwt Keyfunc. It picks the key by the algorithm's family and
// returns a key only of the type that family verifies with: the HMAC secret only if
// one is configured (never the public key's bytes: that is the classic
// RS256->HS256 confusion attack), an RSA key for RS/PS, an ECDSA key of the
// algorithm's own curve for ES, an Ed25519 key for EdDSA. "none" has no key.
func (a *Authenticator) keyFor(t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	if !slices.Contains(a.algs, alg) { // the parser checks this too; keep the keyfunc safe alone
		return nil, fmt.Errorf("algorithm %s not allowed", alg)
	}
	switch t.Method.(type) {
	case *jwt.SigningMethodHMAC:
		if a.secret != nil {
			return a.secret, nil
		}
	case *jwt.SigningMethodRSA, *jwt.SigningMethodRSAPSS:
		if k, ok := a.pub.(*rsa.PublicKey); ok {
			return k, nil
		}
	case *jwt.SigningMethodECDSA:
		if k, ok := a.pub.(*ecdsa.PublicKey); ok && ecdsaAlg(k) == alg {
			return k, nil
		}
	case *jwt.SigningMethodEd25519:
		if k, ok := a.pub.(ed25519.PublicKey); ok {
			return k, nil
		}
	}
	return nil, fmt.Errorf("no key configured for algorithm %s", alg)
}

// Authenticate decides who a handshake token belongs to. An empty token is the
// public role. Otherwise the token is verified (locally when a key is configured),
// its account standing and role are read, and, with Options.Strapi set, Strapi is
// asked for the user. Every error matches one of clienterr.ErrInvalidToken,
// clienterr.ErrInvalidCredentials or clienterr.ErrAuthUnavailable (errors.Is); the
// wrapped detail is for logs only. A refused token never falls back to public.
func (a *Authenticator) Authenticate(ctx context.Context, token string) (Identity, error) {
	if token == "" {
		return Identity{Role: a.cfg.PublicRole, Anonymous: true}, nil
	}
	claims, verified, err := a.parse(token)
	if err != nil {
		a.explainMissingExp(err)
		return Identity{}, a.refuse(ctx, clienterr.ErrInvalidToken, err)
	}
	if typ, _ := claims["type"].(string); typ == "refresh" {
		// Strapi v5's refresh mode signs refresh tokens with the same secret
		// as access tokens ({userId, sessionId, type}); a refresh token is
		// for /api/auth/refresh only, and it lives much longer.
		return Identity{}, a.refuse(ctx, clienterr.ErrInvalidToken, errors.New("a refresh token is not an access token"))
	}
	if err := a.checkJWTMode(token, claims); err != nil {
		return Identity{}, a.refuse(ctx, clienterr.ErrInvalidToken, err)
	}
	id := Identity{Claims: claims, UserID: userIDFrom(claims, "id", "userId", "sub")}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		id.ExpiresAt = exp.Time
	}
	if err := checkStanding(claims, a.cfg.RequireConfirmed); err != nil {
		return Identity{}, a.refuse(ctx, clienterr.ErrInvalidCredentials, err)
	}
	if id.Role, err = roleFromClaims(claims, a.cfg.RoleClaim, a.cfg.AuthenticatedRole); err != nil {
		return Identity{}, a.refuse(ctx, clienterr.ErrInvalidToken, err)
	}
	switch {
	case a.strapi == nil:
		return id, nil
	case a.strapi.apiToken && verified && id.UserID != "":
		// The signature proves the id; the hub's token reads the user.
		return a.strapiRoleUsable(ctx)(a.withStrapiUser(ctx, id))
	}
	return a.strapiRoleUsable(ctx)(a.withStrapi(ctx, token, id, verified))
}

// strapiRoleUsable refuses an identity whose role, as Strapi named it, cannot be
// a room (access.CheckRoleName): such a user would share a user's or a socket's
// room. Claim roles were checked already (roleFromClaims).
func (a *Authenticator) strapiRoleUsable(ctx context.Context) func(Identity, error) (Identity, error) {
	return func(id Identity, err error) (Identity, error) {
		if err != nil {
			return id, err
		}
		if rerr := access.CheckRoleName(id.Role); rerr != nil {
			return Identity{}, a.refuse(ctx, clienterr.ErrInvalidCredentials, fmt.Errorf("strapi role %q: %v", id.Role, rerr))
		}
		return id, nil
	}
}

// parse returns the token's claims. verified is true when the signature was checked
// here; false when there is no local key and only Strapi can vouch for the token.
// The unverified path still refuses what is certainly bad (malformed, disallowed
// alg, expired, iss/aud mismatch) without bothering Strapi.
func (a *Authenticator) parse(token string) (jwt.MapClaims, bool, error) {
	if len(token) > maxTokenLen {
		return nil, false, fmt.Errorf("token longer than %d bytes", maxTokenLen)
	}
	if a.parser != nil {
		t, err := a.parser.ParseWithClaims(token, jwt.MapClaims{}, a.keyFor)
		if err != nil {
			return nil, false, err
		}
		return t.Claims.(jwt.MapClaims), true, nil
	}
	if a.strapi == nil {
		return nil, false, errors.New("no verification key configured")
	}
	t, _, err := jwt.NewParser(jwt.WithJSONNumber()).ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		return nil, false, err
	}
	if alg := t.Method.Alg(); !slices.Contains(a.algs, alg) {
		return nil, false, fmt.Errorf("algorithm %s not allowed", alg)
	}
	claims := t.Claims.(jwt.MapClaims)
	if err := a.validator.Validate(claims); err != nil {
		return nil, false, err
	}
	return claims, false, nil
}

// withStrapi completes id with Strapi's view of the user. Strapi's role wins over
// the claims (its JWTs carry none); when Strapi omits the role (the caller's role
// may not find roles) the claim/authenticatedRole rule already in id stands.
func (a *Authenticator) withStrapi(ctx context.Context, token string, id Identity, verified bool) (Identity, error) {
	now := a.now()
	until := id.ExpiresAt
	if until.IsZero() {
		until = now.Add(noExpCacheTTL)
	}
	refusedUntil := until
	if !verified && refusedUntil.After(now.Add(noExpCacheTTL)) {
		// The exp of a token Strapi refused was chosen by whoever made the token.
		refusedUntil = now.Add(noExpCacheTTL)
	}
	res, err := a.strapi.me(ctx, token, id.UserID, until, refusedUntil)
	if err != nil {
		return Identity{}, a.refuse(ctx, clienterr.ErrAuthUnavailable, err)
	}
	switch res.status {
	case 401:
		if verified {
			// Strapi says "Invalid credentials" to a validly signed token of a
			// blocked (or, with confirmation on, unconfirmed) user.
			return Identity{}, a.refuse(ctx, clienterr.ErrInvalidCredentials, errors.New("strapi refused the user (401)"))
		}
		return Identity{}, a.refuse(ctx, clienterr.ErrInvalidToken, errors.New("strapi refused the token (401)"))
	case 403:
		if !verified {
			return Identity{}, a.refuse(ctx, clienterr.ErrInvalidToken, errors.New("strapi refused the token (403)"))
		}
		// Strapi authenticated the user (blocked and unconfirmed users get 401)
		// but the role may not call /users/me. The signature is verified here, so
		// keep the claim-derived role, as without Strapi.
		a.log.DebugContext(ctx, "auth: strapi forbids /users/me for this role; using the claim role", "role", id.Role)
		return id, nil
	}
	user := res.user
	if err := checkStanding(user, a.cfg.RequireConfirmed); err != nil {
		return Identity{}, a.refuse(ctx, clienterr.ErrInvalidCredentials, err)
	}
	if role, ok := roleFromUser(user); ok {
		id.Role = role
	} else {
		a.log.DebugContext(ctx, "auth: strapi user has no role (grant plugin::users-permissions.role.find to see it); using the claim role", "role", id.Role)
	}
	id.User = user
	if id.UserID == "" {
		id.UserID, _ = formatID(user["id"])
	}
	return id, nil
}

// refuse logs why a token was refused (never the token) and returns the sentinel
// wrapped with the detail. Debug level: refusals are the client's problem and a
// client can produce them at will; Strapi outages are logged at warn once per
// request by the Strapi client, not once per waiting handshake.
func (a *Authenticator) refuse(ctx context.Context, sentinel, detail error) error {
	a.log.DebugContext(ctx, "auth: handshake refused", "error", sentinel.Error(), "reason", detail.Error())
	return fmt.Errorf("%w: %v", sentinel, detail)
}

// explainMissingExp logs once, at warn, that a token was refused for having no
// exp: refusals are otherwise debug lines, and an operator whose issuer never
// sets exp needs to find auth.requireExp.
func (a *Authenticator) explainMissingExp(err error) {
	if a.cfg.AllowNoExp || !errors.Is(err, jwt.ErrTokenRequiredClaimMissing) {
		return
	}
	a.noExpOnce.Do(func() {
		a.log.Warn("auth: refused a token without exp (logged once); set [auth] requireExp = false if your issuer never sets exp")
	})
}
