package demo_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// surface is an A2UI message list decoded generically, so the test checks
// the wire shape rather than the package's own types.
type surface struct {
	id         string
	root       string
	components map[string]map[string]map[string]any // id -> type -> props
	order      []string
	data       map[string]map[string]any // key -> entry
}

func decodeSurface(t *testing.T, content string) surface {
	t.Helper()
	var msgs []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(content), &msgs); err != nil {
		t.Fatalf("content is not a JSON list of messages: %v\n%s", err, content)
	}
	var kinds []string
	s := surface{components: map[string]map[string]map[string]any{}, data: map[string]map[string]any{}}
	for i, m := range msgs {
		if len(m) != 1 {
			t.Fatalf("message %d has %d top-level keys, want exactly one", i, len(m))
		}
		for kind, body := range m {
			kinds = append(kinds, kind)
			var b struct {
				SurfaceID  string `json:"surfaceId"`
				Root       string `json:"root"`
				Components []struct {
					ID        string                    `json:"id"`
					Component map[string]map[string]any `json:"component"`
				} `json:"components"`
				Contents []struct {
					Key      string           `json:"key"`
					ValueMap []map[string]any `json:"valueMap"`
				} `json:"contents"`
			}
			if err := json.Unmarshal(body, &b); err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			if b.SurfaceID == "" || (s.id != "" && b.SurfaceID != s.id) {
				t.Fatalf("%s: surfaceId %q, want one non-empty id for all messages (%q)", kind, b.SurfaceID, s.id)
			}
			s.id = b.SurfaceID
			switch kind {
			case "surfaceUpdate":
				for _, c := range b.Components {
					if len(c.Component) != 1 {
						t.Errorf("component %s has %d types, want one", c.ID, len(c.Component))
					}
					if _, dup := s.components[c.ID]; dup {
						t.Errorf("component id %s is used twice", c.ID)
					}
					s.components[c.ID] = c.Component
					s.order = append(s.order, c.ID)
				}
			case "dataModelUpdate":
				for _, c := range b.Contents {
					if c.Key != "form" {
						t.Errorf("data model key %q, want form", c.Key)
					}
					for _, e := range c.ValueMap {
						s.data[e["key"].(string)] = e
					}
				}
			case "beginRendering":
				s.root = b.Root
			}
		}
	}
	if want := []string{"surfaceUpdate", "dataModelUpdate", "beginRendering"}; !slices.Equal(kinds, want) {
		t.Fatalf("messages = %v, want %v", kinds, want)
	}
	return s
}

// props returns the properties of component id, which must be of type kind.
func (s surface) props(t *testing.T, id, kind string) map[string]any {
	t.Helper()
	c, ok := s.components[id]
	if !ok {
		t.Fatalf("no component %q (have %v)", id, s.order)
	}
	p, ok := c[kind]
	if !ok {
		t.Fatalf("component %q is %v, want %s", id, c, kind)
	}
	return p
}

// checkTree verifies that every reference resolves and every component is
// reachable from the root exactly once.
func (s surface) checkTree(t *testing.T) {
	t.Helper()
	seen := map[string]bool{}
	var walk func(id string)
	walk = func(id string) {
		c, ok := s.components[id]
		if !ok {
			t.Fatalf("reference to missing component %q", id)
		}
		if seen[id] {
			t.Fatalf("component %q is reached twice", id)
		}
		seen[id] = true
		for _, props := range c {
			if child, ok := props["child"].(string); ok {
				walk(child)
			}
			if ch, ok := props["children"].(map[string]any); ok {
				for _, id := range ch["explicitList"].([]any) {
					walk(id.(string))
				}
			}
		}
	}
	walk(s.root)
	if len(seen) != len(s.components) {
		t.Errorf("%d components, %d reachable from the root", len(s.components), len(seen))
	}
}

func path(p map[string]any, key string) string {
	v, _ := p[key].(map[string]any)
	s, _ := v["path"].(string)
	return s
}

func literalText(p map[string]any, key string) string {
	v, _ := p[key].(map[string]any)
	s, _ := v["literalString"].(string)
	return s
}

