package echosession_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v4"

	"github.com/sessiongen/sessiongen/adapters/echosession"
	"github.com/sessiongen/sessiongen/adapters/echosession/internal/testapp"
)

// The generated interface of a Visitor session (here package testapp's;
// in an application, its own package's, from
// //go:generate go tool sessiongen -type=Visitor) installed on an echo
// server. The second request brings the cookie of the first.
func ExampleMiddleware() {
	sessions, err := testapp.NewVisitorManager(testapp.VisitorConfig{
		SecretKey:     []byte("an example key of 32 bytes or more"),
		DisableSecure: true, // the example serves plain HTTP
	})
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(echosession.Middleware(sessions)) // S, testapp.VisitorSession, is inferred
	e.GET("/counter", func(c echo.Context) error {
		s := testapp.VisitorFrom(c.Request().Context())
		s.SetVisits(s.Visits() + 1)
		return c.String(http.StatusOK, fmt.Sprintf("Visits: %d\n", s.Visits()))
	})

	first := httptest.NewRecorder()
	e.ServeHTTP(first, httptest.NewRequest("GET", "/counter", nil))
	fmt.Print(first.Body)

	again := httptest.NewRequest("GET", "/counter", nil)
	for _, c := range first.Result().Cookies() {
		again.AddCookie(c)
	}
	second := httptest.NewRecorder()
	e.ServeHTTP(second, again)
	fmt.Print(second.Body)
	// Output:
	// Visits: 1
	// Visits: 2
}
