// Package echoapp serves the app with echo, the sessions installed with
// the echo adapter, github.com/sessiongen/sessiongen/adapters/echosession,
// on the whole server or on a group.
package echoapp

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sessiongen/sessiongen/adapters/echosession"
	"github.com/sessiongen/sessiongen/examples/frameworks/app"
)

// New returns the app's server, with sessions installed.
func New(sessions *app.VisitorManager) http.Handler {
	e := echo.New()
	e.Use(echosession.Middleware(sessions))
	routes(e.Group(""))
	return e
}

// newGrouped is New with sessions installed on a group only.
func newGrouped(sessions *app.VisitorManager) http.Handler {
	e := echo.New()
	routes(e.Group("", echosession.Middleware(sessions)))
	return e
}

func routes(g *echo.Group) {
	g.GET("/", func(c echo.Context) error {
		return c.String(http.StatusOK, app.Index(session(c)))
	})
	g.GET("/login", func(c echo.Context) error {
		return c.HTML(http.StatusOK, app.LoginForm)
	})
	g.POST("/login", func(c echo.Context) error {
		if err := app.Login(session(c), c.FormValue("username")); err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		return c.Redirect(http.StatusSeeOther, "/")
	})
	g.POST("/logout", func(c echo.Context) error {
		app.Logout(session(c))
		return c.Redirect(http.StatusSeeOther, "/")
	})
	g.GET("/counter", func(c echo.Context) error {
		return c.String(http.StatusOK, app.Count(session(c)))
	})
}

// session returns the request's session.
func session(c echo.Context) *app.VisitorSession { return app.VisitorFrom(c.Request().Context()) }
