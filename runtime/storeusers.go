package runtime

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// A user's sessions on a store: listed with their devices, ended one by
// one or all but the current one.

// handleOf returns the handle of the record under key: a hash of the key,
// itself a hash of the session ID, so that it can be shown to the user and
// sent back in a form without revealing anything a cookie is made from.
func handleOf(key string) string {
	h := sha256.New()
	h.Write([]byte("sessiongen session handle\x00"))
	h.Write([]byte(key))
	var sum [sha256.Size]byte
	return base64.RawURLEncoding.EncodeToString(h.Sum(sum[:0])[:18])
}

// indexed returns an error unless sessions are indexed by user, which op
// needs.
func (ss *storeStorage) indexed(op string) error {
	if ss.cfg.UserKey == "" {
		return &ConfigError{Field: "UserKey", Err: ErrCookieConfig, Hint: op + " needs sessions indexed by user: name the session key that holds the user in Config.UserKey"}
	}
	return nil
}

// userOf returns how the store names user, or an error if sessions are
// not indexed by user.
func (ss *storeStorage) userOf(user, op string) (User, error) {
	if err := ss.indexed(op); err != nil {
		return User{}, err
	}
	return ss.keys.user(user), nil
}

func (ss *storeStorage) listUser(ctx context.Context, user string, current *sessionimpl.Meta) ([]UserSession, error) {
	u, err := ss.userOf(user, "ListUser")
	if err != nil {
		return nil, err
	}
	recs, err := ss.listRecords(ctx, u)
	if err != nil {
		return nil, err
	}
	var cur string
	if ref := currentRef(current); ref != nil {
		cur = ref.key
	}
	out := make([]UserSession, 0, len(recs))
	for _, r := range recs {
		out = append(out, UserSession{Handle: handleOf(r.Key), Current: r.Key == cur, Expires: r.Record.Expires, Device: r.Record.Device})
	}
	slices.SortStableFunc(out, func(a, b UserSession) int {
		if c := b.LastUsed.Compare(a.LastUsed); c != 0 {
			return c
		}
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return cmp.Compare(a.Handle, b.Handle)
	})
	return out, nil
}

// listRecords asks the store for the live records of u, under the store
// deadline.
func (ss *storeStorage) listRecords(ctx context.Context, u User) ([]UserRecord, error) {
	ctx, end := ss.deadline(ctx, nil)
	defer end.done()
	recs, err := ss.store.ListUser(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("sessiongen: listing the sessions of a user: %w", err)
	}
	return recs, nil
}

// currentRef returns the record of the session m, if it has one that
// was loaded or saved.
func currentRef(m *sessionimpl.Meta) *storeRef {
	if m == nil {
		return nil
	}
	if ref := record(m); ref != nil && ref.version != 0 {
		return ref
	}
	return nil
}

func (ss *storeStorage) destroyHandle(ctx context.Context, user, handle string, current *sessionimpl.Meta) (bool, error) {
	u, err := ss.userOf(user, "DestroySession")
	if err != nil {
		return false, err
	}
	recs, err := ss.listRecords(ctx, u)
	if err != nil {
		return false, err
	}
	for _, r := range recs {
		if handleOf(r.Key) != handle {
			continue
		}
		if ref := currentRef(current); ref != nil && ref.key == r.Key {
			return true, nil
		}
		dctx, end := ss.deadline(ctx, nil)
		defer end.done()
		if err := ss.store.Delete(dctx, r.Key, 0); err != nil {
			return false, fmt.Errorf("sessiongen: ending a session of a user: %w", err)
		}
		return false, nil
	}
	return false, fmt.Errorf("sessiongen: no live session of this user has handle %q: %w", handle, ErrNotFound)
}

func (ss *storeStorage) deleteOthers(ctx context.Context, m *sessionimpl.Meta) (int, error) {
	if err := ss.indexed("DestroyOthers"); err != nil {
		return 0, err
	}
	ref := currentRef(m)
	if ref == nil || ref.user == "" {
		return 0, ErrNoUser
	}
	u := User{Index: ref.user}
	if ref.legacy {
		// The layout before namespaces: the record names its user.
		u = ss.keys.user(ref.user)
	}
	u.Keep = ref.key
	ctx, end := ss.deadline(ctx, ref)
	defer end.done()
	n, err := ss.store.DeleteUser(ctx, u)
	if err != nil {
		return n, fmt.Errorf("sessiongen: ending the other sessions of a user: %w", err)
	}
	return n, nil
}
