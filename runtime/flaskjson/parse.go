package flaskjson

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The bounds of a Parser whose fields are zero.
const (
	// DefaultMaxSize is the largest input a Parser reads: 1 MiB, 256 times
	// what a browser keeps in a cookie, room for a compressed payload
	// that expands well.
	DefaultMaxSize = 1 << 20
	// DefaultMaxDepth is how deeply lists and objects may nest. What
	// sessiongen writes stays within it: the 32 levels its generator
	// allows may each take two in JSON (a map whose one key looks like a
	// tag is escaped in a second object), plus the session object and a
	// tag.
	DefaultMaxDepth = 128
	// DefaultMaxValues bounds the values in the input, each key counted
	// as one: the memory the tree takes (20 bytes a value).
	DefaultMaxValues = 1 << 16
)

// Parser reads Flask's tagged JSON into a tree of [Value]s. A Parser may be
// reused, and should be: its memory is kept. The tree it returns is valid
// until its next Parse; the strings read from the tree are not tied to it.
//
// Parse copies its input into one string, and every string read from the
// tree that has no escapes is cut from it (the others from a second string
// holding them all, unescaped): reading strings allocates nothing more, and
// they keep those two strings alive.
type Parser struct {
	MaxSize   int // the largest input, in bytes; DefaultMaxSize if 0
	MaxDepth  int // how deeply lists and objects may nest; DefaultMaxDepth if 0
	MaxValues int // the most values, keys included; DefaultMaxValues if 0

	plain bool // json.loads alone: no untagging

	doc       document
	arena     []byte // escaped strings, unescaped, while parsing
	keys      []int32
	pos       int
	depth     int
	maxDepth  int
	maxValues int
}

// document is a parsed input: its values in preorder, each container
// followed by its contents (an object by key, value, key, value, ...).
type document struct {
	text  string // the input
	arena string // the unescaped strings
	nodes []node
}

// node is one value of a document.
type node struct {
	kind  Kind
	flags uint8
	off   int32 // strings, numbers, literals: where the text starts (in arena with inArena)
	end   int32 // and where it ends
	next  int32 // the index of the node after this value and its contents
	aux   int32 // lists, objects: how many elements or live members; tags: the index of the content
}

const (
	inArena uint8 = 1 << iota // a string with escapes: its text is in arena, unescaped
	dead                      // a key a later duplicate replaced
)

// str returns the string of node i (a String).
func (d *document) str(i int32) string {
	n := &d.nodes[i]
	if n.flags&inArena != 0 {
		return d.arena[n.off:n.end]
	}
	return d.text[n.off:n.end]
}

// Parse reads data as Flask's TaggedJSONSerializer.loads does: JSON as
// Python's json module reads it (NaN, Infinity and -Infinity included),
// then every object of exactly one key that is a tag key untagged. A
// duplicate key replaces the earlier one. The input must be UTF-8 and
// within the Parser's bounds. Errors match [ErrMalformed] or [ErrLimit].
func (p *Parser) Parse(data []byte) (Value, error) {
	maxSize := p.MaxSize
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if len(data) > maxSize {
		return Value{}, &limitError{"the input is longer than " + strconv.Itoa(maxSize) + " bytes"}
	}
	p.maxDepth, p.maxValues = p.MaxDepth, p.MaxValues
	if p.maxDepth <= 0 {
		p.maxDepth = DefaultMaxDepth
	}
	if p.maxValues <= 0 {
		p.maxValues = DefaultMaxValues
	}
	p.doc = document{text: string(data), nodes: p.doc.nodes[:0]}
	p.arena = p.arena[:0]
	p.pos, p.depth = 0, 0
	p.space()
	if err := p.value(); err != nil {
		p.doc.text = ""
		return Value{}, err
	}
	p.space()
	if p.pos != len(p.doc.text) {
		p.doc.text = ""
		return Value{}, p.syntax("extra data after the value")
	}
	if len(p.arena) > 0 {
		p.doc.arena = string(p.arena)
	}
	p.finish()
	return Value{&p.doc, 0}, nil
}

// Reset drops the last input and its tree, keeping the memory for the next
// Parse: a pooled Parser then keeps no input alive.
func (p *Parser) Reset() {
	p.doc.text, p.doc.arena = "", ""
	p.doc.nodes = p.doc.nodes[:0]
}

type limitError struct{ msg string }

func (e *limitError) Error() string        { return "flaskjson: " + e.msg }
func (e *limitError) Is(target error) bool { return target == ErrLimit }

