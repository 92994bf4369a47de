package demo_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

type todoOut struct {
	Summary string           `json:"summary"`
	Todos   []map[string]any `json:"todos"`
	Counts  map[string]int   `json:"counts"`
}

// decodeState splits a state into its todos and its other keys.
func decodeState(t *testing.T, raw json.RawMessage) ([]map[string]any, map[string]any) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("state is not a JSON object: %v\n%s", err, raw)
	}
	var todos []map[string]any
	b, _ := json.Marshal(m["todos"])
	if err := json.Unmarshal(b, &todos); err != nil {
		t.Fatalf("state.todos is not a list: %v", err)
	}
	delete(m, "todos")
	return todos, m
}

func summarize(todos []map[string]any) string {
	var parts []string
	for _, td := range todos {
		parts = append(parts, td["id"].(string)+":"+td["title"].(string)+":"+td["status"].(string))
	}
	return strings.Join(parts, " | ")
}

const otherKeys = `"theme":"dark","filters":{"region":"North","years":[2025]},"count":3`

func TestManageTodos_Lifecycle(t *testing.T) {
	state := `{` + otherKeys + `}`
	wantOther := map[string]any{}
	json.Unmarshal([]byte(state), &wantOther)

	step := func(args, want string) json.RawMessage {
		t.Helper()
		var out todoOut
		res := mustCall(t, "manage_todos", args, state, &out)
		if res.State == nil {
			t.Fatalf("%s: no new state", args)
		}
		todos, other := decodeState(t, res.State)
		if got := summarize(todos); got != want {
			t.Fatalf("%s:\n todos = %s\n want    %s", args, got, want)
		}
		if !reflect.DeepEqual(other, wantOther) {
			t.Fatalf("%s: other state keys changed: %v, want %v", args, other, wantOther)
		}
		if got := summarize(out.Todos); got != want || out.Summary == "" {
			t.Fatalf("%s: content todos = %s (summary %q), want %s", args, got, out.Summary, want)
		}
		state = string(res.State)
		return res.State
	}

	step(`{"actions":[{"op":"add","title":"Pull Q3 revenue"},{"op":"add","title":"Draw the chart","status":"in_progress"}]}`,
		"todo-1:Pull Q3 revenue:pending | todo-2:Draw the chart:in_progress")
	step(`{"actions":[{"op":"update","id":"todo-1","status":"done"},{"op":"add","id":"review","title":"Review with finance"}]}`,
		"todo-1:Pull Q3 revenue:done | todo-2:Draw the chart:in_progress | review:Review with finance:pending")
	step(`{"actions":[{"op":"update","id":"todo-2","title":"Draw the bar chart"}]}`,
		"todo-1:Pull Q3 revenue:done | todo-2:Draw the bar chart:in_progress | review:Review with finance:pending")
	step(`{"actions":[{"op":"remove","id":"todo-2"},{"op":"add","title":"Send summary"}]}`,
		"todo-1:Pull Q3 revenue:done | review:Review with finance:pending | todo-2:Send summary:pending")
	step(`{"actions":[{"op":"clear","status":"done"}]}`,
		"review:Review with finance:pending | todo-2:Send summary:pending")

	var out todoOut
	mustCall(t, "manage_todos", `{"actions":[{"op":"update","id":"review","status":"in_progress"}]}`, state, &out)
	if out.Counts["pending"] != 1 || out.Counts["in_progress"] != 1 || out.Counts["done"] != 0 {
		t.Errorf("counts = %v", out.Counts)
	}

	final := step(`{"actions":[{"op":"clear"}]}`, "")
	if !strings.Contains(string(final), `"todos":[]`) {
		t.Errorf("cleared state should hold an empty list, got %s", final)
	}
}

func TestManageTodos_EmptyState(t *testing.T) {
	for _, state := range []string{"", "null", "{}", `{"todos":null}`} {
		res := mustCall(t, "manage_todos", `{"actions":[{"op":"add","title":"First"}]}`, state, nil)
		todos, other := decodeState(t, res.State)
		if summarize(todos) != "todo-1:First:pending" || len(other) != 0 {
			t.Errorf("state %q: got todos %s, other %v", state, summarize(todos), other)
		}
	}
}

