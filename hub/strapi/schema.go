package strapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/iohub/iohub/hub/sanitize"
)

// The content-type schemas, read with the API token on every sync like the
// roles: Strapi sends no webhook when a type changes (a change restarts
// Strapi, which the next sync sees).
const (
	contentTypesPath = "/api/content-type-builder/content-types"
	componentsPath   = "/api/content-type-builder/components"
)

// syncSchemas reads the schemas and applies them when they changed. A Strapi
// without the content-type builder's API (404: the plugin removed or its
// routes disabled) leaves the hub on the conservative rule, said once.
func (s *Syncer) syncSchemas(ctx context.Context) error {
	if s.opts.ApplySchemas == nil {
		return nil
	}
	cts, status, err := s.getStatus(ctx, contentTypesPath)
	if err == nil && status == http.StatusNotFound {
		if !s.noCTB {
			s.noCTB = true
			s.log.Warn("strapi: " + contentTypesPath + " answered 404; without content-type schemas, events get the conservative rule (user relations reduced to their id)")
		}
		return nil
	}
	if err != nil {
		return err
	}
	comps, err := s.get(ctx, componentsPath)
	if err != nil {
		return err
	}
	s.noCTB = false
	types, err := decodeSchemas(cts, comps)
	if err != nil {
		return fmt.Errorf("reading the content-type schemas: %w", err)
	}
	table := sanitize.NewSchemas(types)
	if s.schemas != nil && s.schemas.Equal(table) {
		return nil
	}
	s.opts.ApplySchemas(table)
	s.schemas = table
	s.log.Info("strapi: content-type schemas synced", "types", table.Len())
	return nil
}

// getStatus is get that lets a 404 through, as the status.
func (s *Syncer) getStatus(ctx context.Context, path string) ([]byte, int, error) {
	status, body, err := s.api.Get(ctx, path)
	if err == nil && status == http.StatusNotFound {
		return nil, status, nil
	}
	body, err = s.check(path, status, body, err)
	return body, status, err
}