func TestGenerateForm_SignIn(t *testing.T) {
	res := mustCall(t, "generate_form", `{}`, "", nil)
	s := decodeSurface(t, res.Content)
	if s.root != "root" || s.id != "form-call_1" {
		t.Errorf("surface %q root %q, want form-call_1 / root", s.id, s.root)
	}
	want := []string{"root", "form-column", "form-title", "field-email", "field-password", "field-remember_me", "submit-button", "submit-label"}
	if !slices.Equal(s.order, want) {
		t.Errorf("component ids = %v, want %v", s.order, want)
	}
	s.checkTree(t)

	col := s.props(t, "form-column", "Column")
	list := col["children"].(map[string]any)["explicitList"]
	b, _ := json.Marshal(list)
	if string(b) != `["form-title","field-email","field-password","field-remember_me","submit-button"]` {
		t.Errorf("column children = %s", b)
	}
	if literalText(s.props(t, "form-title", "Text"), "text") != "Sign in" {
		t.Error("default title is not Sign in")
	}
	email := s.props(t, "field-email", "TextField")
	if path(email, "text") != "/form/email" || literalText(email, "label") != "Email" || email["validationRegexp"] == nil {
		t.Errorf("email field = %v", email)
	}
	if pw := s.props(t, "field-password", "TextField"); pw["textFieldType"] != "obscured" || path(pw, "text") != "/form/password" {
		t.Errorf("password field = %v, want obscured and bound to /form/password", pw)
	}
	if rm := s.props(t, "field-remember_me", "CheckBox"); path(rm, "value") != "/form/remember_me" || literalText(rm, "label") != "Remember me" {
		t.Errorf("remember-me = %v", rm)
	}

	btn := s.props(t, "submit-button", "Button")
	action := btn["action"].(map[string]any)
	if btn["child"] != "submit-label" || action["name"] != "sign_in" || btn["primary"] != true {
		t.Errorf("button = %v", btn)
	}
	var ctxKeys []string
	for _, c := range action["context"].([]any) {
		e := c.(map[string]any)
		ctxKeys = append(ctxKeys, e["key"].(string)+"="+path(e, "value"))
	}
	if got := strings.Join(ctxKeys, ","); got != "email=/form/email,password=/form/password,remember_me=/form/remember_me" {
		t.Errorf("button context = %s", got)
	}

	if s.data["email"]["valueString"] != "" || s.data["password"]["valueString"] != "" || s.data["remember_me"]["valueBoolean"] != false {
		t.Errorf("data model = %v, want empty strings and false", s.data)
	}
}

func TestGenerateForm_Custom(t *testing.T) {
	args := `{"title":"Request a demo","description":"We reply within a day.","submit_label":"Send","action":"request_demo",
		"fields":[{"name":"full_name"},{"name":"email","type":"email","label":"Work email"},{"name":"seats","type":"number"},
		{"name":"notes","type":"long_text"},{"name":"start","type":"date"},{"name":"newsletter","type":"checkbox"}]}`
	res := mustCall(t, "generate_form", args, "", nil)
	s := decodeSurface(t, res.Content)
	s.checkTree(t)
	if literalText(s.props(t, "form-title", "Text"), "text") != "Request a demo" ||
		literalText(s.props(t, "form-description", "Text"), "text") != "We reply within a day." ||
		literalText(s.props(t, "submit-label", "Text"), "text") != "Send" {
		t.Error("title, description or button text not applied")
	}
	if s.props(t, "submit-button", "Button")["action"].(map[string]any)["name"] != "request_demo" {
		t.Error("custom action name not applied")
	}
	if l := literalText(s.props(t, "field-full_name", "TextField"), "label"); l != "Full name" {
		t.Errorf("derived label = %q, want Full name", l)
	}
	types := map[string]string{"full_name": "shortText", "seats": "number", "notes": "longText", "start": "date"}
	for name, want := range types {
		if got := s.props(t, "field-"+name, "TextField")["textFieldType"]; got != want {
			t.Errorf("%s textFieldType = %v, want %s", name, got, want)
		}
	}
	s.props(t, "field-newsletter", "CheckBox")
	if len(s.data) != 6 {
		t.Errorf("data model has %d keys, want 6", len(s.data))
	}
}

func TestGenerateForm_BadArguments(t *testing.T) {
	cases := []struct{ name, args, mention string }{
		{"bad name", `{"fields":[{"name":"Email Address"}]}`, "fields[0].name"},
		{"duplicate", `{"fields":[{"name":"a"},{"name":"a"}]}`, "twice"},
		{"bad type", `{"fields":[{"name":"a","type":"color"}]}`, "checkbox"},
		{"bad action", `{"action":"do it!"}`, "action"},
		{"unknown field", `{"heading":"x"}`, "heading"},
		{"too many", `{"fields":[` + strings.Repeat(`{"name":"f"},`, 12) + `{"name":"g"}]}`, "at most"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := mustFail(t, "generate_form", c.args, ""); !strings.Contains(err.Error(), c.mention) {
				t.Errorf("error %q does not mention %q", err, c.mention)
			}
		})
	}
}
