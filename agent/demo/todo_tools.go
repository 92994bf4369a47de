package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/agentd/agentd/agent"
)

const (
	maxTodoActions = 50
	maxTodoTitle   = 200
)

const manageTodosSchema = `{
  "type": "object",
  "description": "Give either actions (applied in order, all or nothing) or replace (the complete new list), not both.",
  "properties": {
    "actions": {
      "type": "array",
      "minItems": 1,
      "maxItems": 50,
      "items": {
        "type": "object",
        "properties": {
          "op": {
            "type": "string",
            "enum": ["add", "update", "remove", "clear"],
            "description": "add: new item (title required). update: change title and/or status of the item with id. remove: delete the item with id. clear: delete every item, or only those with the given status."
          },
          "id": {"type": "string", "description": "The item's id (required for update and remove; optional for add, generated when omitted)."},
          "title": {"type": "string", "description": "What needs doing (required for add)."},
          "status": {"type": "string", "enum": ["pending", "in_progress", "done"], "description": "New status; for add it defaults to pending; for clear it limits which items are deleted."}
        },
        "required": ["op"],
        "additionalProperties": false
      }
    },
    "replace": {
      "type": "array",
      "maxItems": 50,
      "description": "The full new todo list, replacing the current one. An empty list clears it.",
      "items": {
        "type": "object",
        "properties": {
          "id": {"type": "string", "description": "Keep an existing item's id to keep its identity; omit for new items."},
          "title": {"type": "string"},
          "status": {"type": "string", "enum": ["pending", "in_progress", "done"], "description": "Defaults to pending."}
        },
        "required": ["title"],
        "additionalProperties": false
      }
    }
  },
  "additionalProperties": false
}`

const getTodosSchema = `{
  "type": "object",
  "properties": {
    "status": {"type": "string", "enum": ["pending", "in_progress", "done"], "description": "Only list items with this status."}
  },
  "additionalProperties": false
}`

type todoAction struct {
	Op     string `json:"op"`
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status string `json:"status"`
}

type todoInput struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status string `json:"status"`
}

type manageTodosArgs struct {
	Actions []todoAction `json:"actions"`
	Replace *[]todoInput `json:"replace"`
}

// TodoList is what manage_todos and get_todos return to the model.
type TodoList struct {
	Summary string         `json:"summary,omitempty"`
	Todos   []Todo         `json:"todos"`
	Counts  map[string]int `json:"counts"`
}

func manageTodosTool() agent.Tool {
	return agent.Tool{
		Name: "manage_todos",
		Description: "Change the todo list shared with the user (kept in the conversation state; the user sees it live). " +
			"Either apply actions in order (add, update status or title, remove, clear) or replace the whole list. " +
			"Statuses: pending, in_progress, done. Returns a summary and the updated list with ids.",
		Parameters: json.RawMessage(manageTodosSchema),
		Run: func(ctx context.Context, c agent.Call) (agent.Result, error) {
			var args manageTodosArgs
			if err := bindArgs(c, &args); err != nil {
				return agent.Result{}, err
			}
			st, err := readState(c.State)
			if err != nil {
				return agent.Result{}, err
			}
			summary, err := applyTodos(&st, args)
			if err != nil {
				return agent.Result{}, err
			}
			state, err := st.encode()
			if err != nil {
				return agent.Result{}, fmt.Errorf("encoding state: %w", err)
			}
			res, err := agent.JSON(TodoList{Summary: summary, Todos: st.todos, Counts: counts(st.todos)})
			res.State = state
			return res, err
		},
	}
}

func getTodosTool() agent.Tool {
	return agent.Tool{
		Name:        "get_todos",
		Description: "Read the todo list shared with the user, with ids, titles, statuses and counts per status. Optionally only one status.",
		Parameters:  json.RawMessage(getTodosSchema),
		Run: func(ctx context.Context, c agent.Call) (agent.Result, error) {
			var args struct {
				Status string `json:"status"`
			}
			if err := bindArgs(c, &args); err != nil {
				return agent.Result{}, err
			}
			if args.Status != "" {
				if err := checkStatus("status", args.Status); err != nil {
					return agent.Result{}, err
				}
			}
			st, err := readState(c.State)
			if err != nil {
				return agent.Result{}, err
			}
			list := TodoList{Todos: []Todo{}, Counts: counts(st.todos)}
			for _, t := range st.todos {
				if args.Status == "" || t.Status == args.Status {
					list.Todos = append(list.Todos, t)
				}
			}
			return agent.JSON(list)
		},
	}
}

