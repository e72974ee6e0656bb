package runtime

import (
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
