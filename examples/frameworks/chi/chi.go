// Package chiapp serves the app with chi. chi routes plain net/http
// handlers, so the session middleware installs as it is.
package chiapp

import (
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/sessiongen/sessiongen/examples/frameworks/app"
)

// New returns the app's router, with sessions installed.
func New(sessions *app.VisitorManager) http.Handler {
	r := chi.NewRouter()
	r.Use(sessions.Middleware)
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		text(w, app.Index(app.VisitorFrom(r.Context())))
	})
	r.Get("/login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, app.LoginForm)
	})
	r.Post("/login", func(w http.ResponseWriter, r *http.Request) {
		err := app.Login(app.VisitorFrom(r.Context()), r.PostFormValue("username"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	r.Post("/logout", func(w http.ResponseWriter, r *http.Request) {
		app.Logout(app.VisitorFrom(r.Context()))
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	r.Get("/counter", func(w http.ResponseWriter, r *http.Request) {
		text(w, app.Count(app.VisitorFrom(r.Context())))
	})
	return r
}

func text(w http.ResponseWriter, s string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, s)
}
