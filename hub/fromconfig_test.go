package hub

import (
	"log/slog"
	"maps"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/iohub/iohub/hub/admin"
	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/hub/httpapi"
	"github.com/iohub/iohub/hub/limit"
	"github.com/iohub/iohub/hub/realtime"
	"github.com/iohub/iohub/hub/strapi"
)

// [limits] becomes limit.Settings: rates with their bursts, proxies parsed.
func TestLimitsFromConfig(t *testing.T) {
	tests := []struct {
		name string
		in   config.Limits
		hs   limit.Rate
		ev   limit.Rate
	}{
		{"off", config.Limits{}, limit.Rate{}, limit.Rate{}},
		{"burst defaults to a second's worth", config.Limits{HandshakesPerSecondPerIP: 2.5, EventsPerSecond: 10}, limit.Rate{PerSecond: 2.5, Burst: 3}, limit.Rate{PerSecond: 10, Burst: 10}},
		{"slow rates still let one through", config.Limits{HandshakesPerSecondPerIP: 0.2, EventsPerSecond: 0.5}, limit.Rate{PerSecond: 0.2, Burst: 1}, limit.Rate{PerSecond: 0.5, Burst: 1}},
		{"explicit burst", config.Limits{EventsPerSecond: 10, EventsBurst: 50}, limit.Rate{}, limit.Rate{PerSecond: 10, Burst: 50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := limitsFromConfig(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if s.Handshakes != tt.hs || s.Events != tt.ev {
				t.Errorf("handshakes %+v events %+v, want %+v %+v", s.Handshakes, s.Events, tt.hs, tt.ev)
			}
		})
	}
	s, err := limitsFromConfig(config.Limits{MaxConnections: 3, MaxConnectionsPerIP: 2, TrustedProxies: []string{"10.0.0.0/8", "192.0.2.1"}})
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
	if err != nil || s.MaxConnections != 3 || s.MaxConnectionsPerIP != 2 || !slices.Equal(s.TrustedProxies, want) {
		t.Errorf("settings %+v, %v", s, err)
	}
	if _, err := limitsFromConfig(config.Limits{TrustedProxies: []string{"10.0.0.0/8", "nope"}}); err == nil {
		t.Error("a bad trustedProxies entry was accepted")
	}
}

// Names the packages spell on their own must agree with hub.toml's.
func TestSharedNames(t *testing.T) {
	for _, c := range [][]string{
		{config.JWTLegacy, auth.JWTLegacy, strapi.JWTLegacy},
		{config.JWTRefresh, auth.JWTRefresh, strapi.JWTRefresh},
		{config.PayloadREST, httpapi.PayloadREST, httpapi.PayloadREST},
		{config.PayloadFlat, httpapi.PayloadFlat, httpapi.PayloadFlat},
		{config.PayloadEntry, httpapi.PayloadEntry, httpapi.PayloadEntry},
		{config.DefaultAdminUIDir, admin.DefaultUIDir, admin.DefaultUIDir},
	} {
		if !slices.Equal(c, []string{c[0], c[0], c[0]}) {
			t.Errorf("names differ: %q", c)
		}
	}
}

// contentTypes: "*" (or absent) forwards every api:: type, a table what it
// names, an empty table nothing.
func TestAPIOptionsContentTypes(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   config.ContentTypes
		want map[string][]string
	}{
		{"all", config.ContentTypes{All: true}, nil},
		{"table", config.ContentTypes{Types: map[string][]string{"chat": {"create"}}}, map[string][]string{"chat": {"create"}}},
		{"empty table", config.ContentTypes{Types: map[string][]string{}}, map[string][]string{}},
		{"none", config.ContentTypes{}, map[string][]string{}},
	} {
		cfg := config.Default()
		cfg.ContentTypes = tt.in
		got := apiOptions(cfg).ContentTypes
		if (got == nil) != (tt.want == nil) || !maps.EqualFunc(got, tt.want, slices.Equal) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// [IOServerOptions]' defaults are realtime's; set keys carry over.
func TestIOOptions(t *testing.T) {
	if got, want := ioOptions(config.Default().IO), (realtime.IOOptions{}).WithDefaults(); !reflect.DeepEqual(got, want) {
		t.Errorf("defaults differ:\n%+v\n%+v", got, want)
	}
	c := config.Default().IO
	c.Cors = config.Cors{Origin: config.StringList{"https://a.example"}, Methods: config.StringList{"GET"}, AllowedHeaders: config.StringList{"X-A"}, Credentials: true}
	c.ConnectionStateRecovery = &config.Recovery{MaxDisconnectionDuration: config.Duration(time.Minute)}
	got := ioOptions(c)
	want := realtime.CORS{Origins: []string{"https://a.example"}, Methods: []string{"GET"}, AllowedHeaders: []string{"X-A"}, Credentials: true}
	if !reflect.DeepEqual(got.CORS, want) || got.Recovery != time.Minute {
		t.Errorf("cors %+v recovery %v", got.CORS, got.Recovery)
	}
}

// hub.toml's defaults are the zero Options' where both have one, and
// [http]'s 0 (no limit) stays no limit.
func TestOptionsFromConfigDefaults(t *testing.T) {
	got, err := OptionsFromConfig(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	got, zero := got.withDefaults(), Options{}.withDefaults()
	if got.Listen != zero.Listen || got.PublicRole != zero.PublicRole || got.PermissionMode != zero.PermissionMode ||
		!slices.Equal(got.PrivateFields, zero.PrivateFields) || !reflect.DeepEqual(got.IO, zero.IO) ||
		got.HTTP != zero.HTTP || got.Auth.AllowNoExp || got.Admin.AllowActions || got.API.MaxBodySize != 1<<20 {
		t.Errorf("config defaults:\n%+v\nzero options:\n%+v", got, zero)
	}

	cfg := config.Default()
	cfg.HTTP = config.HTTP{}
	cfg.PrivateFields = nil
	got, err = OptionsFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(got.withDefaults().HTTP, nil, slog.New(slog.DiscardHandler))
	if srv.ReadHeaderTimeout != 0 || srv.WriteTimeout != 0 || srv.IdleTimeout != 0 || srv.MaxHeaderBytes != 0 {
		t.Errorf("[http] zeros: %+v", srv)
	}
	if pf := got.withDefaults().PrivateFields; pf == nil || len(pf) != 0 {
		t.Errorf("an empty privateFields became %q", pf)
	}
}

// withDefaults may run on its own result: New and reloads both start from
// options that went through it.
func TestWithDefaultsIdempotent(t *testing.T) {
	for _, o := range []Options{{}, {HTTP: HTTPOptions{ReadHeaderTimeout: -1, ReadTimeout: -1, IdleTimeout: -1, MaxHeaderBytes: -1}}} {
		once := o.withDefaults()
		once.Logger = nil
		twice := once.withDefaults()
		twice.Logger = nil
		if !reflect.DeepEqual(once, twice) {
			t.Errorf("twice differs:\n%+v\n%+v", once, twice)
		}
	}
}