func TestManageTodos_KeepsExtraFields(t *testing.T) {
	state := `{"todos":[{"id":"a","title":"Keep me","status":"pending","owner":"ana","tags":["x"]}],"view":"list"}`
	res := mustCall(t, "manage_todos", `{"actions":[{"op":"update","id":"a","status":"done"}]}`, state, nil)
	todos, other := decodeState(t, res.State)
	if todos[0]["owner"] != "ana" || !reflect.DeepEqual(todos[0]["tags"], []any{"x"}) || todos[0]["status"] != "done" {
		t.Errorf("todo = %v, want extra fields kept and status done", todos[0])
	}
	if other["view"] != "list" {
		t.Errorf("other keys = %v", other)
	}

	res = mustCall(t, "manage_todos", `{"replace":[{"id":"a","title":"Renamed","status":"in_progress"},{"title":"New one"}]}`, state, nil)
	todos, _ = decodeState(t, res.State)
	if got := summarize(todos); got != "a:Renamed:in_progress | todo-1:New one:pending" {
		t.Errorf("after replace: %s", got)
	}
	if todos[0]["owner"] != "ana" {
		t.Errorf("replace dropped the extra fields of a kept id: %v", todos[0])
	}

	res = mustCall(t, "manage_todos", `{"replace":[]}`, state, nil)
	if todos, other := decodeState(t, res.State); len(todos) != 0 || other["view"] != "list" {
		t.Errorf("replace with [] = %v / %v, want an empty list and other keys kept", todos, other)
	}
}

func TestManageTodos_BadArguments(t *testing.T) {
	state := `{"todos":[{"id":"todo-1","title":"One","status":"pending"}]}`
	cases := []struct{ name, args, state, mention string }{
		{"nothing", `{}`, state, "nothing to do"},
		{"both", `{"actions":[{"op":"clear"}],"replace":[]}`, state, "not both"},
		{"unknown op", `{"actions":[{"op":"archive","id":"todo-1"}]}`, state, "unknown op"},
		{"missing op", `{"actions":[{"id":"todo-1"}]}`, state, "op is required"},
		{"bad status", `{"actions":[{"op":"update","id":"todo-1","status":"finished"}]}`, state, "pending, in_progress, done"},
		{"unknown id", `{"actions":[{"op":"remove","id":"todo-9"}]}`, state, "todo-1"},
		{"update without change", `{"actions":[{"op":"update","id":"todo-1"}]}`, state, "title or status"},
		{"add without title", `{"actions":[{"op":"add","title":"  "}]}`, state, "title is required"},
		{"duplicate id", `{"actions":[{"op":"add","id":"todo-1","title":"Again"}]}`, state, "already used"},
		{"replace duplicate", `{"replace":[{"id":"x","title":"a"},{"id":"x","title":"b"}]}`, state, "twice"},
		{"replace bad status", `{"replace":[{"title":"a","status":"later"}]}`, state, "replace[0].status"},
		{"state not an object", `{"actions":[{"op":"add","title":"a"}]}`, `[1,2]`, "not a JSON object"},
		{"todos not a list", `{"actions":[{"op":"add","title":"a"}]}`, `{"todos":"many"}`, "todos"},
		{"unknown field", `{"actions":[{"op":"add","title":"a","due":"friday"}]}`, state, "due"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := mustFail(t, "manage_todos", c.args, c.state)
			if !strings.Contains(err.Error(), c.mention) {
				t.Errorf("error %q does not mention %q", err, c.mention)
			}
		})
	}
}

// A failing action in a batch must leave nothing applied: the tool returns
// an error and no state, so the thread keeps its old state.
func TestManageTodos_AllOrNothing(t *testing.T) {
	res, err := call(t, "manage_todos", `{"actions":[{"op":"add","title":"ok"},{"op":"remove","id":"missing"}]}`, `{"todos":[]}`)
	if err == nil || res.State != nil {
		t.Errorf("got state %s, err %v; want an error and no state", res.State, err)
	}
	if !strings.Contains(err.Error(), "actions[1]") {
		t.Errorf("error %q does not name the failing action", err)
	}
}

func TestGetTodos(t *testing.T) {
	state := `{"todos":[{"id":"1","title":"A","status":"done"},{"id":"2","title":"B","status":"pending","note":"x"}],"other":true}`
	var out todoOut
	res := mustCall(t, "get_todos", `{}`, state, &out)
	if res.State != nil {
		t.Error("get_todos must not change the state")
	}
	if got := summarize(out.Todos); got != "1:A:done | 2:B:pending" {
		t.Errorf("todos = %s", got)
	}
	if out.Todos[1]["note"] != "x" || out.Counts["done"] != 1 || out.Counts["pending"] != 1 {
		t.Errorf("extra fields or counts wrong: %+v", out)
	}

	mustCall(t, "get_todos", `{"status":"pending"}`, state, &out)
	if got := summarize(out.Todos); got != "2:B:pending" {
		t.Errorf("pending only = %s", got)
	}

	mustCall(t, "get_todos", ``, "", &out)
	if out.Todos == nil || len(out.Todos) != 0 {
		t.Errorf("no state: todos = %v, want an empty list", out.Todos)
	}
	mustFail(t, "get_todos", `{"status":"someday"}`, state)
}
