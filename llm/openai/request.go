package openai

import (
	"bytes"
	"encoding/json"
	"fmt"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
)

// params converts a provider-neutral request to a streamed chat completion.
func (p *Provider) params(req *llm.Request) (sdk.ChatCompletionNewParams, error) {
	var msgs []sdk.ChatCompletionMessageParamUnion
	if req.System != "" {
		msgs = append(msgs, sdk.SystemMessage(req.System))
	}
	for i := range req.Messages {
		if m, ok := message(&req.Messages[i]); ok {
			msgs = append(msgs, m)
		}
	}
	tools, err := functionTools(req.Tools)
	if err != nil {
		return sdk.ChatCompletionNewParams{}, err
	}
	return sdk.ChatCompletionNewParams{
		Model:         p.model,
		Messages:      msgs,
		Tools:         tools,
		StreamOptions: sdk.ChatCompletionStreamOptionsParam{IncludeUsage: sdk.Bool(true)},
	}, nil
}

// message converts one AG-UI message; ok is false for messages the model
// does not take (reasoning, activity, empty assistant turns).
func message(m *agui.Message) (_ sdk.ChatCompletionMessageParamUnion, ok bool) {
	switch m.Role {
	case agui.RoleUser:
		if parts, ok := userParts(m.Content); ok {
			return sdk.UserMessage(parts), true
		}
		return sdk.UserMessage(m.Text()), true
	case agui.RoleAssistant:
		a := sdk.ChatCompletionAssistantMessageParam{}
		if text := m.Text(); text != "" {
			a.Content.OfString = sdk.String(text)
		}
		for _, tc := range m.ToolCalls {
			a.ToolCalls = append(a.ToolCalls, sdk.ChatCompletionMessageToolCallUnionParam{
				OfFunction: &sdk.ChatCompletionMessageFunctionToolCallParam{
					ID: tc.ID,
					Function: sdk.ChatCompletionMessageFunctionToolCallFunctionParam{
						Name: tc.Function.Name, Arguments: tc.Function.Arguments,
					},
				},
			})
		}
		if a.Content.OfString.Valid() || len(a.ToolCalls) > 0 {
			return sdk.ChatCompletionMessageParamUnion{OfAssistant: &a}, true
		}
	case agui.RoleTool:
		return sdk.ToolMessage(toolResult(m), m.ToolCallID), true
	case agui.RoleSystem, agui.RoleDeveloper:
		// Compatible servers rarely know the "developer" role; system is
		// understood everywhere.
		return sdk.SystemMessage(m.Text()), true
	}
	return sdk.ChatCompletionMessageParamUnion{}, false
}

// toolResult is a tool message's content with its error, if any, appended:
// chat completions have no error flag on tool results.
func toolResult(m *agui.Message) string {
	text := m.Text()
	switch {
	case m.Error == "":
		return text
	case text == "":
		return "Error: " + m.Error
	default:
		return text + "\n\nError: " + m.Error
	}
}

// contentPart is an AG-UI content part, with the image source agui.ContentPart
// does not carry.
type contentPart struct {
	Type   string `json:"type"`
	Text   string `json:"text"`
	Source *struct {
		Type     string `json:"type"` // data | url | file
		Value    string `json:"value"`
		MimeType string `json:"mimeType"`
	} `json:"source"`
}

// userParts converts array content that holds an image to content parts;
// ok is false when plain text (the joined text parts) says it all.
func userParts(content json.RawMessage) ([]sdk.ChatCompletionContentPartUnionParam, bool) {
	var parts []contentPart
	if c := bytes.TrimSpace(content); len(c) == 0 || c[0] != '[' || json.Unmarshal(c, &parts) != nil {
		return nil, false
	}
	var out []sdk.ChatCompletionContentPartUnionParam
	images := false
	for _, p := range parts {
		switch {
		case p.Type == "text":
			out = append(out, sdk.TextContentPart(p.Text))
		case p.Type == "image" && p.Source != nil && p.Source.Type == "url":
			out = append(out, sdk.ImageContentPart(sdk.ChatCompletionContentPartImageImageURLParam{URL: p.Source.Value}))
			images = true
		case p.Type == "image" && p.Source != nil && p.Source.Type == "data" && p.Source.MimeType != "":
			url := "data:" + p.Source.MimeType + ";base64," + p.Source.Value
			out = append(out, sdk.ImageContentPart(sdk.ChatCompletionContentPartImageImageURLParam{URL: url}))
			images = true
		}
	}
	return out, images
}

// functionTools converts tools; a tool without parameters takes an empty
// object, since the API wants a JSON Schema object.
func functionTools(tools []llm.Tool) ([]sdk.ChatCompletionToolUnionParam, error) {
	var out []sdk.ChatCompletionToolUnionParam
	for _, t := range tools {
		schema := shared.FunctionParameters{"type": "object", "properties": map[string]any{}}
		if raw := bytes.TrimSpace(t.Parameters); len(raw) > 0 && string(raw) != "null" {
			schema = nil
			if err := json.Unmarshal(raw, &schema); err != nil {
				return nil, fmt.Errorf("tool %q: parameters are not a JSON object: %w", t.Name, err)
			}
		}
		def := shared.FunctionDefinitionParam{Name: t.Name, Parameters: schema}
		if t.Description != "" {
			def.Description = sdk.String(t.Description)
		}
		out = append(out, sdk.ChatCompletionFunctionTool(def))
	}
	return out, nil
}
