package agentd_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/agentd/agentd"

// layer is what a package of this module may import.
type layer struct {
	may    []string // packages of this module, as "agentd" (the root) or their path below it; "*" is any
	stdlib bool     // nothing from outside the module but the standard library
}

// layers is the import graph of the package layout (the project's style
// guide, section 3): arrows point down from cmd through httpapi, runs and
// agent to llm; the seams (store, coord) name no implementation; a backend
// imports only its seam, agentd, agui and its driver; only cli and test
// helpers import backends. Where the code needs more than the guide's table
// lists, the rule says so.
var layers = map[string]layer{
	"agentd":  {may: []string{"agui"}, stdlib: true},
	"agui":    {stdlib: true},
	"history": {may: []string{"agui"}, stdlib: true}, // merges the client's history with the stored one, for runs
	"webui":   {stdlib: true},
	"coord":   {may: []string{"agentd", "agui"}, stdlib: true},
	"store":   {may: []string{"agentd", "agui"}, stdlib: true}, // messages are agui.Message

	"llm":           {may: []string{"agentd", "agui"}},
	"llm/guard":     {may: []string{"agentd", "agui", "llm"}},
	"llm/openai":    {may: []string{"agentd", "agui", "llm"}},
	"llm/anthropic": {may: []string{"agentd", "agui", "llm"}},
	"llm/sim":       {may: []string{"agentd", "agui", "llm"}},
	"llm/demo":      {may: []string{"agentd", "agui", "llm"}}, // knows agent/demo's tools by name, not by import
	"llm/llmtest":   {may: []string{"agentd", "agui", "llm"}},
	"agent":         {may: []string{"agentd", "agui", "llm"}},
	"agent/demo":    {may: []string{"agentd", "agui", "llm", "agent"}},
	// mcptools turns MCP servers into agent.Tools (and the MCP SDK);
	// agentfile turns the agents file into agents, with mcptools.
	"mcptools":         {may: []string{"agent"}},
	"agentfile":        {may: []string{"agent", "llm", "mcptools"}},
	"mcptools/mcptest": {}, // an MCP server for tests and examples: the SDK only
	"admission":        {may: []string{"agentd", "coord"}},
	"auth":             {may: []string{"agentd"}}, // and the JWT and JWKS libraries
	// runs takes its default model as an llm.Provider and reconciles
	// histories with history.
	"runs": {may: []string{"agentd", "agui", "agent", "llm", "history", "store", "coord"}},
	// httpapi serves /threads from the store and tells a rejoin of an
	// unknown run by coord.ErrNotFound: the seams, never a backend.
	"httpapi": {may: []string{"agentd", "agui", "admission", "auth", "runs", "store", "coord", "webui"}},

	"store/sqlite":   {may: []string{"agentd", "agui", "store"}},
	"store/postgres": {may: []string{"agentd", "agui", "store", "internal/pgmigrate"}},
	"coord/redis":    {may: []string{"agentd", "agui", "coord"}},
	"coord/postgres": {may: []string{"agentd", "agui", "coord", "internal/pgmigrate"}},

	"store/storetest":    {may: []string{"agentd", "agui", "store"}},
	"coord/coordtest":    {may: []string{"agentd", "agui", "coord"}},
	"internal/flagenv":   {stdlib: true},
	"internal/pgmigrate": {},
	"internal/tcpproxy":  {stdlib: true},
	"internal/testenv":   {may: []string{"agentd", "agui", "store", "coord", "store/sqlite", "store/postgres", "coord/redis", "coord/postgres", "internal/tcpproxy"}},

	"loadgen": {may: []string{"agui", "internal/flagenv"}}, // a client: nothing of the server
	"fakellm": {may: []string{"agui", "internal/flagenv"}},

	"cli":              {may: []string{"*"}},
	"cmd/agentd":       {may: []string{"*"}},
	"examples/weather": {may: []string{"*"}},
	"examples/mcpmath": {may: []string{"*"}},
}

// drivers are the database and Redis clients; besides cli and the
// packages named here, no package imports one.
var drivers = map[string][]string{
	"github.com/jackc/pgx/":          {"store/postgres", "coord/postgres", "internal/pgmigrate", "internal/testenv"},
	"modernc.org/sqlite":             {"store/sqlite"},
	"github.com/pressly/goose/":      {"store/sqlite", "internal/pgmigrate"},
	"github.com/redis/go-redis/":     {"coord/redis", "internal/testenv"},
	"github.com/go-redis/redis_rate": {"coord/redis"},
}

// backends are imported only by cli and the test helpers.
var backends = []string{"store/sqlite", "store/postgres", "coord/redis", "coord/postgres"}

type goPackage struct {
	ImportPath string
	Standard   bool
	Imports    []string
	Deps       []string
}

func TestImportGraphFollowsTheLayout(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	standard := map[string]bool{}
	var pkgs []goPackage
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		standard[p.ImportPath] = p.Standard
		if _, ok := rel(p.ImportPath); ok {
			pkgs = append(pkgs, p)
		}
	}
	if len(pkgs) < len(layers)/2 {
		t.Fatalf("go list found %d packages of %s", len(pkgs), module)
	}
	for _, p := range pkgs {
		name, _ := rel(p.ImportPath)
		l, ok := layers[name]
		if !ok {
			t.Errorf("package %s has no rule: add what it may import to layers in arch_test.go", name)
			continue
		}
		if slices.Contains(l.may, "*") {
			continue
		}
		for _, imp := range p.Imports {
			if dep, ours := rel(imp); ours {
				if !slices.Contains(l.may, dep) {
					t.Errorf("forbidden import %s -> %s: of this module %s may import only%s", name, dep, name, l.ours(" "))
				}
				continue
			}
			if standard[imp] {
				continue
			}
			if l.stdlib {
				t.Errorf("forbidden import %s -> %s: %s may import only the standard library%s", name, imp, name, l.ours(" and "))
			}
			for prefix, users := range drivers {
				if strings.HasPrefix(imp, prefix) && !slices.Contains(users, name) {
					t.Errorf("forbidden import %s -> %s: only %v use that driver", name, imp, users)
				}
			}
		}
		// The edges above imply this; it names the path's end when a new
		// rule lets one through.
		if slices.Contains(backends, name) || name == "internal/testenv" {
			continue
		}
		for _, dep := range p.Deps {
			if d, ours := rel(dep); ours && slices.Contains(backends, d) && !slices.Contains(p.Imports, dep) {
				t.Errorf("forbidden dependency %s -> ... -> %s: only cli and test helpers reach a backend", name, d)
			}
		}
	}
}

// ours lists the packages of this module l allows, after sep; "" if none.
func (l layer) ours(sep string) string {
	if len(l.may) == 0 {
		return ""
	}
	return sep + strings.Join(l.may, ", ")
}

// rel names a package of this module by its path below the module, the
// root as "agentd".
func rel(path string) (string, bool) {
	if path == module {
		return "agentd", true
	}
	name, ok := strings.CutPrefix(path, module+"/")
	return name, ok
}