// applyTodos changes st.todos as args ask and describes what it did. On
// error st may be partly changed; the caller then discards it.
func applyTodos(st *sharedState, args manageTodosArgs) (string, error) {
	switch {
	case args.Replace != nil && len(args.Actions) > 0:
		return "", fmt.Errorf("give either actions or replace, not both")
	case args.Replace != nil:
		return replaceTodos(st, *args.Replace)
	case len(args.Actions) == 0:
		return "", fmt.Errorf("nothing to do: give actions (add, update, remove, clear) or replace")
	case len(args.Actions) > maxTodoActions:
		return "", fmt.Errorf("too many actions: %d, at most %d per call", len(args.Actions), maxTodoActions)
	}
	var added, updated, removed int
	for i, a := range args.Actions {
		n, err := applyAction(st, a)
		if err != nil {
			return "", fmt.Errorf("actions[%d] (%s): %w", i, a.Op, err)
		}
		switch a.Op {
		case "add":
			added += n
		case "update":
			updated += n
		default:
			removed += n
		}
	}
	return fmt.Sprintf("added %d, updated %d, removed %d; %s", added, updated, removed, describe(st.todos)), nil
}

// applyAction applies one action and returns how many items it touched.
func applyAction(st *sharedState, a todoAction) (int, error) {
	id := strings.TrimSpace(a.ID)
	if a.Status != "" {
		if err := checkStatus("status", a.Status); err != nil {
			return 0, err
		}
	}
	switch a.Op {
	case "add":
		title, err := checkTitle(a.Title)
		if err != nil {
			return 0, err
		}
		if id == "" {
			id = st.nextID()
		} else if st.find(id) >= 0 {
			return 0, fmt.Errorf("id %q is already used", id)
		}
		st.todos = append(st.todos, Todo{ID: id, Title: title, Status: orDefault(a.Status, StatusPending)})
		return 1, nil
	case "update":
		i, err := existing(st, id)
		if err != nil {
			return 0, err
		}
		if a.Title == "" && a.Status == "" {
			return 0, fmt.Errorf("give a new title or status for %q", id)
		}
		if a.Title != "" {
			if st.todos[i].Title, err = checkTitle(a.Title); err != nil {
				return 0, err
			}
		}
		if a.Status != "" {
			st.todos[i].Status = a.Status
		}
		return 1, nil
	case "remove":
		i, err := existing(st, id)
		if err != nil {
			return 0, err
		}
		st.todos = append(st.todos[:i], st.todos[i+1:]...)
		return 1, nil
	case "clear":
		if id != "" || a.Title != "" {
			return 0, fmt.Errorf("clear takes only an optional status; use remove to delete one item")
		}
		kept := []Todo{}
		for _, t := range st.todos {
			if a.Status != "" && t.Status != a.Status {
				kept = append(kept, t)
			}
		}
		n := len(st.todos) - len(kept)
		st.todos = kept
		return n, nil
	case "":
		return 0, fmt.Errorf("op is required: add, update, remove or clear")
	default:
		return 0, fmt.Errorf("unknown op %q: use add, update, remove or clear", a.Op)
	}
}

// replaceTodos installs a complete list. An item that keeps an existing id
// keeps the extra fields the frontend stored on it.
func replaceTodos(st *sharedState, items []todoInput) (string, error) {
	if len(items) > maxTodoActions {
		return "", fmt.Errorf("replace has %d items, at most %d", len(items), maxTodoActions)
	}
	next := sharedState{todos: make([]Todo, 0, len(items))}
	for i, in := range items {
		title, err := checkTitle(in.Title)
		if err != nil {
			return "", fmt.Errorf("replace[%d]: %w", i, err)
		}
		status := orDefault(in.Status, StatusPending)
		if err := checkStatus(fmt.Sprintf("replace[%d].status", i), status); err != nil {
			return "", err
		}
		t := Todo{ID: strings.TrimSpace(in.ID), Title: title, Status: status}
		if t.ID != "" {
			if next.find(t.ID) >= 0 {
				return "", fmt.Errorf("replace[%d]: id %q appears twice", i, t.ID)
			}
			if j := st.find(t.ID); j >= 0 {
				t.extra = st.todos[j].extra
			}
		}
		next.todos = append(next.todos, t)
	}
	// New items get ids after the explicit ones are known, so none collide.
	for i := range next.todos {
		if next.todos[i].ID == "" {
			next.todos[i].ID = next.nextID()
		}
	}
	st.todos = next.todos
	return "replaced the list; " + describe(st.todos), nil
}

func existing(st *sharedState, id string) (int, error) {
	if id == "" {
		return -1, fmt.Errorf("id is required")
	}
	i := st.find(id)
	if i < 0 {
		ids := make([]string, len(st.todos))
		for k, t := range st.todos {
			ids[k] = t.ID
		}
		if len(ids) == 0 {
			return -1, fmt.Errorf("no todo has id %q: the list is empty", id)
		}
		return -1, fmt.Errorf("no todo has id %q: ids are %s", id, strings.Join(ids, ", "))
	}
	return i, nil
}

func checkTitle(title string) (string, error) {
	t := strings.TrimSpace(title)
	if t == "" {
		return "", fmt.Errorf("title is required")
	}
	if len([]rune(t)) > maxTodoTitle {
		return "", fmt.Errorf("title is longer than %d characters", maxTodoTitle)
	}
	return t, nil
}

func describe(todos []Todo) string {
	c := counts(todos)
	return fmt.Sprintf("%d todos (%d pending, %d in_progress, %d done)",
		len(todos), c[StatusPending], c[StatusInProgress], c[StatusDone])
}
