package ginsession_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"

	"github.com/sessiongen/sessiongen/adapters/ginsession"
	"github.com/sessiongen/sessiongen/adapters/ginsession/internal/testapp"
)

// The generated interface of a Visitor session (here package testapp's;
// in an application, its own package's, from
// //go:generate go tool sessiongen -type=Visitor) installed on a gin
// engine. The second request brings the cookie of the first.
func ExampleMiddleware() {
	sessions, err := testapp.NewVisitorManager(testapp.VisitorConfig{
		SecretKey:     []byte("an example key of 32 bytes or more"),
		DisableSecure: true, // the example serves plain HTTP
	})
	if err != nil {
		log.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(ginsession.Middleware(sessions)) // S, testapp.VisitorSession, is inferred
	r.GET("/counter", func(c *gin.Context) {
		s := testapp.VisitorFrom(c.Request.Context())
		s.SetVisits(s.Visits() + 1)
		c.String(http.StatusOK, "Visits: %d\n", s.Visits())
	})

	first := httptest.NewRecorder()
	r.ServeHTTP(first, httptest.NewRequest("GET", "/counter", nil))
	fmt.Print(first.Body)

	again := httptest.NewRequest("GET", "/counter", nil)
	for _, c := range first.Result().Cookies() {
		again.AddCookie(c)
	}
	second := httptest.NewRecorder()
	r.ServeHTTP(second, again)
	fmt.Print(second.Body)
	// Output:
	// Visits: 1
	// Visits: 2
}
