package auth

import "slices"

// The JWT algorithms the hub verifies, in one place: config validation
// (HMACAlgorithms, KeyAlgorithms) and the verifier read these lists. "none"
// is not among them and never will be.
var (
	// hmacAlgs are the algorithms a shared secret (jwtSecret) verifies.
	hmacAlgs = []string{"HS256", "HS384", "HS512"}
	// rsaAlgs are the algorithms an RSA public key verifies.
	rsaAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	// keyAlgsAll are the algorithms some public key (publicKeyFile) verifies:
	// RSA, then ECDSA (one per curve), then Ed25519.
	keyAlgsAll = slices.Concat(rsaAlgs, []string{"ES256", "ES384", "ES512", "EdDSA"})
	// supportedAlgs is every algorithm Options.Algorithms may name.
	supportedAlgs = slices.Concat(hmacAlgs, keyAlgsAll)
)

// HMACAlgorithms returns the algorithms a shared secret verifies (HS256,
// HS384, HS512).
func HMACAlgorithms() []string { return slices.Clone(hmacAlgs) }

// KeyAlgorithms returns the algorithms a public key verifies (RS*, PS*, ES*,
// EdDSA); which of them a given key verifies depends on its type and curve.
func KeyAlgorithms() []string { return slices.Clone(keyAlgsAll) }

// Algorithms returns every algorithm Options.Algorithms may name:
// HMACAlgorithms, then KeyAlgorithms.
func Algorithms() []string { return slices.Clone(supportedAlgs) }
