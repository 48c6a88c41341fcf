package strapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Strapi sends no webhook when a user is deleted through DELETE /api/users/:id,
// and none reaches a hub that was down when one was sent, so the sockets of
// connected users are re-checked on every sync: their ids are looked up in
// batches, GET /api/users?filters[id][$in][0]=1&...&limit=100 with the API
// token (users-permissions' own find, the same on v4 and v5; it honours
// `limit`, not pagination[...]). An id Strapi no longer returns, or returns
// blocked, is gone. A failed batch decides nothing: an outage must not cut
// everyone off.

// userBatch is how many ids one request asks about; with 100 the URL stays
// under 4 KiB.
const userBatch = 100

// userState is what a batch answer says about one user.
type userState struct {
	Blocked   bool
	Confirmed bool
}

// checkUsers asks Strapi about ids and reports the ones gone: absent, blocked,
// or unconfirmed when requireConfirmed. Ids that are not Strapi ids (digits)
// are skipped: they came from another issuer's tokens.
func (s *Syncer) checkUsers(ctx context.Context, ids []string, requireConfirmed bool) ([]string, error) {
	var gone []string
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		q := url.Values{"fields[0]": {"blocked"}, "fields[1]": {"confirmed"}, "limit": {strconv.Itoa(userBatch)}}
		for i, id := range batch {
			q.Set("filters[id][$in]["+strconv.Itoa(i)+"]", id)
		}
		body, err := s.get(ctx, "/api/users?"+q.Encode())
		if err != nil {
			return err
		}
		known, err := decodeUserBatch(body)
		if err != nil {
			return fmt.Errorf("GET /api/users: %w", err)
		}
		for _, id := range batch {
			st, ok := known[id]
			if !ok || st.Blocked || (requireConfirmed && !st.Confirmed) {
				gone = append(gone, id)
			}
		}
		batch = batch[:0]
		return nil
	}
	for _, id := range ids {
		if !isStrapiID(id) {
			continue
		}
		batch = append(batch, id)
		if len(batch) == userBatch {
			if err := flush(); err != nil {
				return gone, err
			}
		}
	}
	return gone, flush()
}

// isStrapiID: users-permissions ids are positive integers.
func isStrapiID(id string) bool {
	if id == "" || len(id) > 18 || strings.TrimLeft(id, "0123456789") != "" {
		return false
	}
	return true
}

// decodeUserBatch parses the answer of GET /api/users (a bare JSON list, v4
// and v5) into the state of each id. Booleans other than JSON true/false are
// refused: a user whose standing cannot be read is not silently kept.
func decodeUserBatch(body []byte) (map[string]userState, error) {
	var list []struct {
		ID        json.Number `json:"id"`
		Blocked   *bool       `json:"blocked"`
		Confirmed *bool       `json:"confirmed"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("the answer is not a list of users: %v", err)
	}
	if list == nil {
		return nil, errors.New("the answer is not a list of users")
	}
	out := make(map[string]userState, len(list))
	for i, u := range list {
		id, err := strconv.ParseInt(u.ID.String(), 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("[%d]: id %q is not a user id", i, u.ID)
		}
		if u.Blocked == nil {
			return nil, fmt.Errorf("[%d]: no blocked field", i)
		}
		st := userState{Blocked: *u.Blocked, Confirmed: true}
		if u.Confirmed != nil {
			st.Confirmed = *u.Confirmed
		}
		out[strconv.FormatInt(id, 10)] = st
	}
	return out, nil
}

// recheckUsers checks the connected users and reports the gone ones to
// Options.UserGone. Nothing to do without Users.
func (s *Syncer) recheckUsers(ctx context.Context) error {
	if s.opts.Users == nil || s.opts.UserGone == nil {
		return nil
	}
	ids := s.opts.Users()
	if len(ids) == 0 {
		return nil
	}
	gone, err := s.checkUsers(ctx, ids, s.opts.RequireConfirmed)
	for _, id := range gone {
		s.opts.UserGone(id)
	}
	if err != nil {
		return fmt.Errorf("re-checking connected users: %w", err)
	}
	if len(gone) > 0 {
		s.log.Info("strapi: connected users deleted or blocked in Strapi were disconnected", "users", gone)
	}
	return nil
}
