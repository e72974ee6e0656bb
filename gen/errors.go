package gen

import (
	"errors"
	"fmt"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
)

// ErrUnsupported is matched by errors.Is for every problem in the user's
// declarations (as opposed to failures to load the package at all).
var ErrUnsupported = errors.New("unsupported declaration")

// Error is a problem with the user's declaration, at a position in their
// source.
type Error struct {
	Pos   token.Position // where: file, line, column
	Field string         // the struct field, if the problem is one field's
	Msg   string         // what is wrong, and how to fix it

	msg *message // Msg before the positions in it are made relative
}

// errorAt returns the Error at pos with the message format and args. The
// checkers give absolute positions, in pos and among args (the place of
// another field, say): the list of a run makes them all relative at once
// when it is reported (ErrorList.reported).
func errorAt(pos token.Position, field, format string, args ...any) *Error {
	m := msgf(format, args...)
	return &Error{Pos: pos, Field: field, Msg: m.render(""), msg: m}
}

// A message is an Error's text before the file names of the positions in
// it are made relative: a format and its arguments, among which each
// token.Position is made relative, and each message rendered in turn.
type message struct {
	format string
	args   []any
}

func msgf(format string, args ...any) *message {
	// Formatted once here, unused: go vet then knows msgf, and errorAt
	// which calls it, as printf wrappers, and checks every checker's
	// format string against its arguments.
	_ = fmt.Sprintf(format, args...)
	return &message{format, args}
}

// render formats the message, the positions in it made relative to dir
// (left absolute for "").
func (m *message) render(dir string) string {
	args := make([]any, len(m.args))
	for i, a := range m.args {
		switch a := a.(type) {
		case token.Position:
			args[i] = relativePosition(a, dir)
		case *message:
			args[i] = a.render(dir)
		default:
			args[i] = a
		}
	}
	return fmt.Sprintf(m.format, args...)
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Pos.IsValid() {
		fmt.Fprintf(&b, "%s: ", e.Pos)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, "field %s: ", e.Field)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is makes errors.Is(err, ErrUnsupported) hold.
func (e *Error) Is(target error) bool { return target == ErrUnsupported }

// ErrorList is every problem found in one run, sorted by position.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap returns the errors, for errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// reported returns the list as Generate reports it: the file names of its
// positions made relative to dir when below it, so that messages and golden
// files carry no machine paths; sorted by position, each problem once.
func (l ErrorList) reported(dir string) ErrorList {
	for _, e := range l {
		e.Pos = relativePosition(e.Pos, dir)
		if e.msg != nil {
			e.Msg = e.msg.render(dir)
		}
	}
	return l.sorted()
}

// sorted returns the list sorted by position, each problem once: a type
// used by several fields is checked for each, and its problems are the
// same each time.
func (l ErrorList) sorted() ErrorList {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	out := l[:0]
	seen := map[string]bool{}
	for _, e := range l {
		if msg := e.Error(); !seen[msg] {
			seen[msg] = true
			out = append(out, e)
		}
	}
	return out
}

// relativePosition makes a position's file name relative to dir when it is
// below it.
func relativePosition(p token.Position, dir string) token.Position {
	if dir == "" || p.Filename == "" {
		return p
	}
	if rel, err := filepath.Rel(dir, p.Filename); err == nil && !strings.HasPrefix(rel, "..") {
		p.Filename = rel
	}
	return p
}
