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
// below it, so that messages and golden files carry no machine paths.
func relativePosition(p token.Position, dir string) token.Position {
	if dir == "" || p.Filename == "" {
		return p
	}
	if rel, err := filepath.Rel(dir, p.Filename); err == nil && !strings.HasPrefix(rel, "..") {
		p.Filename = rel
	}
	return p
}
