package runtime

import (
	"errors"
	"net/http"
	"net/url"
)

// Cookie returns the cookie that carries s, as SaveSession would set it in
// answer to r (nil: a GET of "/"): for an end-to-end test that starts from a
// given session (a client's cookie jar or req.AddCookie takes it), as
// Flask's session_transaction does. With a Store, the session is saved in
// it. s is marked modified.
func (si *Interface[S]) Cookie(r *http.Request, s *S) (*http.Cookie, error) {
	if r == nil {
		r = &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/"}, Header: http.Header{}, Host: "localhost"}
	}
	st := si.codec.State(s)
	st.Modify()
	h := headerWriter{}
	if err := si.SaveSession(h, r, s); err != nil {
		return nil, err
	}
	name := si.CookieName(r)
	for _, line := range h["Set-Cookie"] {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == name && c.Value != "" {
			return c, nil
		}
	}
	if err := st.Err(); err != nil {
		return nil, err
	}
	return nil, errors.New("sessiongen: the session sets no cookie: it is empty")
}

// headerWriter is a ResponseWriter that keeps the headers only.
type headerWriter http.Header

func (h headerWriter) Header() http.Header         { return http.Header(h) }
func (h headerWriter) Write(b []byte) (int, error) { return len(b), nil }
func (h headerWriter) WriteHeader(int)             {}
