package demo

// Types for the A2UI v0.8 server-to-client messages the form tool emits.
// A surface is described by a flat list of components that refer to each
// other by id, a data model the inputs bind to by path, and a final message
// telling the client which component is the root and that it may render.
// Each message has exactly one top-level key.

type a2uiMessage struct {
	SurfaceUpdate   *surfaceUpdate   `json:"surfaceUpdate,omitempty"`
	DataModelUpdate *dataModelUpdate `json:"dataModelUpdate,omitempty"`
	BeginRendering  *beginRendering  `json:"beginRendering,omitempty"`
}

type surfaceUpdate struct {
	SurfaceID  string          `json:"surfaceId"`
	Components []a2uiComponent `json:"components"`
}

// a2uiComponent wraps one component; Component has exactly one key, the
// component type (Text, TextField, Button, ...).
type a2uiComponent struct {
	ID        string         `json:"id"`
	Component map[string]any `json:"component"`
}

type dataModelUpdate struct {
	SurfaceID string      `json:"surfaceId"`
	Path      string      `json:"path,omitempty"`
	Contents  []dataEntry `json:"contents"`
}

// dataEntry is one key of the data model with exactly one typed value.
type dataEntry struct {
	Key          string      `json:"key"`
	ValueString  *string     `json:"valueString,omitempty"`
	ValueBoolean *bool       `json:"valueBoolean,omitempty"`
	ValueMap     []dataEntry `json:"valueMap,omitempty"`
}

type beginRendering struct {
	SurfaceID string `json:"surfaceId"`
	Root      string `json:"root"`
}

// literal and bound are A2UI's two ways to give a value: inline, or as a
// JSON Pointer into the surface's data model.
func literal(s string) map[string]any  { return map[string]any{"literalString": s} }
func bound(path string) map[string]any { return map[string]any{"path": path} }

func component(id, kind string, props map[string]any) a2uiComponent {
	return a2uiComponent{ID: id, Component: map[string]any{kind: props}}
}
