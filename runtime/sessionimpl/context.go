package sessionimpl

import (
	"context"
	"fmt"
)

// contextKey is the context key of sessions of type S.
type contextKey[S any] struct{}

// From returns the session of type S in ctx, or nil.
func From[S any](ctx context.Context) *S {
	s, _ := ctx.Value(contextKey[S]{}).(*S)
	return s
}

// MustFrom is From for the generated TFrom: a request without a session
// is a handler served without the middleware, a programming error that
// would otherwise surface as a nil pointer dereference deep in generated
// code, so it panics with a message that says what to do. name is the
// session type's name.
func MustFrom[S any](ctx context.Context, name string) *S {
	if s := From[S](ctx); s != nil {
		return s
	}
	panic(fmt.Sprintf("sessiongen: %[1]sFrom: this request has no %[1]s session: serve the handler through the %[1]sManager's Middleware "+
		"(handler = sessions.Middleware(handler); in chi, r.Use(sessions.Middleware)); "+
		"a framework adapter calls Begin (see examples/frameworks)", name))
}

// NewContext returns a copy of ctx carrying s.
func NewContext[S any](ctx context.Context, s *S) context.Context {
	return context.WithValue(ctx, contextKey[S]{}, s)
}

// WithSession is a context carrying the session s over its parent,
// answering From without the allocation of a context.WithValue: the
// runtime's middleware embeds one in the memory it allocates per request.
type WithSession[S any] struct {
	context.Context
	S *S
}

// Value returns the session for its key, and asks the parent for every
// other key.
func (c *WithSession[S]) Value(key any) any {
	if _, ok := key.(contextKey[S]); ok {
		return c.S
	}
	return c.Context.Value(key)
}

// String names the context as the context package's own do.
func (c *WithSession[S]) String() string {
	return fmt.Sprintf("%v.WithValue(sessiongen session)", c.Context)
}
