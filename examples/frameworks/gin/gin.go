// Package ginapp serves the app with gin. gin handlers write through
// c.Writer, gin's own writer, so the sessions install with the gin
// adapter, github.com/sessiongen/sessiongen/adapters/ginsession, rather
// than the net/http middleware.
package ginapp

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sessiongen/sessiongen/adapters/ginsession"
	"github.com/sessiongen/sessiongen/examples/frameworks/app"
)

// New returns the app's engine, with sessions installed on it.
func New(sessions *app.VisitorManager) http.Handler {
	r := gin.New()
	r.Use(ginsession.Middleware(sessions))
	routes(r)
	return r
}

// newGrouped is New with sessions installed on a route group only.
func newGrouped(sessions *app.VisitorManager) http.Handler {
	r := gin.New()
	g := r.Group("/")
	g.Use(ginsession.Middleware(sessions))
	routes(g)
	return r
}

func routes(r gin.IRoutes) {
	r.GET("/", func(c *gin.Context) {
		c.String(http.StatusOK, "%s", app.Index(session(c)))
	})
	r.GET("/login", func(c *gin.Context) {
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(app.LoginForm))
	})
	r.POST("/login", func(c *gin.Context) {
		if err := app.Login(session(c), c.PostForm("username")); err != nil {
			c.String(http.StatusBadRequest, "%s\n", err)
			return
		}
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.POST("/logout", func(c *gin.Context) {
		app.Logout(session(c))
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.GET("/counter", func(c *gin.Context) {
		c.String(http.StatusOK, "%s", app.Count(session(c)))
	})
}

// session returns the request's session.
func session(c *gin.Context) *app.VisitorSession { return app.VisitorFrom(c.Request.Context()) }
