package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"
)

// Todo statuses.
const (
	StatusPending    = "pending"
	StatusInProgress = "in_progress"
	StatusDone       = "done"
)

var statuses = []string{StatusPending, StatusInProgress, StatusDone}

// Todo is one item of the shared todo list. Fields other than id, title and
// status (a frontend may add its own) are kept as they are.
type Todo struct {
	ID     string
	Title  string
	Status string
	extra  map[string]json.RawMessage
}

// UnmarshalJSON reads the known fields and keeps the rest.
func (t *Todo) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for key, dst := range map[string]*string{"id": &t.ID, "title": &t.Title, "status": &t.Status} {
		raw, ok := m[key]
		if !ok || bytes.Equal(raw, []byte("null")) {
			continue
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return fmt.Errorf("todo field %q: %w", key, err)
		}
	}
	delete(m, "id")
	delete(m, "title")
	delete(m, "status")
	t.extra = m
	return nil
}

// MarshalJSON writes the known fields and any extra ones.
func (t Todo) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(t.extra)+3)
	for k, v := range t.extra {
		m[k] = v
	}
	m["id"], m["title"], m["status"] = t.ID, t.Title, t.Status
	return json.Marshal(m)
}

// sharedState is the thread's state split into the todo list and everything
// else, which is written back untouched.
type sharedState struct {
	todos []Todo
	other map[string]json.RawMessage
}

func readState(raw json.RawMessage) (sharedState, error) {
	st := sharedState{todos: []Todo{}, other: map[string]json.RawMessage{}}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return st, nil
	}
	if err := json.Unmarshal(raw, &st.other); err != nil {
		return st, fmt.Errorf("shared state is not a JSON object: %w", err)
	}
	if list, ok := st.other["todos"]; ok {
		delete(st.other, "todos")
		if !bytes.Equal(bytes.TrimSpace(list), []byte("null")) {
			if err := json.Unmarshal(list, &st.todos); err != nil {
				return st, fmt.Errorf("shared state: todos is not a list of todo objects: %w", err)
			}
		}
	}
	return st, nil
}

func (st sharedState) encode() (json.RawMessage, error) {
	m := maps.Clone(st.other)
	list, err := json.Marshal(st.todos)
	if err != nil {
		return nil, err
	}
	m["todos"] = list
	return json.Marshal(m)
}

func (st sharedState) find(id string) int {
	for i, t := range st.todos {
		if t.ID == id {
			return i
		}
	}
	return -1
}

// nextID returns "todo-N", N one past the highest such id in use, so ids
// are never reused while the items that carry them remain.
func (st sharedState) nextID() string {
	n := 0
	for _, t := range st.todos {
		if v, ok := strings.CutPrefix(t.ID, "todo-"); ok {
			if k, err := strconv.Atoi(v); err == nil && k > n {
				n = k
			}
		}
	}
	return "todo-" + strconv.Itoa(n+1)
}

// counts tallies the list by status.
func counts(todos []Todo) map[string]int {
	c := map[string]int{StatusPending: 0, StatusInProgress: 0, StatusDone: 0}
	for _, t := range todos {
		c[t.Status]++
	}
	return c
}

func checkStatus(field, s string) error {
	if ok, list := oneOf(s, statuses); !ok {
		return fmt.Errorf("%s %q is not a status: use one of %s", field, s, list)
	}
	return nil
}
