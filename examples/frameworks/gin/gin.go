// Package ginapp serves the app with gin, through Sessions, an adapter
// that gin needs and chi and echo do not: gin handlers write through
// c.Writer, gin's own writer, not through the http.ResponseWriter a
// net/http middleware hands on.
package ginapp

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sessiongen/sessiongen/examples/frameworks/app"
)

// New returns the app's engine, with Sessions installed on it.
func New(sessions *app.VisitorInterface) http.Handler {
	r := gin.New()
	r.Use(Sessions(sessions))
	routes(r)
	return r
}

// newGrouped is New with Sessions installed on a route group only.
func newGrouped(sessions *app.VisitorInterface) http.Handler {
	r := gin.New()
	g := r.Group("/")
	g.Use(Sessions(sessions))
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
