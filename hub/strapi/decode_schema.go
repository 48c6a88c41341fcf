package strapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/iohub/iohub/hub/sanitize"
)

// This file decodes the content-type builder's schema answers, which a
// full-access API token may read on Strapi v4 and v5 alike (measured on the
// e2e projects; /content-type-builder/... without /api is admin-only):
//
//	GET /api/content-type-builder/content-types
//	  {"data": [{"uid": "api::message.message", "plugin": "..." (plugins only),
//	             "apiID": "message", "schema": {"kind": "collectionType",
//	             "draftAndPublish": true, "populateCreatorFields": true (if set),
//	             "privateAttributes": ["..."] (if set),
//	             "attributes": {"text": {"type": "string"},
//	                            "secret": {"type": "string", "private": true},
//	                            "author": {"type": "relation", "relation": "manyToOne",
//	                                       "target": "plugin::users-permissions.user"}}}}]}
//	GET /api/content-type-builder/components
//	  {"data": [{"uid": "shared.seo", "category": "shared", "schema": {"attributes": {..}}}]}
//
// The schema's options (draftAndPublish, populateCreatorFields,
// privateAttributes) are spread into "schema". Attributes Strapi hides from
// the builder (createdBy, updatedBy, timestamps, i18n's localizations) are not
// listed; the views handle them by name. Strapi's global
// api.responses.privateAttributes setting is not readable this way.

// Limits on one answer: far above any real app, they keep a hostile answer
// from building a huge table.
const (
	maxTypes = 10000
	maxAttrs = 2000
)

// decodeSchemas parses the two answers into the table's types.
func decodeSchemas(contentTypes, components []byte) ([]sanitize.Type, error) {
	cts, err := decodeSchemaList(contentTypes, false)
	if err != nil {
		return nil, fmt.Errorf("content types: %w", err)
	}
	comps, err := decodeSchemaList(components, true)
	if err != nil {
		return nil, fmt.Errorf("components: %w", err)
	}
	return append(cts, comps...), nil
}

func decodeSchemaList(body []byte, component bool) ([]sanitize.Type, error) {
	var doc struct {
		Data *[]json.RawMessage `json:"data"`
	}
	if err := strictObject(body, &doc); err != nil {
		return nil, err
	}
	if doc.Data == nil {
		return nil, errors.New(`no "data" list in the answer`)
	}
	if len(*doc.Data) > maxTypes {
		return nil, fmt.Errorf("%d schemas; at most %d are supported", len(*doc.Data), maxTypes)
	}
	types := make([]sanitize.Type, 0, len(*doc.Data))
	for i, raw := range *doc.Data {
		t, err := decodeSchema(raw, component)
		if err != nil {
			return nil, fmt.Errorf("data[%d]: %w", i, err)
		}
		types = append(types, t)
	}
	return types, nil
}

type schemaAttr struct {
	Type      string `json:"type"`
	Private   any    `json:"private"` // only JSON true counts
	Target    string `json:"target"`
	Relation  string `json:"relation"`
	Component string `json:"component"`
}

func decodeSchema(raw json.RawMessage, component bool) (sanitize.Type, error) {
	var doc struct {
		UID    string `json:"uid"`
		Schema *struct {
			Attributes            map[string]*schemaAttr `json:"attributes"`
			PopulateCreatorFields any                    `json:"populateCreatorFields"`
			PrivateAttributes     []any                  `json:"privateAttributes"`
		} `json:"schema"`
	}
	if err := strictObject(raw, &doc); err != nil {
		return sanitize.Type{}, err
	}
	switch {
	case doc.UID == "":
		return sanitize.Type{}, errors.New(`no "uid"`)
	case doc.Schema == nil || doc.Schema.Attributes == nil:
		return sanitize.Type{}, fmt.Errorf("%s: no schema attributes", doc.UID)
	case len(doc.Schema.Attributes) > maxAttrs:
		return sanitize.Type{}, fmt.Errorf("%s: %d attributes; at most %d are supported", doc.UID, len(doc.Schema.Attributes), maxAttrs)
	}
	if !component && !strings.Contains(doc.UID, "::") {
		return sanitize.Type{}, fmt.Errorf("uid %q is not a content-type uid", doc.UID)
	}
	private := map[string]bool{}
	for _, p := range doc.Schema.PrivateAttributes {
		if s, ok := p.(string); ok {
			private[s] = true
		}
	}
	t := sanitize.Type{
		UID:                   doc.UID,
		Attrs:                 make(map[string]sanitize.Attr, len(doc.Schema.Attributes)),
		PopulateCreatorFields: doc.Schema.PopulateCreatorFields == true,
		Component:             component,
	}
	for name, a := range doc.Schema.Attributes {
		if a == nil || a.Type == "" {
			return sanitize.Type{}, fmt.Errorf("%s.%s: no attribute type", doc.UID, name)
		}
		attr := sanitize.Attr{Kind: a.Type, Private: a.Private == true || private[name]}
		switch a.Type {
		case sanitize.KindRelation:
			attr.Morph = sanitize.IsMorph(a.Relation)
			if !attr.Morph {
				if a.Target == "" {
					return sanitize.Type{}, fmt.Errorf("%s.%s: relation without a target", doc.UID, name)
				}
				attr.Target = a.Target
			}
		case sanitize.KindComponent:
			if a.Component == "" {
				return sanitize.Type{}, fmt.Errorf("%s.%s: component attribute without a component", doc.UID, name)
			}
			attr.Component = a.Component
		}
		t.Attrs[name] = attr
	}
	return t, nil
}
