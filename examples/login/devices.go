package main

import (
	"errors"
	"fmt"
	"html/template"
	"log"
	"net/http"

	"github.com/sessiongen/sessiongen"
)

// "Your devices": the browsers where the user is logged in, as the store
// lists the user's sessions (ListUser), with a button to end each of the
// others (DestroySession) and one to end them all (DestroyOthers). Served
// only with a server-side store (see newHandler); the buttons are POST
// forms, behind CrossOriginProtection like logout.

// devicesPage is an html/template: everything it shows is escaped for
// where it shows it. The User-Agent in particular is whatever the browser,
// or an attacker, sent.
var devicesPage = template.Must(template.New("devices").Parse(`<!doctype html>
<title>Your devices</title>
{{range .Flashes}}<p class="flash {{.Category}}">{{.Message}}</p>
{{end -}}
<h1>Your devices</h1>
<p>{{.User}} is logged in on these browsers, the most recently used first. End a session you do not recognise.</p>
<table>
<tr><th>Browser</th><th>Address</th><th>Started</th><th>Last used</th><th></th></tr>
{{range .Sessions -}}
<tr class="session{{if .Current}} current{{end}}">
<td class="browser">{{or .UserAgent "unknown"}}</td>
<td class="address">{{or .Addr "unknown"}}</td>
<td>{{.Created.UTC.Format "2006-01-02 15:04:05 MST"}}</td>
<td>{{.LastUsed.UTC.Format "2006-01-02 15:04:05 MST"}}</td>
<td>{{if .Current}}<strong>this device</strong>{{else -}}
<form method="post" action="/devices/end"><input type="hidden" name="handle" value="{{.Handle}}"><button>End this session</button></form>
{{- end}}</td>
</tr>
{{end -}}
</table>
{{if gt (len .Sessions) 1 -}}
<form method="post" action="/devices/end-others"><button>Log out my other sessions</button></form>
{{end -}}
<p><a href="/">Back</a></p>
`))

// listDevices shows the devices page.
func (a *app) listDevices(w http.ResponseWriter, r *http.Request) {
	sess := VisitorFrom(r.Context())
	if !sess.HasUsername() {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	sessions, err := a.sessions.ListUser(r.Context(), sess.Username())
	if err != nil {
		storeFailed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // it lists addresses: keep it out of caches
	err = devicesPage.Execute(w, struct {
		Flashes  []sessiongen.Flash
		User     string
		Sessions []sessiongen.UserSession
	}{sess.Flashes(), sess.Username(), sessions})
	if err != nil {
		log.Printf("devices page: %v", err)
	}
}

// endSession ends the session whose handle the form sends. A handle is
// no secret (it is not part of any cookie), and it names a session of the
// logged-in user only: another user's ends nothing.
func (a *app) endSession(w http.ResponseWriter, r *http.Request) {
	sess := VisitorFrom(r.Context())
	if !sess.HasUsername() {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	err := a.sessions.DestroySession(r.Context(), sess.Username(), r.PostFormValue("handle"))
	switch {
	case errors.Is(err, sessiongen.ErrNotFound):
		sess.Flash("That session had already ended")
	case err != nil:
		storeFailed(w, r, err)
		return
	case !sess.HasUsername():
		// The handle was this browser's own: a logout.
		sess.Flash("You were logged out")
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	default:
		sess.Flash("The session was ended: that browser is logged out")
	}
	http.Redirect(w, r, "/devices", http.StatusSeeOther)
}

// endOtherSessions ends every session of the user but this browser's.
func (a *app) endOtherSessions(w http.ResponseWriter, r *http.Request) {
	sess := VisitorFrom(r.Context())
	if !sess.HasUsername() {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	n, err := a.sessions.DestroyOthers(r.Context())
	if err != nil {
		storeFailed(w, r, err)
		return
	}
	switch n {
	case 0:
		sess.Flash("There was no other session")
	case 1:
		sess.Flash("Logged out 1 other session")
	default:
		sess.Flash(fmt.Sprintf("Logged out %d other sessions", n))
	}
	http.Redirect(w, r, "/devices", http.StatusSeeOther)
}

// storeFailed answers a request whose store call failed (the store is
// unreachable, say) with a 503, and logs why.
func storeFailed(w http.ResponseWriter, r *http.Request, err error) {
	log.Printf("session store: %s %s: %v", r.Method, r.URL.Path, err)
	http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
}
