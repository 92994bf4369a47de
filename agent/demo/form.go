package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/agentd/agentd/agent"
)

const maxFormFields = 12

const generateFormSchema = `{
  "type": "object",
  "properties": {
    "title": {"type": "string", "description": "Heading of the form. Default: Sign in."},
    "description": {"type": "string", "description": "Optional line of text under the heading."},
    "submit_label": {"type": "string", "description": "Text of the submit button. Default: Sign in."},
    "action": {"type": "string", "description": "Name of the action the client reports when the form is submitted (letters, digits, _ or -). Default: sign_in."},
    "fields": {
      "type": "array",
      "minItems": 1,
      "maxItems": 12,
      "description": "Input fields, in order. Default: email, password and a remember-me checkbox.",
      "items": {
        "type": "object",
        "properties": {
          "name": {"type": "string", "description": "Key of the value in the submitted data: lower case letters, digits and _, starting with a letter."},
          "label": {"type": "string", "description": "Label shown to the user. Default: derived from name."},
          "type": {"type": "string", "enum": ["text", "email", "password", "number", "date", "long_text", "checkbox"], "description": "Kind of input. Default: text."}
        },
        "required": ["name"],
        "additionalProperties": false
      }
    }
  },
  "additionalProperties": false
}`

type formField struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Type  string `json:"type"`
}

type formArgs struct {
	Title       string      `json:"title"`
	Description string      `json:"description"`
	SubmitLabel string      `json:"submit_label"`
	Action      string      `json:"action"`
	Fields      []formField `json:"fields"`
}

var (
	fieldTypes  = []string{"text", "email", "password", "number", "date", "long_text", "checkbox"}
	fieldName   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	actionName  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)
	surfaceChar = regexp.MustCompile(`[^A-Za-z0-9_-]+`)
)

var signInFields = []formField{
	{Name: "email", Label: "Email", Type: "email"},
	{Name: "password", Label: "Password", Type: "password"},
	{Name: "remember_me", Label: "Remember me", Type: "checkbox"},
}

// textFieldTypes maps the tool's field types to A2UI TextField types.
var textFieldTypes = map[string]string{
	"text": "shortText", "email": "shortText", "password": "obscured",
	"number": "number", "date": "date", "long_text": "longText",
}

// emailPattern is a deliberately loose client-side check; the server that
// receives the form must validate again.
const emailPattern = `^[^@\s]+@[^@\s]+\.[^@\s]+$`

func generateFormTool() agent.Tool {
	return agent.Tool{
		Name: "generate_form",
		Description: "Show the user a form rendered in the chat, as an A2UI surface. With no arguments it is a sign-in form " +
			"(email, password, remember me, Sign in button); title, fields and button text can be customized. " +
			"Call it when the user wants to sign in or log in or asks for a form. The result is the A2UI message list the client renders.",
		Parameters: json.RawMessage(generateFormSchema),
		Run: func(ctx context.Context, c agent.Call) (agent.Result, error) {
			var args formArgs
			if err := bindArgs(c, &args); err != nil {
				return agent.Result{}, err
			}
			msgs, err := buildForm(surfaceID(c.ID), args)
			if err != nil {
				return agent.Result{}, err
			}
			return agent.JSON(msgs)
		},
	}
}

// surfaceID derives the surface id from the tool call id: A2UI wants a new
// id for each new surface, and the same call must give the same form.
func surfaceID(callID string) string {
	id := strings.Trim(surfaceChar.ReplaceAllString(callID, "-"), "-")
	if id == "" {
		return "sign-in-form"
	}
	return "form-" + id
}

// Fixed component ids of the form's frame; each field's component is
// "field-" + its name.
const (
	formRootID   = "root"
	formColumnID = "form-column"
	formTitleID  = "form-title"
	formDescID   = "form-description"
	submitID     = "submit-button"
	submitTextID = "submit-label"
	formDataKey  = "form"
)

