// Package agentfile reads the agents file: YAML that defines agents
// without Go. It validates the whole file before anything starts, naming
// the line of every mistake, and turns it into agent.Agent values, whose
// MCP servers (package mcptools) are a toolset like any other.
package agentfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/mcptools"
	"go.yaml.in/yaml/v3"
)

// file is the agents file as written; the schema is agents.schema.json.
type file struct {
	Agents       []agentSpec `yaml:"agents"`
	DefaultAgent string      `yaml:"default_agent"`
}

type agentSpec struct {
	Name             string    `yaml:"name"`
	Description      string    `yaml:"description"`
	Model            string    `yaml:"model"`
	Instructions     string    `yaml:"instructions"`
	InstructionsFile string    `yaml:"instructions_file"`
	MaxSteps         int       `yaml:"max_steps"`
	Tools            []string  `yaml:"tools"`
	MCP              []mcpSpec `yaml:"mcp"`
	Remote           []string  `yaml:"remote"`
}

type mcpSpec struct {
	Name    string            `yaml:"name"`
	Command []string          `yaml:"command"`
	Env     map[string]string `yaml:"env"`
	URL     string            `yaml:"url"`
	Headers map[string]string `yaml:"headers"`
	Timeout string            `yaml:"timeout"`
}

// Options are what the file's names refer to.
type Options struct {
	// Model builds a model from a --model spec ("sim", "openai:gpt-4.1").
	Model func(spec string) (llm.Provider, error)
	// Tools are the built-in tools the file may name.
	Tools map[string]agent.Tool
	// Agents are the names of agents defined in Go, served beside the
	// file's: a file agent may not take one, default_agent may name one.
	Agents []string
	Logger *slog.Logger
	// Metrics count the MCP tool calls (nil: unregistered).
	Metrics *mcptools.Metrics
}

// Loaded is what a file defines, its MCP servers started.
type Loaded struct {
	Agents []*agent.Agent
	// Default is default_agent, "" when the file names none.
	Default string
	sets    []*mcptools.Set
}

// Close stops the MCP servers.
func (l *Loaded) Close() {
	for _, s := range l.sets {
		s.Close()
	}
}

// Load reads and validates path, then starts its agents' MCP servers.
func Load(path string, o Options) (*Loaded, error) {
	defs, def, err := parse(path, o)
	if err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Metrics == nil {
		o.Metrics = mcptools.NewMetrics(nil)
	}
	l := &Loaded{Default: def}
	for _, d := range defs {
		if len(d.mcp) > 0 {
			set := &mcptools.Set{Taken: toolNames(d.agent.Tools)}
			for _, c := range d.mcp {
				set.Servers = append(set.Servers, mcptools.Start(c, o.Logger, o.Metrics))
			}
			d.agent.Toolsets = append(d.agent.Toolsets, set)
			l.sets = append(l.sets, set)
		}
		l.Agents = append(l.Agents, d.agent)
	}
	return l, nil
}

