package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"slices"
)

// loadPublicKey reads the PEM file at path and returns an *rsa.PublicKey,
// *ecdsa.PublicKey (P-256, P-384 or P-521) or ed25519.PublicKey.
//
// It accepts "PUBLIC KEY" (PKIX, what `openssl pkey -pubout` writes), "RSA PUBLIC
// KEY" (PKCS#1) and "CERTIFICATE" (the certificate's key). Private keys are refused
// with a hint: the hub only verifies, and a signing key has no business in its
// config. Errors start with the config key so the user knows what to fix.
func loadPublicKey(path string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth.publicKeyFile: %w", err)
	}
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("auth.publicKeyFile: no PEM block found in %s", path)
		}
		switch block.Type {
		case "EC PARAMETERS": // openssl ecparam output puts these first
			continue
		case "PUBLIC KEY":
			key, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("auth.publicKeyFile: %s: bad PUBLIC KEY block: %w", path, err)
			}
			return checkKey(key, path)
		case "RSA PUBLIC KEY":
			key, err := x509.ParsePKCS1PublicKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("auth.publicKeyFile: %s: bad RSA PUBLIC KEY block: %w", path, err)
			}
			return checkKey(key, path)
		case "CERTIFICATE":
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("auth.publicKeyFile: %s: bad CERTIFICATE block: %w", path, err)
			}
			return checkKey(cert.PublicKey, path)
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY":
			return nil, fmt.Errorf("auth.publicKeyFile: %s holds a private key (%s); give the public key instead (openssl pkey -in key.pem -pubout)", path, block.Type)
		default:
			return nil, fmt.Errorf("auth.publicKeyFile: %s: unsupported PEM block %q (want PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE)", path, block.Type)
		}
	}
}

func checkKey(key any, path string) (crypto.PublicKey, error) {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return k, nil
	case *ecdsa.PublicKey:
		if ecdsaAlg(k) == "" {
			return nil, fmt.Errorf("auth.publicKeyFile: %s: ECDSA curve %s is not usable with JWT (want P-256, P-384 or P-521)", path, k.Curve.Params().Name)
		}
		return k, nil
	case ed25519.PublicKey:
		return k, nil
	}
	return nil, fmt.Errorf("auth.publicKeyFile: %s: unsupported key type %T (want RSA, ECDSA or Ed25519)", path, key)
}

// ecdsaAlg is the one JWT algorithm an ECDSA key may verify: RFC 7518 ties each ES
// algorithm to one curve, and accepting ES512 signatures from a P-256 key would let
// a token pick a hash the key was never meant for.
func ecdsaAlg(k *ecdsa.PublicKey) string {
	switch k.Curve {
	case elliptic.P256():
		return "ES256"
	case elliptic.P384():
		return "ES384"
	case elliptic.P521():
		return "ES512"
	}
	return ""
}

// keyAlgs lists the algorithms a public key can verify.
func keyAlgs(key crypto.PublicKey) []string {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return slices.Clone(rsaAlgs)
	case *ecdsa.PublicKey:
		return []string{ecdsaAlg(k)}
	case ed25519.PublicKey:
		return []string{"EdDSA"}
	}
	return nil
}

// keyKind names a key for messages.
func keyKind(key crypto.PublicKey) string {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d-bit", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", key)
}
