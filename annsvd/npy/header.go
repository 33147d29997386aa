package npy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// dtype describes one supported on-disk element type.
type dtype struct {
	descr string // "<f8"
	name  string // "float64"
	size  int    // bytes per element
}

var dtypes = map[string]dtype{
	Float64: {Float64, "float64", 8},
	Float32: {Float32, "float32", 4},
	Int64:   {Int64, "int64", 8},
	Int32:   {Int32, "int32", 4},
}

// readDType maps a header descr to a supported dtype, or explains why it is
// not supported.
func readDType(descr string) (dtype, error) {
	if dt, ok := dtypes[descr]; ok {
		return dt, nil
	}
	const supported = "supported: <f8, <f4, <i8, <i4"
	if descr == "" {
		return dtype{}, fmt.Errorf("empty dtype descr")
	}
	order, kind := descr[0], descr[1:]
	switch order {
	case '<', '>', '|', '=':
	default:
		order, kind = 0, descr
	}
	if strings.HasPrefix(kind, "O") {
		return dtype{}, fmt.Errorf("object dtype %q is not supported (the array holds pickled Python objects)", descr)
	}
	if order == '>' {
		if _, ok := dtypes["<"+kind]; ok {
			return dtype{}, fmt.Errorf("big-endian dtype %q is not supported; convert with arr.astype('<%s')", descr, kind)
		}
		return dtype{}, fmt.Errorf("big-endian dtype %q is not supported (%s)", descr, supported)
	}
	return dtype{}, fmt.Errorf("unsupported dtype %q (%s)", descr, supported)
}

// writeDType maps Array.DType to the dtype to write; "" means Float64.
func writeDType(s string) (dtype, error) {
	if s == "" {
		s = Float64
	}
	dt, ok := dtypes[s]
	if !ok {
		return dtype{}, fmt.Errorf("unsupported DType %q for writing (supported: <f8, <f4, <i8, <i4)", s)
	}
	return dt, nil
}

// header is the decoded .npy header dictionary.
type header struct {
	dt    dtype
	shape []int
}

// parseHeader parses the header dictionary of a .npy file, a Python literal
// such as {'descr': '<f8', 'fortran_order': False, 'shape': (256, 100), }.
// utf8Header selects version 3.0 semantics (UTF-8); otherwise the header is
// latin-1, which accepts any byte.
func parseHeader(b []byte, utf8Header bool) (header, error) {
	if utf8Header && !utf8.Valid(b) {
		return header{}, fmt.Errorf("bad header: version 3.0 header is not valid UTF-8")
	}
	p := &pyParser{s: b}
	v, err := p.parse()
	if err != nil {
		return header{}, fmt.Errorf("bad header %s: %w", quoteHeader(b), err)
	}
	h, err := interpretHeader(v)
	if err != nil {
		var u unsupported
		if errors.As(err, &u) {
			return header{}, u.error
		}
		return header{}, fmt.Errorf("bad header %s: %w", quoteHeader(b), err)
	}
	return h, nil
}

// unsupported marks a well-formed header describing data this package
// does not handle; such errors are reported without quoting the header.
type unsupported struct{ error }

// quoteHeader quotes a header for an error message, shortening long ones.
func quoteHeader(b []byte) string {
	const limit = 200
	s := strings.TrimRight(string(b), " \n")
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + "..."
	}
	return strconv.Quote(s)
}

