// Package client is the hub's one way of talking to Strapi: base URL, the hub's
// API token, the request timeout and a bound on every answer, with one
// http.Client. User lookups (hub/auth), the roles, schema and user syncs
// (hub/strapi) all go through it, so those limits and the refusal to follow
// redirects hold everywhere.
package client

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// MaxBody bounds one answer. The largest Strapi answers the hub reads are the
// content-type schemas and a role's permission tree: tens of KiB for a small
// app, a few MiB for a very large one.
const MaxBody = 16 << 20

// defaultTimeout is Options.Timeout's default, as strapi.timeout's.
const defaultTimeout = 5 * time.Second

// Options say which Strapi a Client talks to, and how.
type Options struct {
	// URL is Strapi's base URL, without a trailing slash
	// ("http://localhost:1337"). Required.
	URL string
	// APIToken is the hub's Strapi API token, sent by Get. "": none (Get
	// sends no Authorization header).
	APIToken string
	// Timeout bounds one request. 0 (or less): 5s.
	Timeout time.Duration
}

// Client sends requests to one Strapi. It is safe for concurrent use.
type Client struct {
	base     string
	apiToken string
	http     *http.Client
}

// New builds a Client. It does not contact Strapi.
func New(opts Options) *Client {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	// A reconnect storm sends many user lookups at once; the default transport
	// keeps only 2 idle connections per host and would reconnect for most.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	return &Client{
		base:     opts.URL,
		apiToken: opts.APIToken,
		http: &http.Client{
			Timeout:   timeout,
			Transport: transport,
			// Strapi redirects none of the routes the hub reads; following a
			// redirect would send a token wherever it points.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// HasAPIToken reports whether Options.APIToken is set.
func (c *Client) HasAPIToken() bool { return c.apiToken != "" }

// Get sends GET path (with its query) with the hub's API token and returns the
// status and body of any answer; err is for answers that never came (network,
// timeout) or were larger than MaxBody. The error names the path, never a token.
func (c *Client) Get(ctx context.Context, path string) (int, []byte, error) {
	return c.do(ctx, http.MethodGet, path, c.apiToken, nil)
}

// GetAs is Get with bearer (a user's token) instead of the API token.
func (c *Client) GetAs(ctx context.Context, path, bearer string) (int, []byte, error) {
	return c.do(ctx, http.MethodGet, path, bearer, nil)
}

// Post sends POST path with a JSON body and no token.
func (c *Client) Post(ctx context.Context, path string, body []byte) (int, []byte, error) {
	return c.do(ctx, http.MethodPost, path, "", body)
}

func (c *Client) do(ctx context.Context, method, path, bearer string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err // *url.Error names the method and URL (no token in it)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	switch {
	case err != nil:
		return 0, nil, fmt.Errorf("%s %s: reading the answer (status %d): %w", method, path, resp.StatusCode, err)
	case len(b) > MaxBody:
		return 0, nil, fmt.Errorf("%s %s: answer larger than %d bytes", method, path, MaxBody)
	}
	return resp.StatusCode, b, nil
}
