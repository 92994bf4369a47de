package demo

import (
	"fmt"
	"regexp"
	"strings"
)

// formArgs is generate_form's arguments; empty, the tool draws a sign-in
// form.
type formArgs struct {
	Title       string      `json:"title,omitempty"`
	Description string      `json:"description,omitempty"`
	SubmitLabel string      `json:"submit_label,omitempty"`
	Action      string      `json:"action,omitempty"`
	Fields      []formField `json:"fields,omitempty"`
}

type formField struct {
	Name  string `json:"name"`
	Label string `json:"label,omitempty"`
	Type  string `json:"type,omitempty"`
}

var (
	signUpWords  = regexp.MustCompile(`\b(sign[ -]?up|register|registration|create an account|new account)\b`)
	contactWords = regexp.MustCompile(`\bcontact\b`)
	// formFields reads "a form with name, age and comments" and "a form
	// with fields: …"; formName reads "a feedback form".
	formFields = regexp.MustCompile(`(?i)\bforms?\b.*?\b(?:with|for|asking for|that asks for)\s+(?:(?:the\s+)?fields?\s*:?\s*)?(.+)$`)
	formName   = regexp.MustCompile(`(?i)\b(?:an?|the|my)\s+([a-z][a-z -]{1,30}?)\s+forms?\b`)
	nameChars  = regexp.MustCompile(`[^a-z0-9]+`)
)

// fieldTypes guesses a field's type from its name.
var fieldTypes = []struct {
	re  *regexp.Regexp
	typ string
}{
	{regexp.MustCompile(`e-?mail`), "email"},
	{regexp.MustCompile(`password|passcode|pin\b`), "password"},
	{regexp.MustCompile(`message|comment|feedback|notes?|description|details|address`), "long_text"},
	{regexp.MustCompile(`date|birthday|deadline|\bday\b`), "date"},
	{regexp.MustCompile(`age|number|quantity|amount|count|phone|zip`), "number"},
	{regexp.MustCompile(`remember|subscribe|agree|accept|newsletter|consent`), "checkbox"},
}

// formTurn shows a form: sign-in by default, sign-up, contact, or one with
// the fields the words list.
func formTurn(c *conversation, s string) action {
	if k := c.last(generateForm); k != nil {
		return reply(formShown(k))
	}
	args := formArgs{}
	text := toolUse.ReplaceAllString(c.text, "")
	switch {
	case formFields.MatchString(text) && !strings.Contains(s, "sign in") && !strings.Contains(s, "log in"):
		m := formFields.FindStringSubmatch(text)
		for _, part := range listSeparator.Split(strings.TrimRight(m[1], ".!? "), -1) {
			label := sentence(strings.TrimPrefix(strings.TrimSpace(part), "a "))
			name := strings.Trim(nameChars.ReplaceAllString(strings.ToLower(label), "_"), "_")
			if name == "" || (name[0] >= '0' && name[0] <= '9') || len(args.Fields) == 12 {
				continue
			}
			args.Fields = append(args.Fields, formField{Name: name[:min(len(name), 40)], Label: label, Type: fieldType(name)})
		}
		args.Title, args.SubmitLabel, args.Action = "Your details", "Submit", "submit"
		if m := formName.FindStringSubmatch(text); m != nil && !formWords.MatchString(strings.ToLower(m[1])) {
			args.Title = sentence(m[1])
		}
	case signUpWords.MatchString(s):
		args = formArgs{Title: "Create an account", SubmitLabel: "Sign up", Action: "sign_up", Fields: []formField{
			{Name: "name", Label: "Name"}, {Name: "email", Label: "Email", Type: "email"}, {Name: "password", Label: "Password", Type: "password"},
		}}
	case contactWords.MatchString(s):
		args = formArgs{Title: "Contact us", SubmitLabel: "Send", Action: "contact", Fields: []formField{
			{Name: "name", Label: "Name"}, {Name: "email", Label: "Email", Type: "email"}, {Name: "message", Label: "Message", Type: "long_text"},
		}}
	}
	return callTool(generateForm, args)
}

func fieldType(name string) string {
	for _, f := range fieldTypes {
		if f.re.MatchString(name) {
			return f.typ
		}
	}
	return "text"
}

// formShown describes the A2UI surface generate_form returned: the
// heading, the inputs' labels and the button.
func formShown(k *call) string {
	if k.failed() {
		return "The form could not be built: " + k.err
	}
	var msgs []struct {
		SurfaceUpdate *struct {
			Components []struct {
				Component map[string]struct {
					Text      struct{ LiteralString string } `json:"text"`
					Label     struct{ LiteralString string } `json:"label"`
					UsageHint string                         `json:"usageHint"`
				} `json:"component"`
			} `json:"components"`
		} `json:"surfaceUpdate"`
	}
	if !k.decode(&msgs) {
		return "I showed the form."
	}
	title, button := "", ""
	var fields []string
	for _, m := range msgs {
		if m.SurfaceUpdate == nil {
			continue
		}
		for _, comp := range m.SurfaceUpdate.Components {
			for kind, p := range comp.Component {
				switch {
				case kind == "Text" && p.UsageHint == "h2":
					title = p.Text.LiteralString
				case kind == "Text" && p.UsageHint == "":
					button = p.Text.LiteralString
				case kind == "TextField" || kind == "CheckBox":
					fields = append(fields, p.Label.LiteralString)
				}
			}
		}
	}
	return fmt.Sprintf("I showed a form titled %q with %s, and a %q button. Fill it in above; the values are sent back when you press the button.",
		orDefault(title, "Form"), joinAnd(fields), orDefault(button, "Submit"))
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return "no fields"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

var (
	noticeText  = regexp.MustCompile(`(?i)\b(?:saying|says|that says|that reads|reading|that|with the (?:text|message)|:)\s*(.+)$`)
	noticeLevel = []struct {
		re    *regexp.Regexp
		level string
	}{
		{regexp.MustCompile(`\b(error|failed|failure|critical)\b`), "error"},
		{regexp.MustCompile(`\b(warn|warning|careful|caution)\b`), "warning"},
		{regexp.MustCompile(`\b(success|successful|done|ready|great)\b`), "success"},
	}
)

// noticeTurn shows a banner with the frontend's showNotice.
func noticeTurn(c *conversation, s string) action {
	if k := c.last(showNotice); k != nil {
		if k.failed() {
			return reply("The notice could not be shown: " + k.err)
		}
		return reply("Done: the notice is shown above the chat.")
	}
	msg := "Hello from agentd's offline demo model."
	if m := noticeText.FindStringSubmatch(toolUse.ReplaceAllString(c.text, "")); m != nil {
		msg = sentence(strings.Trim(m[1], `"'“” `)) + "."
	}
	args := map[string]string{"message": msg, "level": "info"}
	for _, l := range noticeLevel {
		if l.re.MatchString(strings.ToLower(msg)) {
			args["level"] = l.level
			break
		}
	}
	return callTool(showNotice, args)
}