func interpretHeader(v pyVal) (header, error) {
	if v.kind != pyDict {
		return header{}, fmt.Errorf("header is %s, not a dict", v.kind)
	}
	var (
		h                    header
		descr, fortran, shap *pyVal
	)
	for i := 0; i+1 < len(v.items); i += 2 {
		k, val := v.items[i], &v.items[i+1]
		if k.kind != pyStr {
			return header{}, fmt.Errorf("header key is %s, not a string", k.kind)
		}
		var slot **pyVal
		switch k.s {
		case "descr":
			slot = &descr
		case "fortran_order":
			slot = &fortran
		case "shape":
			slot = &shap
		default:
			return header{}, fmt.Errorf("unexpected header key %q", k.s)
		}
		if *slot != nil {
			return header{}, fmt.Errorf("duplicate header key %q", k.s)
		}
		*slot = val
	}
	for _, m := range []struct {
		name string
		v    *pyVal
	}{{"descr", descr}, {"fortran_order", fortran}, {"shape", shap}} {
		if m.v == nil {
			return header{}, fmt.Errorf("header lacks key %q", m.name)
		}
	}

	switch descr.kind {
	case pyStr:
		dt, err := readDType(descr.s)
		if err != nil {
			return header{}, unsupported{err}
		}
		h.dt = dt
	case pyList:
		return header{}, unsupported{fmt.Errorf("structured (record) dtypes are not supported")}
	default:
		return header{}, fmt.Errorf("'descr' is %s, not a string", descr.kind)
	}

	if fortran.kind != pyBool {
		return header{}, fmt.Errorf("'fortran_order' is %s, not True or False", fortran.kind)
	}
	if fortran.b {
		return header{}, unsupported{fmt.Errorf("fortran_order True (column-major data) is not supported; save np.ascontiguousarray(arr) instead")}
	}

	if shap.kind != pyTuple {
		return header{}, fmt.Errorf("'shape' is %s, not a tuple", shap.kind)
	}
	if len(shap.items) > maxDims {
		return header{}, fmt.Errorf("shape has %d dimensions, more than the limit of %d", len(shap.items), maxDims)
	}
	h.shape = make([]int, len(shap.items))
	for i, d := range shap.items {
		if d.kind != pyInt {
			return header{}, fmt.Errorf("shape entry %d is %s, not an int", i, d.kind)
		}
		n, err := strconv.ParseInt(d.s, 10, 64)
		switch {
		case err != nil && strings.HasPrefix(d.s, "-"), err == nil && n < 0:
			return header{}, fmt.Errorf("negative dimension %s in shape", d.s)
		case err != nil || n > maxDataBytes:
			return header{}, fmt.Errorf("absurd dimension %s in shape", d.s)
		}
		h.shape[i] = int(n)
	}
	return h, nil
}

// pyKind is the type of a parsed Python literal.
type pyKind int

const (
	pyStr pyKind = iota
	pyInt
	pyBool
	pyNone
	pyTuple
	pyList
	pyDict
)

// String names the kind with an article, for messages such as
// "'shape' is a list, not a tuple".
func (k pyKind) String() string {
	switch k {
	case pyStr:
		return "a string"
	case pyInt:
		return "an int"
	case pyBool:
		return "a bool"
	case pyNone:
		return "None"
	case pyTuple:
		return "a tuple"
	case pyList:
		return "a list"
	case pyDict:
		return "a dict"
	}
	return "an unknown value"
}

// pyVal is a parsed Python literal.
type pyVal struct {
	kind  pyKind
	s     string  // pyStr: the value; pyInt: the decimal digits with sign
	b     bool    // pyBool
	items []pyVal // pyTuple, pyList: elements; pyDict: key, value, key, value...
}

// maxDepth bounds the nesting of literals in a header.
const maxDepth = 32

// maxValues bounds the number of literals in a header; a valid header has
// at most 3 keys, 3 values and 64 dimensions.
const maxValues = 1024

// pyParser parses the subset of Python literal syntax that appears in .npy
// headers: strings, decimal ints (with an optional Python 2 L suffix), True,
// False, None, tuples, lists and dicts.
type pyParser struct {
	s      []byte
	pos    int
	depth  int
	values int
}

func (p *pyParser) parse() (pyVal, error) {
	v, err := p.value()
	if err != nil {
		return pyVal{}, err
	}
	p.skipSpace()
	if p.pos != len(p.s) {
		return pyVal{}, p.errorf("unexpected %s after the dict", p.describe())
	}
	return v, nil
}

func (p *pyParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s", p.pos, fmt.Sprintf(format, args...))
}

// describe names the byte at the current position for an error message.
func (p *pyParser) describe() string {
	if p.pos >= len(p.s) {
		return "end of header"
	}
	return strconv.QuoteRune(rune(p.s[p.pos]))
}

func (p *pyParser) skipSpace() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			p.pos++
		default:
			return
		}
	}
}

func (p *pyParser) value() (pyVal, error) {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return pyVal{}, p.errorf("unexpected end of header")
	}
	p.values++
	if p.values > maxValues {
		return pyVal{}, p.errorf("more than %d literals in the header", maxValues)
	}
	c := p.s[p.pos]
	switch {
	case c == '\'' || c == '"':
		return p.str()
	case (c == 'u' || c == 'U') && p.pos+1 < len(p.s) && (p.s[p.pos+1] == '\'' || p.s[p.pos+1] == '"'):
		p.pos++
		return p.str()
	case c == '-' || c == '+' || isDigit(c):
		return p.integer()
	case c == '(' || c == '[' || c == '{':
		p.depth++
		if p.depth > maxDepth {
			return pyVal{}, p.errorf("literal nested more than %d deep", maxDepth)
		}
		defer func() { p.depth-- }()
		if c == '{' {
			return p.dict()
		}
		return p.sequence(c)
	case isNameStart(c):
		start := p.pos
		for p.pos < len(p.s) && isNameChar(p.s[p.pos]) {
			p.pos++
		}
		switch name := string(p.s[start:p.pos]); name {
		case "True":
			return pyVal{kind: pyBool, b: true}, nil
		case "False":
			return pyVal{kind: pyBool}, nil
		case "None":
			return pyVal{kind: pyNone}, nil
		default:
			p.pos = start
			if len(name) > 20 {
				name = name[:20] + "..."
			}
			return pyVal{}, p.errorf("unexpected name %q", name)
		}
	}
	return pyVal{}, p.errorf("unexpected %s", p.describe())
}

