package anthropic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
)

// params converts a provider-neutral request to a streamed message.
// System and developer messages join the system prompt, since the API has
// no such roles in the conversation.
func (p *Provider) params(req *llm.Request) (sdk.MessageNewParams, error) {
	var system []string
	if req.System != "" {
		system = append(system, req.System)
	}
	var c conversation
	for i := range req.Messages {
		m := &req.Messages[i]
		switch m.Role {
		case agui.RoleUser:
			c.add(agui.RoleUser, userBlocks(m.Content)...)
		case agui.RoleAssistant:
			c.add(agui.RoleAssistant, assistantBlocks(m)...)
		case agui.RoleTool:
			c.add(agui.RoleUser, toolResult(m))
		case agui.RoleSystem, agui.RoleDeveloper:
			if text := m.Text(); text != "" {
				system = append(system, text)
			}
		}
	}
	tools, err := tools(req.Tools)
	if err != nil {
		return sdk.MessageNewParams{}, err
	}
	params := sdk.MessageNewParams{
		Model:     sdk.Model(p.model),
		MaxTokens: int64(p.maxTokens),
		Messages:  c.messages(),
		Tools:     tools,
	}
	if len(system) > 0 {
		params.System = []sdk.TextBlockParam{{Text: strings.Join(system, "\n\n")}}
	}
	return params, nil
}

// conversation builds the alternating user/assistant turns the API
// requires: consecutive messages of one role merge into one turn.
type conversation struct {
	turns []turn
}

type turn struct {
	role   string
	blocks []sdk.ContentBlockParamUnion
}

func (c *conversation) add(role string, blocks ...sdk.ContentBlockParamUnion) {
	if len(blocks) == 0 {
		return // the API rejects empty turns and empty text blocks
	}
	n := len(c.turns)
	if n == 0 || c.turns[n-1].role != role {
		c.turns = append(c.turns, turn{role: role, blocks: blocks})
		return
	}
	t := &c.turns[n-1]
	for _, b := range blocks {
		if b.OfToolResult == nil {
			t.blocks = append(t.blocks, b)
			continue
		}
		// Tool results must lead their user turn, even when a user message
		// was sent while the tool ran.
		i := 0
		for i < len(t.blocks) && t.blocks[i].OfToolResult != nil {
			i++
		}
		t.blocks = append(t.blocks[:i], append([]sdk.ContentBlockParamUnion{b}, t.blocks[i:]...)...)
	}
}

func (c *conversation) messages() []sdk.MessageParam {
	out := make([]sdk.MessageParam, len(c.turns))
	for i, t := range c.turns {
		if t.role == agui.RoleAssistant {
			out[i] = sdk.NewAssistantMessage(t.blocks...)
		} else {
			out[i] = sdk.NewUserMessage(t.blocks...)
		}
	}
	return out
}

func assistantBlocks(m *agui.Message) []sdk.ContentBlockParamUnion {
	var blocks []sdk.ContentBlockParamUnion
	if text := m.Text(); text != "" {
		blocks = append(blocks, sdk.NewTextBlock(text))
	}
	for _, tc := range m.ToolCalls {
		blocks = append(blocks, sdk.NewToolUseBlock(tc.ID, toolInput(tc.Function.Arguments), tc.Function.Name))
	}
	return blocks
}

// toolInput is the arguments JSON string as the object the API wants; a
// string that is not a JSON object becomes {}.
func toolInput(args string) any {
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(args), &obj) != nil || obj == nil {
		return map[string]any{}
	}
	return json.RawMessage(args)
}

// toolResult answers one tool call; a failed tool is flagged is_error and
// its error text joins the content.
func toolResult(m *agui.Message) sdk.ContentBlockParamUnion {
	b := sdk.ToolResultBlockParam{ToolUseID: m.ToolCallID}
	if text := m.Text(); text != "" {
		b.Content = append(b.Content, sdk.ToolResultBlockParamContentUnion{OfText: &sdk.TextBlockParam{Text: text}})
	}
	if m.Error != "" {
		b.IsError = sdk.Bool(true)
		b.Content = append(b.Content, sdk.ToolResultBlockParamContentUnion{OfText: &sdk.TextBlockParam{Text: "Error: " + m.Error}})
	}
	return sdk.ContentBlockParamUnion{OfToolResult: &b}
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

// userBlocks converts user content: a string, or text and image parts.
// Other parts (audio, video, documents, files) are left out.
func userBlocks(content json.RawMessage) []sdk.ContentBlockParamUnion {
	c := bytes.TrimSpace(content)
	var parts []contentPart
	if len(c) == 0 || c[0] != '[' || json.Unmarshal(c, &parts) != nil {
		m := agui.Message{Content: content}
		if text := m.Text(); text != "" {
			return []sdk.ContentBlockParamUnion{sdk.NewTextBlock(text)}
		}
		return nil
	}
	var blocks []sdk.ContentBlockParamUnion
	for _, p := range parts {
		switch {
		case p.Type == "text" && p.Text != "":
			blocks = append(blocks, sdk.NewTextBlock(p.Text))
		case p.Type == "image" && p.Source != nil && p.Source.Type == "url":
			blocks = append(blocks, sdk.NewImageBlock(sdk.URLImageSourceParam{URL: p.Source.Value}))
		case p.Type == "image" && p.Source != nil && p.Source.Type == "data" && p.Source.MimeType != "":
			blocks = append(blocks, sdk.NewImageBlockBase64(p.Source.MimeType, p.Source.Value))
		}
	}
	return blocks
}

// tools converts tools; a tool without parameters takes an empty object.
func tools(ts []llm.Tool) ([]sdk.ToolUnionParam, error) {
	var out []sdk.ToolUnionParam
	for _, t := range ts {
		schema, err := inputSchema(t.Parameters)
		if err != nil {
			return nil, fmt.Errorf("tool %q: %w", t.Name, err)
		}
		tool := sdk.ToolParam{Name: t.Name, InputSchema: schema}
		if t.Description != "" {
			tool.Description = sdk.String(t.Description)
		}
		out = append(out, sdk.ToolUnionParam{OfTool: &tool})
	}
	return out, nil
}

// inputSchema splits a JSON Schema object into the SDK's typed fields and
// the rest ($defs, additionalProperties, …), which pass through unchanged.
func inputSchema(raw json.RawMessage) (sdk.ToolInputSchemaParam, error) {
	schema := sdk.ToolInputSchemaParam{Properties: map[string]any{}}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return schema, nil
	}
	var known struct {
		Properties any      `json:"properties"`
		Required   []string `json:"required"`
	}
	var extra map[string]any
	if err := json.Unmarshal(raw, &extra); err != nil {
		return schema, fmt.Errorf("parameters are not a JSON object: %w", err)
	}
	if err := json.Unmarshal(raw, &known); err != nil {
		return schema, fmt.Errorf("parameters are not a valid JSON Schema object: %w", err)
	}
	if known.Properties != nil {
		schema.Properties = known.Properties
	}
	schema.Required = known.Required
	for _, k := range []string{"type", "properties", "required"} {
		delete(extra, k)
	}
	if len(extra) > 0 {
		schema.ExtraFields = extra
	}
	return schema, nil
}