func buildForm(surface string, args formArgs) ([]a2uiMessage, error) {
	fields := args.Fields
	if len(fields) == 0 {
		fields = signInFields
	}
	if len(fields) > maxFormFields {
		return nil, fmt.Errorf("a form has at most %d fields, got %d", maxFormFields, len(fields))
	}
	action := orDefault(strings.TrimSpace(args.Action), "sign_in")
	if !actionName.MatchString(action) {
		return nil, fmt.Errorf("action %q must start with a letter and use only letters, digits, _ or -", args.Action)
	}

	var (
		children = []string{formTitleID}
		comps    = []a2uiComponent{
			component(formRootID, "Card", map[string]any{"child": formColumnID}),
			component(formTitleID, "Text", map[string]any{"text": literal(orDefault(strings.TrimSpace(args.Title), "Sign in")), "usageHint": "h2"}),
		}
		data          []dataEntry
		submitContext []map[string]any
		seen          = map[string]bool{}
	)
	if d := strings.TrimSpace(args.Description); d != "" {
		children = append(children, formDescID)
		comps = append(comps, component(formDescID, "Text", map[string]any{"text": literal(d), "usageHint": "body"}))
	}
	for i, f := range fields {
		if !fieldName.MatchString(f.Name) {
			return nil, fmt.Errorf("fields[%d].name %q must be lower case letters, digits or _, starting with a letter (at most 40)", i, f.Name)
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("fields[%d].name %q appears twice", i, f.Name)
		}
		seen[f.Name] = true
		kind := orDefault(f.Type, "text")
		if ok, list := oneOf(kind, fieldTypes); !ok {
			return nil, fmt.Errorf("fields[%d].type %q is not supported: use one of %s", i, f.Type, list)
		}
		id, path := "field-"+f.Name, "/"+formDataKey+"/"+f.Name
		lbl := literal(orDefault(strings.TrimSpace(f.Label), labelFromName(f.Name)))
		if kind == "checkbox" {
			comps = append(comps, component(id, "CheckBox", map[string]any{"label": lbl, "value": bound(path)}))
			data = append(data, dataEntry{Key: f.Name, ValueBoolean: new(false)})
		} else {
			props := map[string]any{"label": lbl, "text": bound(path), "textFieldType": textFieldTypes[kind]}
			if kind == "email" {
				props["validationRegexp"] = emailPattern
			}
			comps = append(comps, component(id, "TextField", props))
			data = append(data, dataEntry{Key: f.Name, ValueString: new("")})
		}
		children = append(children, id)
		submitContext = append(submitContext, map[string]any{"key": f.Name, "value": bound(path)})
	}
	children = append(children, submitID)
	comps = append(comps,
		component(submitID, "Button", map[string]any{
			"child":   submitTextID,
			"primary": true,
			"action":  map[string]any{"name": action, "context": submitContext},
		}),
		component(submitTextID, "Text", map[string]any{"text": literal(orDefault(strings.TrimSpace(args.SubmitLabel), "Sign in"))}),
	)
	// The column lists its children, so it is built last but placed second,
	// right under the card, which keeps the list in reading order.
	column := component(formColumnID, "Column", map[string]any{"children": map[string]any{"explicitList": children}})
	comps = append(comps[:1], append([]a2uiComponent{column}, comps[1:]...)...)

	return []a2uiMessage{
		{SurfaceUpdate: &surfaceUpdate{SurfaceID: surface, Components: comps}},
		{DataModelUpdate: &dataModelUpdate{SurfaceID: surface, Path: "/", Contents: []dataEntry{{Key: formDataKey, ValueMap: data}}}},
		{BeginRendering: &beginRendering{SurfaceID: surface, Root: formRootID}},
	}, nil
}

// labelFromName turns "remember_me" into "Remember me".
func labelFromName(name string) string {
	return label(strings.ReplaceAll(name, "_", " "))
}
