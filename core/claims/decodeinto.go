package claims

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// caseVariants returns the claims set m without the members, at any depth,
// that encoding/json would match to a field of t only by ignoring case: a
// member named "Scope" when t has a field named "scope". dropped reports
// whether anything was left out; when it is false, out is m itself.
//
// It follows encoding/json's naming: a field's name is its tag's name, or
// the Go field's name when untagged; fields tagged "-" have none; the
// fields of an untagged embedded struct count as the outer struct's. A
// type that unmarshals itself (json.Unmarshaler, encoding.TextUnmarshaler)
// and interface, map and other values are left as they are.
func caseVariants(v any, t reflect.Type, depth int) (out any, dropped bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if depth > MaxDepth || unmarshalsItself(t) {
		return v, false
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return v, false
		}
		fields := jsonFields(t)
		var kept map[string]any // a copy, once something is dropped
		for name, val := range m {
			ft, exact := fields.byName[name]
			if !exact {
				if fields.folds(name) {
					if kept == nil {
						kept = copyMap(m)
					}
					delete(kept, name)
					dropped = true
				}
				continue
			}
			if nv, d := caseVariants(val, ft, depth+1); d {
				if kept == nil {
					kept = copyMap(m)
				}
				kept[name] = nv
				dropped = true
			}
		}
		if kept != nil {
			return kept, true
		}
		return v, dropped
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return v, false
		}
		var kept map[string]any
		for k, val := range m {
			if nv, d := caseVariants(val, t.Elem(), depth+1); d {
				if kept == nil {
					kept = copyMap(m)
				}
				kept[k] = nv
			}
		}
		if kept != nil {
			return kept, true
		}
	case reflect.Slice, reflect.Array:
		a, ok := v.([]any)
		if !ok {
			return v, false
		}
		var kept []any
		for i, val := range a {
			if nv, d := caseVariants(val, t.Elem(), depth+1); d {
				if kept == nil {
					kept = append([]any(nil), a...)
				}
				kept[i] = nv
			}
		}
		if kept != nil {
			return kept, true
		}
	}
	return v, false
}

func copyMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func unmarshalsItself(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Implements(jsonUnmarshaler) || pt.Implements(jsonUnmarshaler) ||
		t.Implements(textUnmarshaler) || pt.Implements(textUnmarshaler)
}

// structFields are a struct type's JSON member names and their types.
type structFields struct {
	byName map[string]reflect.Type
	names  []string
}

// folds reports whether name equals a field's name when case is ignored
// (the Unicode simple folding encoding/json uses), but no name exactly.
func (f *structFields) folds(name string) bool {
	for _, n := range f.names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

var fieldCache sync.Map // reflect.Type -> *structFields

func jsonFields(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{byName: map[string]reflect.Type{}}
	collectFields(t, f, 0)
	fieldCache.Store(t, f)
	return f
}

func collectFields(t reflect.Type, f *structFields, depth int) {
	if depth > 16 {
		return
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				collectFields(ft, f, depth+1)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if _, dup := f.byName[name]; !dup {
			f.byName[name] = sf.Type
			f.names = append(f.names, name)
		}
	}
}
