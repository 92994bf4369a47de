package agui_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/agentd/agentd/agui"
)

// Strings that json.Marshal escapes, or nearly does.
var trickyStrings = []string{
	"", "word ", `"quoted"`, `back\slash`, "</script><b>&amp;</b>", "tab\tnl\nret\rbs\bff\f",
	"\x00\x01\x1f\x7f", "é漢字🙂", "line\u2028para\u2029sep", "\u2027\u202a",
	"bad \xff utf8", "\xc3", "\xe2\x80", "\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 too big",
	"\xc0\xaf overlong", "mixed <é\xff\u2028\">",
}

func TestAppendStringIsJSONMarshal(t *testing.T) {
	for _, s := range trickyStrings {
		checkString(t, s)
	}
}

func checkString(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := agui.AppendString(nil, s); !bytes.Equal(got, want) {
		t.Errorf("AppendString(%q) = %s, json.Marshal: %s", s, got, want)
	}
	if got := agui.AppendString([]byte("x"), []byte(s)); !bytes.Equal(got, append([]byte("x"), want...)) {
		t.Errorf("AppendString(x, []byte(%q)) = %s, json.Marshal: x%s", s, got, want)
	}
}

func TestAppendDeltaEventIsJSONMarshal(t *testing.T) {
	for _, id := range trickyStrings {
		for _, delta := range trickyStrings {
			for _, ty := range []agui.EventType{agui.TextMessageContent, agui.ToolCallArgs} {
				checkDelta(t, ty, id, delta)
			}
		}
	}
}

func deltaEvent(ty agui.EventType, id, delta string) agui.Event {
	if ty == agui.ToolCallArgs {
		return agui.Event{Type: ty, ToolCallID: id, Delta: delta}
	}
	return agui.Event{Type: ty, MessageID: id, Delta: delta}
}

func checkDelta(t *testing.T, ty agui.EventType, id, delta string) {
	t.Helper()
	ev := deltaEvent(ty, id, delta)
	gotID, ok := ev.DeltaOnly()
	if ok != (id != "" && delta != "") || (ok && gotID != id) {
		t.Fatalf("DeltaOnly(%+v) = %q, %v", ev, gotID, ok)
	}
	if !ok {
		return
	}
	want, err := json.Marshal(&ev)
	if err != nil {
		t.Fatal(err)
	}
	if got := agui.AppendDeltaEvent(nil, ty, id, delta); !bytes.Equal(got, want) {
		t.Errorf("AppendDeltaEvent(%s, %q, %q) =\n%s\njson.Marshal:\n%s", ty, id, delta, got, want)
	}
	if got := agui.AppendDeltaEvent(nil, ty, id, []byte(delta)); !bytes.Equal(got, want) {
		t.Errorf("AppendDeltaEvent(%s, %q, []byte(%q)) = %s, json.Marshal: %s", ty, id, delta, got, want)
	}
}

// DeltaOnly must refuse an event with any other field set that json.Marshal
// writes: each field of Event, including any added later, is set in turn.
func TestDeltaOnlyRefusesAnyOtherField(t *testing.T) {
	for _, ty := range []agui.EventType{agui.TextMessageContent, agui.ToolCallArgs} {
		typ := reflect.TypeFor[agui.Event]()
		for i := range typ.NumField() {
			f := typ.Field(i)
			ev := deltaEvent(ty, "id-1", "word ")
			v := reflect.ValueOf(&ev).Elem().Field(i)
			if !v.IsZero() {
				continue // the id or the delta
			}
			setNonZero(t, v)
			want, err := json.Marshal(&ev)
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			if _, ok := ev.DeltaOnly(); ok {
				if got := agui.AppendDeltaEvent(nil, ty, "id-1", "word "); !bytes.Equal(got, want) {
					t.Errorf("%s with %s set: DeltaOnly holds but json.Marshal writes %s, not %s", ty, f.Name, want, got)
				}
			}
		}
	}
}

// setNonZero gives v a value of its type that json.Marshal writes.
func setNonZero(t *testing.T, v reflect.Value) {
	t.Helper()
	switch {
	case v.Type() == reflect.TypeFor[json.RawMessage]():
		v.Set(reflect.ValueOf(json.RawMessage(`{"a":1}`)))
	case v.Kind() == reflect.String:
		v.SetString("x")
	case v.Kind() == reflect.Int64:
		v.SetInt(1)
	case v.Kind() == reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		if v.Index(0).Kind() == reflect.Struct {
			setFirstString(v.Index(0))
		}
	case v.Kind() == reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		setFirstString(v.Elem())
	default:
		t.Fatalf("setNonZero: no value for a %s; extend the test", v.Type())
	}
}

func setFirstString(v reflect.Value) {
	for i := range v.NumField() {
		if v.Field(i).Kind() == reflect.String {
			v.Field(i).SetString("x")
			return
		}
	}
}

func FuzzAppendDeltaEvent(f *testing.F) {
	for i, s := range trickyStrings {
		f.Add("msg-1", s, i%2 == 0)
		f.Add(s, "delta", i%2 == 1)
	}
	f.Fuzz(func(t *testing.T, id, delta string, args bool) {
		checkString(t, delta)
		ty := agui.TextMessageContent
		if args {
			ty = agui.ToolCallArgs
		}
		checkDelta(t, ty, id, delta)
	})
}