// definition is one validated agent, its MCP servers not yet started.
type definition struct {
	agent *agent.Agent
	mcp   []mcptools.Config
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// parse validates the whole file: every error names path and line.
func parse(path string, o Options) ([]definition, string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, "", fmt.Errorf("%s:%w", path, yamlErr(err))
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	var f file
	if err := dec.Decode(&f); errors.Is(err, io.EOF) {
		return nil, "", fmt.Errorf("%s: the file is empty: want a list under agents:", path)
	} else if err != nil {
		return nil, "", fmt.Errorf("%s:%w", path, yamlErr(err))
	}
	p := &parser{path: path, dir: filepath.Dir(path), o: o}
	doc := &root
	if len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	agentsNode := value(doc, "agents")
	if len(f.Agents) == 0 {
		return nil, "", p.errorf(doc, "the file defines no agents: want a list under agents:")
	}
	taken := map[string]bool{}
	for _, n := range o.Agents {
		taken[n] = true
	}
	var defs []definition
	for i, spec := range f.Agents {
		n := agentsNode.Content[i]
		d, err := p.agent(n, spec)
		if err != nil {
			return nil, "", err
		}
		if taken[spec.Name] {
			return nil, "", p.errorf(value(n, "name"), "agent %s is defined twice", spec.Name)
		}
		taken[spec.Name] = true
		defs = append(defs, d)
	}
	if f.DefaultAgent != "" && !taken[f.DefaultAgent] {
		return nil, "", p.errorf(value(doc, "default_agent"), "default_agent %s: no agent has that name", f.DefaultAgent)
	}
	return defs, f.DefaultAgent, nil
}

type parser struct {
	path, dir string
	o         Options
}

func (p *parser) agent(n *yaml.Node, s agentSpec) (definition, error) {
	if !nameRE.MatchString(s.Name) {
		return definition{}, p.errorf(orNode(value(n, "name"), n), "agent name %q: want letters, digits, _ and - (it is the URL /agents/NAME)", s.Name)
	}
	fail := func(field, format string, args ...any) (definition, error) {
		return definition{}, p.errorf(orNode(value(n, field), n), "agent %s: "+format, append([]any{s.Name}, args...)...)
	}
	if s.Remote != nil {
		return fail("remote", "remote agents are not supported yet")
	}
	a := &agent.Agent{Name: s.Name, Description: s.Description, Instructions: s.Instructions, MaxSteps: s.MaxSteps}
	if s.MaxSteps < 0 {
		return fail("max_steps", "max_steps must be at least 0")
	}
	if s.InstructionsFile != "" {
		if s.Instructions != "" {
			return fail("instructions_file", "set instructions or instructions_file, not both")
		}
		b, err := os.ReadFile(p.rel(s.InstructionsFile))
		if err != nil {
			return fail("instructions_file", "instructions_file: %v", err)
		}
		a.Instructions = string(b)
	}
	if s.Model != "" {
		if p.o.Model == nil {
			return fail("model", "this server builds no models by name")
		}
		m, err := p.o.Model(s.Model)
		if err != nil {
			return fail("model", "%v", err)
		}
		a.Model = m
	}
	for i, name := range s.Tools {
		t, ok := p.o.Tools[name]
		if !ok {
			return definition{}, p.errorf(value(n, "tools").Content[i], "agent %s: no built-in tool %q (there are: %s)", s.Name, name, strings.Join(p.toolNames(), ", "))
		}
		a.Tools = append(a.Tools, t)
	}
	if err := a.Validate(); err != nil {
		return fail("tools", "%v", err)
	}
	d := definition{agent: a}
	seen := map[string]bool{}
	for i, m := range s.MCP {
		c, err := p.mcp(value(n, "mcp").Content[i], s.Name, m)
		if err != nil {
			return definition{}, err
		}
		if seen[m.Name] {
			return definition{}, p.errorf(value(n, "mcp").Content[i], "agent %s: two MCP servers are named %s", s.Name, m.Name)
		}
		seen[m.Name] = true
		d.mcp = append(d.mcp, c)
	}
	return d, nil
}

func (p *parser) mcp(n *yaml.Node, agentName string, s mcpSpec) (mcptools.Config, error) {
	fail := func(field, format string, args ...any) (mcptools.Config, error) {
		return mcptools.Config{}, p.errorf(orNode(value(n, field), n), "agent %s: MCP server %s: "+format, append([]any{agentName, s.Name}, args...)...)
	}
	if !nameRE.MatchString(s.Name) {
		return fail("name", "name %q: want letters, digits, _ and -", s.Name)
	}
	c := mcptools.Config{Agent: agentName, Name: s.Name, Dir: p.dir}
	switch {
	case len(s.Command) > 0 && s.URL != "":
		return fail("url", "set command (stdio) or url (HTTP), not both")
	case len(s.Command) > 0:
		if len(s.Headers) > 0 {
			return fail("headers", "headers are for an HTTP server (url)")
		}
		c.Command = s.Command
	case s.URL != "":
		if !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") {
			return fail("url", "url %q: want http:// or https://", s.URL)
		}
		if len(s.Env) > 0 {
			return fail("env", "env is for a stdio server (command)")
		}
		c.URL = s.URL
	default:
		return fail("name", "set command (a stdio server) or url (a streamable HTTP server)")
	}
	var err error
	if c.Env, err = expandAll(s.Env); err != nil {
		return fail("env", "%v", err)
	}
	if c.Headers, err = expandAll(s.Headers); err != nil {
		return fail("headers", "%v", err)
	}
	if s.Timeout != "" {
		if c.Timeout, err = time.ParseDuration(s.Timeout); err != nil || c.Timeout <= 0 {
			return fail("timeout", "timeout %q: want a positive duration such as 30s", s.Timeout)
		}
	}
	return c, nil
}

// expandAll replaces ${VAR} in the values with the environment's; an unset
// variable is an error, not an empty secret.
func expandAll(m map[string]string) (map[string]string, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]string, len(m))
	var missing []string
	for k, v := range m {
		out[k] = os.Expand(v, func(name string) string {
			val, ok := os.LookupEnv(name)
			if !ok {
				missing = append(missing, name)
			}
			return val
		})
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("environment variable %s is not set", strings.Join(missing, ", "))
	}
	return out, nil
}

func (p *parser) rel(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(p.dir, name)
}

func (p *parser) toolNames() []string {
	var out []string
	for n := range p.o.Tools {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p.path, n.Line, fmt.Sprintf(format, args...))
}

// value is the value node of key in mapping n, nil if absent.
func value(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func orNode(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}

func toolNames(ts []agent.Tool) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

// yamlErr turns the YAML library's "yaml: line 3: …" into "3: …", so
// that the message reads path:3: …; one without a line gets " " first.
func yamlErr(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return errors.New(strings.Join(lineFirst(te.Errors), "; "))
	}
	return errors.New(lineFirst([]string{strings.TrimPrefix(err.Error(), "yaml: ")})[0])
}

func lineFirst(msgs []string) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		if rest, ok := strings.CutPrefix(m, "line "); ok {
			if num, msg, ok := strings.Cut(rest, ": "); ok {
				m = num + ": " + msg
			}
		} else {
			m = " " + m
		}
		out[i] = m
	}
	return out
}
