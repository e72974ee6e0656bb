package runtime

// The signers' errors' causes, for CookieError.Cause.

var (
	errNotCookieValue = errorString("not a cookie value net/http accepts")
	errMalformed      = errorString("malformed value")
	errBadMAC         = errorString("the MAC does not verify under any key")
)

type errorString string

func (e errorString) Error() string { return string(e) }
