package agentfile_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agentfile"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/sim"
)

func options() agentfile.Options {
	return agentfile.Options{
		Tools:  map[string]agent.Tool{"query_data": {Name: "query_data", Run: func(context.Context, agent.Call) (agent.Result, error) { return agent.Text("1"), nil }}},
		Agents: []string{"sample_agent"},
		Model: func(spec string) (llm.Provider, error) {
			if spec != "sim" {
				return nil, errors.New("--model " + spec + ": want sim")
			}
			return sim.New(sim.Config{}), nil
		},
	}
}

func TestInvalidFilesNameTheLine(t *testing.T) {
	for name, tt := range map[string]struct {
		body string
		want string // after "agents.yaml:"
	}{
		"empty":            {"", " the file is empty"},
		"not YAML":         {"agents:\n  - name: a\n    description: \"open\n", "3: "},
		"no agents":        {"default_agent: a\n", "1: the file defines no agents"},
		"unknown field":    {"agents:\n  - name: a\n    instruction: hi\n", "3: field instruction not found"},
		"wrong type":       {"agents:\n  - name: a\n    max_steps: many\n", "3: cannot unmarshal"},
		"bad name":         {"agents:\n  - name: a\n  - name: b/c\n", `3: agent name "b/c"`},
		"duplicate":        {"agents:\n  - name: a\n  - name: a\n", "3: agent a is defined twice"},
		"a Go agent's":     {"agents:\n  - name: sample_agent\n", "2: agent sample_agent is defined twice"},
		"remote":           {"agents:\n  - name: a\n    remote:\n      - http://127.0.0.1:8000/\n", "4: agent a: remote agents are not supported yet"},
		"unknown tool":     {"agents:\n  - name: a\n    tools: [query_data, nope]\n", `3: agent a: no built-in tool "nope" (there are: query_data)`},
		"unknown model":    {"agents:\n  - name: a\n    model: gpt\n", "3: agent a: --model gpt: want sim"},
		"both prompts":     {"agents:\n  - name: a\n    instructions: x\n    instructions_file: p.md\n", "4: agent a: set instructions or instructions_file"},
		"missing prompt":   {"agents:\n  - name: a\n    instructions_file: nope.md\n", "3: agent a: instructions_file:"},
		"negative steps":   {"agents:\n  - name: a\n    max_steps: -1\n", "3: agent a: max_steps"},
		"no transport":     {"agents:\n  - name: a\n    mcp:\n      - name: m\n", "4: agent a: MCP server m: set command"},
		"two transports":   {"agents:\n  - name: a\n    mcp:\n      - name: m\n        command: [x]\n        url: http://h/\n", "6: agent a: MCP server m: set command (stdio) or url (HTTP), not both"},
		"bad url":          {"agents:\n  - name: a\n    mcp:\n      - name: m\n        url: ftp://h/\n", `5: agent a: MCP server m: url "ftp://h/"`},
		"unset variable":   {"agents:\n  - name: a\n    mcp:\n      - name: m\n        url: http://h/\n        headers: {Authorization: \"Bearer ${AGENTFILE_TEST_UNSET}\"}\n", "6: agent a: MCP server m: environment variable AGENTFILE_TEST_UNSET is not set"},
		"bad timeout":      {"agents:\n  - name: a\n    mcp:\n      - name: m\n        command: [x]\n        timeout: soon\n", `6: agent a: MCP server m: timeout "soon"`},
		"two servers":      {"agents:\n  - name: a\n    mcp:\n      - name: m\n        command: [x]\n      - name: m\n        command: [y]\n", "6: agent a: two MCP servers are named m"},
		"unknown default":  {"agents:\n  - name: a\ndefault_agent: b\n", "3: default_agent b: no agent has that name"},
		"headers on stdio": {"agents:\n  - name: a\n    mcp:\n      - name: m\n        command: [x]\n        headers: {A: b}\n", "6: agent a: MCP server m: headers are for an HTTP server"},
	} {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, tt.body)
			_, err := agentfile.Load(path, options())
			if err == nil {
				t.Fatal("loaded")
			}
			if want := path + ":" + tt.want; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error\n %s\nwant it to start with\n %s", err, want)
			}
		})
	}
}

func TestAFileAgentUsesBuiltInToolsAndAPromptFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "calc.md"), []byte("You add numbers."), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "agents.yaml")
	body := "agents:\n  - name: calc\n    description: Adds\n    model: sim\n    instructions_file: calc.md\n    max_steps: 3\n    tools: [query_data]\ndefault_agent: sample_agent\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := agentfile.Load(path, options())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	a := l.Agents[0]
	if a.Name != "calc" || a.Description != "Adds" || a.Instructions != "You add numbers." || a.MaxSteps != 3 ||
		a.Model == nil || a.Model.Name() != "sim" || len(a.Tools) != 1 || a.Tools[0].Name != "query_data" {
		t.Errorf("loaded %+v", a)
	}
	if l.Default != "sample_agent" {
		t.Errorf("default %q: a file may name a Go agent the default", l.Default)
	}
}