func isDigit(c byte) bool     { return '0' <= c && c <= '9' }
func isNameStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isNameChar(c byte) bool  { return isNameStart(c) || isDigit(c) }

func (p *pyParser) str() (pyVal, error) {
	q := p.s[p.pos]
	start := p.pos
	p.pos++
	var b strings.Builder
	for {
		if p.pos >= len(p.s) {
			p.pos = start
			return pyVal{}, p.errorf("unterminated string")
		}
		c := p.s[p.pos]
		p.pos++
		switch {
		case c == q:
			return pyVal{kind: pyStr, s: b.String()}, nil
		case c == '\n':
			p.pos = start
			return pyVal{}, p.errorf("unterminated string")
		case c == '\\':
			if p.pos >= len(p.s) {
				p.pos = start
				return pyVal{}, p.errorf("unterminated string")
			}
			e := p.s[p.pos]
			p.pos++
			switch e {
			case '\\', '\'', '"':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case 'x':
				if p.pos+2 > len(p.s) {
					return pyVal{}, p.errorf("truncated \\x escape")
				}
				v, err := strconv.ParseUint(string(p.s[p.pos:p.pos+2]), 16, 8)
				if err != nil {
					return pyVal{}, p.errorf("bad \\x escape")
				}
				b.WriteRune(rune(v))
				p.pos += 2
			default:
				// Python keeps unknown escapes verbatim.
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
}

func (p *pyParser) integer() (pyVal, error) {
	var sign string
	for p.pos < len(p.s) && (p.s[p.pos] == '-' || p.s[p.pos] == '+') {
		if p.s[p.pos] == '-' {
			if sign == "-" {
				sign = ""
			} else {
				sign = "-"
			}
		}
		p.pos++
		p.skipSpace()
	}
	start := p.pos
	for p.pos < len(p.s) && isDigit(p.s[p.pos]) {
		p.pos++
	}
	if p.pos == start {
		return pyVal{}, p.errorf("expected digits, found %s", p.describe())
	}
	digits := string(p.s[start:p.pos])
	if p.pos < len(p.s) && (p.s[p.pos] == 'L' || p.s[p.pos] == 'l') {
		p.pos++ // Python 2 long suffix, as written by old NumPy versions.
	}
	if p.pos < len(p.s) && (isNameChar(p.s[p.pos]) || p.s[p.pos] == '.') {
		return pyVal{}, p.errorf("invalid number literal")
	}
	return pyVal{kind: pyInt, s: sign + digits}, nil
}

// sequence parses a tuple, a parenthesized expression or a list.
func (p *pyParser) sequence(open byte) (pyVal, error) {
	close := byte(')')
	kind := pyTuple
	if open == '[' {
		close, kind = ']', pyList
	}
	p.pos++
	var items []pyVal
	sawComma := false
	for {
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == close {
			p.pos++
			break
		}
		v, err := p.value()
		if err != nil {
			return pyVal{}, err
		}
		items = append(items, v)
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			sawComma = true
			continue
		}
		if p.pos < len(p.s) && p.s[p.pos] == close {
			p.pos++
			break
		}
		return pyVal{}, p.errorf("expected ',' or %q, found %s", close, p.describe())
	}
	if kind == pyTuple && len(items) == 1 && !sawComma {
		return items[0], nil // (x) is x, not a tuple
	}
	return pyVal{kind: kind, items: items}, nil
}

func (p *pyParser) dict() (pyVal, error) {
	p.pos++
	var items []pyVal
	for {
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			p.pos++
			break
		}
		k, err := p.value()
		if err != nil {
			return pyVal{}, err
		}
		p.skipSpace()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return pyVal{}, p.errorf("expected ':', found %s", p.describe())
		}
		p.pos++
		v, err := p.value()
		if err != nil {
			return pyVal{}, err
		}
		items = append(items, k, v)
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			p.pos++
			break
		}
		return pyVal{}, p.errorf("expected ',' or '}', found %s", p.describe())
	}
	return pyVal{kind: pyDict, items: items}, nil
}
