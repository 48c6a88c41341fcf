package auth

import (
	"context"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iohub/iohub/hub/clienterr"
)

// In refresh mode Strapi refuses every token but its access tokens; so does
// the hub, for tokens signed with Strapi's secret.
func TestJWTManagement(t *testing.T) {
	cfg := hsConfig()
	cfg.PublicKeyFile = writePEM(t, keys().ed.Public())
	cfg.Algorithms = []string{"HS256", "EdDSA"}
	a := newAuth(t, cfg, strapiCfg{})
	exp := t0.Add(10 * time.Minute).Unix()
	legacy := sign(t, jwt.SigningMethodHS256, []byte(testSecret), strapiClaims())
	access := sign(t, jwt.SigningMethodHS256, []byte(testSecret),
		jwt.MapClaims{"userId": "1", "sessionId": "s", "type": "access", "iat": t0.Unix(), "exp": exp})
	otherIssuer := sign(t, jwt.SigningMethodEdDSA, keys().ed, jwt.MapClaims{"sub": "u1", "exp": exp})
	tests := []struct {
		mode, name, token string
		want              error
	}{
		{"", "unknown: legacy token", legacy, nil},
		{"", "unknown: access token", access, nil},
		{JWTLegacy, "legacy: legacy token", legacy, nil},
		{JWTLegacy, "legacy: access token", access, nil},
		{JWTRefresh, "refresh: legacy token refused", legacy, clienterr.ErrInvalidToken},
		{JWTRefresh, "refresh: access token", access, nil},
		{JWTRefresh, "refresh: another issuer's token unaffected", otherIssuer, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.SetJWTManagement(tt.mode)
			if a.JWTManagement() != tt.mode {
				t.Fatalf("mode %q", a.JWTManagement())
			}
			_, err := a.Authenticate(context.Background(), tt.token)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, tt.want)
		})
	}
}
