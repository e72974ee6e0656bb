// Package browser tests examples/login end to end in a real headless
// Chromium, driven through the DevTools protocol by chromedp: the login
// form, the visit counter, the HttpOnly session cookie, the logout form, a
// form on another origin that is refused, and a login that survives a
// restart of the server with the same secret key; and, in two browsers at
// once, the devices page of a server-side store, whose buttons log the
// other browser out.
//
// It is a module of its own so that chromedp stays out of the main module's
// go.mod. The test builds examples/login from the main module (../..) and
// runs the program as a user would:
//
//	apt-get install chromium     # Debian; or have chromium-browser or google-chrome on PATH
//	cd examples/browser && go test -count=1 -v ./...
//
// Without a browser on PATH the test skips, unless CI is set: then it
// fails. On a failure it saves a screenshot of the page and says where.
package browser
