package llmtest_test

import (
	"reflect"
	"testing"

	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/llmtest"
)

func TestCollector_ToolCalls(t *testing.T) {
	t.Parallel()
	c := llmtest.Collector{Deltas: []llm.Delta{
		{ToolCall: &llm.ToolCallDelta{Index: 1, ID: "b", Name: "g"}},
		{Text: "x"},
		{ToolCall: &llm.ToolCallDelta{Index: 0, ID: "a", Name: "f", Args: `{"k"`}},
		{ToolCall: &llm.ToolCallDelta{Index: 1, Args: `{}`}},
		{ToolCall: &llm.ToolCallDelta{Index: 0, Args: `:1}`}},
	}}
	calls, err := c.ToolCalls()
	if err != nil {
		t.Fatal(err)
	}
	want := []llmtest.Call{{Index: 1, ID: "b", Name: "g", Args: "{}"}, {Index: 0, ID: "a", Name: "f", Args: `{"k":1}`}}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("calls = %+v, want %+v", calls, want)
	}
}

func TestCollector_ToolCallsRejectsBrokenContract(t *testing.T) {
	t.Parallel()
	for name, deltas := range map[string][]llm.Delta{
		"first delta without an ID":  {{ToolCall: &llm.ToolCallDelta{Index: 0, Name: "f"}}},
		"first delta without a Name": {{ToolCall: &llm.ToolCallDelta{Index: 0, ID: "a"}}},
		"ID repeated later": {
			{ToolCall: &llm.ToolCallDelta{Index: 0, ID: "a", Name: "f"}},
			{ToolCall: &llm.ToolCallDelta{Index: 0, ID: "a", Args: "{}"}},
		},
	} {
		c := llmtest.Collector{Deltas: deltas}
		if _, err := c.ToolCalls(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
