package runtime

import (
	"context"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// Regenerate gives the session of the request carrying ctx a new ID,
// keeping its data: call it at login and at every change of privilege, so
// that an ID planted before (session fixation) or seen before is worth
// nothing after. The new ID goes out with the response; its record is
// created when the session is saved, in the same step that deletes the
// record under the old ID, and only if no other request changed or ended
// that record since this one loaded it (else the request answers 409, and
// a session ended by a logout or DestroyAll stays ended). A save that
// changes the value of Config.UserKey, or follows Clear, does the same by
// itself. With cookie sessions there is no ID: the session is marked
// modified, so a new cookie is minted, but a copy of the old cookie stays
// valid until it expires.
func (si *Interface[S]) Regenerate(ctx context.Context) error {
	s := From[S](ctx)
	if s == nil {
		return ErrNoSession
	}
	st := si.codec.State(s)
	if !st.Modify() {
		return st.Err()
	}
	m := st.Meta()
	if m.LoadErr != nil {
		return m.LoadErr
	}
	m.Status |= sessionimpl.StatusRenew
	return nil
}

// Destroy ends the session of the request carrying ctx: its record is
// deleted now (server-side sessions), its data cleared, and the response
// deletes the cookie, so a copy of the cookie taken before opens nothing.
// What the handler stores afterwards starts a new session with a new ID.
// With cookie sessions it clears the session; a copy of the old cookie
// stays valid until it expires.
func (si *Interface[S]) Destroy(ctx context.Context) error {
	s := From[S](ctx)
	if s == nil {
		return ErrNoSession
	}
	st := si.codec.State(s)
	st.Load()
	m := st.Meta()
	if m.LoadErr != nil {
		return m.LoadErr
	}
	if m.Has(sessionimpl.StatusNull) {
		st.Modify() // records ErrNullSession
		return st.Err()
	}
	err := si.storage.destroy(ctx, m)
	// Everything goes, fields and metadata: the session is new, and emptied
	// by this request, so the save deletes the cookie.
	kept := m.Status & (sessionimpl.StatusSaved | sessionimpl.StatusLate)
	var zero S
	*s = zero
	st = si.codec.State(s)
	st.Meta().Status = kept | sessionimpl.StatusNew
	st.Modify()
	return err
}

// DestroyAll ends every server-side session of user (the value of the
// Config.UserKey field when they were saved), on every instance of the
// application, and returns how many it ended. A request of that user that
// is under way cannot bring its session back (see Store.Commit).
func (si *Interface[S]) DestroyAll(ctx context.Context, user string) (int, error) {
	if si.storage == nil {
		return 0, ErrNoStore
	}
	return si.storage.deleteUser(ctx, user)
}