func (p *Parser) syntax(msg string) error { return &SyntaxError{Offset: p.pos, Msg: msg} }

func (p *Parser) space() {
	s := p.doc.text
	for p.pos < len(s) {
		switch s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// add appends a node and returns its index.
func (p *Parser) add(n node) (int32, error) {
	if len(p.doc.nodes) >= p.maxValues {
		return 0, &limitError{"more than " + strconv.Itoa(p.maxValues) + " values"}
	}
	i := int32(len(p.doc.nodes))
	n.next = i + 1
	p.doc.nodes = append(p.doc.nodes, n)
	return i, nil
}

func (p *Parser) value() error {
	s := p.doc.text
	if p.pos >= len(s) {
		return p.syntax("expecting a value")
	}
	switch c := s[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.list()
	case c == '"':
		return p.str()
	case c == 't':
		return p.literal("true", Bool)
	case c == 'f':
		return p.literal("false", Bool)
	case c == 'n':
		return p.literal("null", Null)
	case c == 'N':
		return p.literal("NaN", Number)
	case c == 'I':
		return p.literal("Infinity", Number)
	case c == '-' && strings.HasPrefix(s[p.pos:], "-Infinity"):
		return p.literal("-Infinity", Number)
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	}
	return p.syntax("expecting a value")
}

func (p *Parser) literal(word string, kind Kind) error {
	if !strings.HasPrefix(p.doc.text[p.pos:], word) {
		return p.syntax("expecting a value")
	}
	_, err := p.add(node{kind: kind, off: int32(p.pos), end: int32(p.pos + len(word))})
	p.pos += len(word)
	return err
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?, the
// numbers of Python's json.
func (p *Parser) number() error {
	s := p.doc.text
	start := p.pos
	i := start
	if s[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i - j
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		p.pos = i
		return p.syntax("expecting a digit")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			p.pos = i
			return p.syntax("expecting a digit after the decimal point")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			p.pos = i
			return p.syntax("expecting a digit in the exponent")
		}
	}
	p.pos = i
	_, err := p.add(node{kind: Number, off: int32(start), end: int32(i)})
	return err
}

// str reads a string: cut from the input when it has no escapes, else
// unescaped into the arena.
func (p *Parser) str() error {
	s := p.doc.text
	start := p.pos + 1
	i := start
	ascii := true
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			if !ascii && !utf8.ValidString(s[start:i]) {
				return p.syntax("a string that is not UTF-8")
			}
			p.pos = i + 1
			_, err := p.add(node{kind: String, off: int32(start), end: int32(i)})
			return err
		case c == '\\':
			return p.escaped(start, i)
		case c < 0x20:
			p.pos = i
			return p.syntax("a control character in a string")
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	p.pos = i
	return p.syntax("an unterminated string")
}

// escaped reads the rest of the string that starts at start and has its
// first escape at i.
func (p *Parser) escaped(start, i int) error {
	s := p.doc.text
	off := len(p.arena)
	p.arena = append(p.arena, s[start:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			if !utf8.Valid(p.arena[off:]) {
				p.pos = i
				return p.syntax("a string that is not UTF-8")
			}
			p.pos = i + 1
			_, err := p.add(node{kind: String, flags: inArena, off: int32(off), end: int32(len(p.arena))})
			return err
		case c < 0x20:
			p.pos = i
			return p.syntax("a control character in a string")
		case c != '\\':
			p.arena = append(p.arena, c)
			i++
			continue
		}
		if i+1 >= len(s) {
			break
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			p.arena = append(p.arena, e)
		case 'b':
			p.arena = append(p.arena, '\b')
		case 'f':
			p.arena = append(p.arena, '\f')
		case 'n':
			p.arena = append(p.arena, '\n')
		case 'r':
			p.arena = append(p.arena, '\r')
		case 't':
			p.arena = append(p.arena, '\t')
		case 'u':
			r := rune(-1)
			if i+6 <= len(s) {
				r = hex4s(s[i+2 : i+6])
			}
			if r < 0 {
				p.pos = i
				return p.syntax(`an invalid \uXXXX escape`)
			}
			i += 6
			// A high surrogate followed by a low one is one character, as
			// Python reads it; a lone surrogate, which Go strings cannot
			// hold, is U+FFFD.
			if utf16.IsSurrogate(r) && r < 0xdc00 && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
				if r2 := hex4s(s[i+2 : i+6]); 0xdc00 <= r2 && r2 < 0xe000 {
					r = utf16.DecodeRune(r, r2)
					i += 6
				}
			}
			p.arena = utf8.AppendRune(p.arena, r) // a lone surrogate appends U+FFFD
			continue
		default:
			p.pos = i
			return p.syntax("an invalid escape")
		}
		i += 2
	}
	p.pos = len(s)
	return p.syntax("an unterminated string")
}

func hex4s(s string) rune {
	var b [4]byte
	copy(b[:], s)
	return hex4(b[:])
}

// open enters the list or object at pos.
func (p *Parser) open() error {
	if p.depth >= p.maxDepth {
		return &limitError{"lists and objects nested more than " + strconv.Itoa(p.maxDepth) + " deep"}
	}
	p.depth++
	p.pos++
	p.space()
	return nil
}

func (p *Parser) list() error {
	at, err := p.add(node{kind: List})
	if err != nil {
		return err
	}
	if err := p.open(); err != nil {
		return err
	}
	s := p.doc.text
	var n int32
	if p.pos < len(s) && s[p.pos] == ']' {
		p.pos++
	} else {
		for {
			if err := p.value(); err != nil {
				return err
			}
			n++
			p.space()
			if p.pos < len(s) && s[p.pos] == ',' {
				p.pos++
				p.space()
				continue
			}
			if p.pos < len(s) && s[p.pos] == ']' {
				p.pos++
				break
			}
			return p.syntax("expecting ',' or ']'")
		}
	}
	p.depth--
	nd := &p.doc.nodes[at]
	nd.next, nd.aux = int32(len(p.doc.nodes)), n
	return nil
}

func (p *Parser) object() error {
	at, err := p.add(node{kind: Object})
	if err != nil {
		return err
	}
	if err := p.open(); err != nil {
		return err
	}
	s := p.doc.text
	var n int32
	if p.pos < len(s) && s[p.pos] == '}' {
		p.pos++
	} else {
		for {
			if p.pos >= len(s) || s[p.pos] != '"' {
				return p.syntax("expecting a key in double quotes")
			}
			if err := p.str(); err != nil {
				return err
			}
			p.space()
			if p.pos >= len(s) || s[p.pos] != ':' {
				return p.syntax("expecting ':'")
			}
			p.pos++
			p.space()
			if err := p.value(); err != nil {
				return err
			}
			n++
			p.space()
			if p.pos < len(s) && s[p.pos] == ',' {
				p.pos++
				p.space()
				continue
			}
			if p.pos < len(s) && s[p.pos] == '}' {
				p.pos++
				break
			}
			return p.syntax("expecting ',' or '}'")
		}
	}
	p.depth--
	nd := &p.doc.nodes[at]
	nd.next, nd.aux = int32(len(p.doc.nodes)), n
	return nil
}

// finish drops the members a later duplicate key replaces and, unless the
// parser is plain, untags every object of one key that is a tag key. Each
// object is decided by its own keys alone, so the order does not matter.
func (p *Parser) finish() {
	d := &p.doc
	for i := range d.nodes {
		n := &d.nodes[i]
		if n.kind != Object {
			continue
		}
		if n.aux > 1 {
			p.dedupe(int32(i))
		}
		if n.aux == 1 && !p.plain {
			k := int32(i) + 1
			for d.nodes[k].flags&dead != 0 {
				k = d.nodes[k+1].next
			}
			if kind := tagKind(d.str(k)); kind != 0 {
				n.kind, n.aux = kind, k+1
			}
		}
	}
}

// dedupe marks dead each key of object o that a later one repeats, and
// counts the live ones.
func (p *Parser) dedupe(o int32) {
	d := &p.doc
	keys := p.keys[:0]
	for k := o + 1; k < d.nodes[o].next; k = d.nodes[k+1].next {
		keys = append(keys, k)
	}
	p.keys = keys
	live := int32(len(keys))
	if len(keys) <= 8 {
		for a, ka := range keys {
			for _, kb := range keys[a+1:] {
				if d.str(ka) == d.str(kb) {
					d.nodes[ka].flags |= dead
					live--
					break
				}
			}
		}
	} else {
		// Stable: equal keys stay in the order they came, the last one live.
		slices.SortStableFunc(keys, func(a, b int32) int { return strings.Compare(d.str(a), d.str(b)) })
		for j := 0; j+1 < len(keys); j++ {
			if d.str(keys[j]) == d.str(keys[j+1]) {
				d.nodes[keys[j]].flags |= dead
				live--
			}
		}
	}
	d.nodes[o].aux = live
}
