package runtime

import (
	"errors"

	"github.com/sessiongen/sessiongen/runtime/sessionimpl"
)

// ErrNullSession is recorded when a null session (see
// [Interface.MakeNullSession]) is written to. The message is Flask's.
var ErrNullSession = sessionimpl.ErrNullSession

// Flash is a message stored for the next request that shows it, with its
// category (Flask's flash and get_flashed_messages).
type Flash = sessionimpl.Flash

// DefaultFlashCategory is the category of a flash given none, as in Flask.
const DefaultFlashCategory = sessionimpl.DefaultFlashCategory

// ErrWriteAfterSave is reported to Config.OnError when a handler changes the
// session after the response began (after its first byte): the cookie had
// already been sent, so the change is lost. Change the session before
// writing the body.
var ErrWriteAfterSave = errors.New("sessiongen: the session was changed after the response began; the change is lost: change the session before writing the body")
