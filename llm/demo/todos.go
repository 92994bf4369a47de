package demo

import (
	"fmt"
	"regexp"
	"strings"
)

// todoAction is one of manage_todos' actions.
type todoAction struct {
	Op     string `json:"op"`
	ID     string `json:"id,omitempty"`
	Title  string `json:"title,omitempty"`
	Status string `json:"status,omitempty"`
}

type manageArgs struct {
	Actions []todoAction `json:"actions"`
}

// todoList is what manage_todos and get_todos answer.
type todoList struct {
	Summary string `json:"summary"`
	Todos   []struct {
		ID     string `json:"id"`
		Title  string `json:"title"`
		Status string `json:"status"`
	} `json:"todos"`
	Counts map[string]int `json:"counts"`
}

// The todo requests, tried in order; each captures the item's words.
var (
	todoAdd = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\badd\s+(?:an?\s+|one\s+|new\s+|the\s+)*(?:todo|to-do|task|item)s?\b(?:\s+(?:to|on)\s+(?:my|the)\s+(?:todo\s+|to-do\s+)?list)?\s*(?:[:,-]|that says|saying|called|to)?\s*(.*)$`),
		regexp.MustCompile(`(?i)\b(?:todo|to-do)s?\s*:\s*(.*)$`),
		regexp.MustCompile(`(?i)\bremind me to\s+(.*)$`),
		regexp.MustCompile(`(?i)\badd\s+(.+?)\s+(?:to|on)\s+(?:my|the)\s+(?:todo\s+|to-do\s+|task\s+)?(?:list|todos)\b`),
	}
	todoClear  = regexp.MustCompile(`(?i)\b(?:clear|empty|wipe|reset|(?:delete|remove) (?:all|every))\b`)
	todoDone   = regexp.MustCompile(`(?i)\b(?:mark|set)\s+(.+?)\s+(?:as\s+)?(?:done|complete|completed|finished)\b|\b(?:complete|finish|check off|tick off)\s+(.+)$|\b(?:done with|finished)\s+(.+)$`)
	todoStart  = regexp.MustCompile(`(?i)\b(?:mark|set)\s+(.+?)\s+(?:as\s+)?in[ _]progress\b|\b(?:start|begin)(?: working on)?\s+(.+)$`)
	todoRemove = regexp.MustCompile(`(?i)\b(?:remove|delete|drop)\s+(.+?)(?:\s+from\s+(?:my|the)\s+(?:todo\s+)?list)?$`)
	oneTodoSep = regexp.MustCompile(`[;\n]`)
	todosSep   = regexp.MustCompile(`[;\n,]|\s+and\s+`)
	doneWord   = regexp.MustCompile(`\b(done|completed|finished)\b`)
	// todoNoise is what a todo's words may carry that is no part of it.
	todoNoise = regexp.MustCompile(`(?i)^(?:the\s+)?(?:todo|to-do|task|item)s?\s*(?:called|named|:)?\s*|\s+(?:from|to|on)\s+(?:my|the)\s+(?:todo\s+|to-do\s+)?list$|\s*\bplease\b\s*|["'“”]`)
)

// todoTurn adds, changes, removes, clears or lists todos. A change names
// the item by its words, so get_todos comes first to find its id.
func todoTurn(c *conversation, s string) action {
	if done := c.last(manageTodos); done != nil {
		return reply(todosChanged(done, c.last(getTodos)))
	}
	text := toolUse.ReplaceAllString(c.text, "")
	for _, re := range todoAdd {
		if m := re.FindStringSubmatch(text); m != nil {
			titles := splitTodos(m[1], strings.Contains(strings.ToLower(text), "todos") || strings.Contains(strings.ToLower(text), "tasks"))
			if len(titles) == 0 {
				return reply("What should the todo say? For example: \"add a todo: call the supplier\".")
			}
			args := manageArgs{}
			for _, t := range titles {
				args.Actions = append(args.Actions, todoAction{Op: "add", Title: t})
			}
			return callTool(manageTodos, args)
		}
	}
	if todoClear.MatchString(text) {
		a := todoAction{Op: "clear"}
		if doneWord.MatchString(s) {
			a.Status = "done"
		}
		return callTool(manageTodos, manageArgs{Actions: []todoAction{a}})
	}
	op, status, words := "", "", ""
	if m := todoDone.FindStringSubmatch(text); m != nil {
		op, status, words = "update", "done", first(m[1:])
	} else if m := todoStart.FindStringSubmatch(text); m != nil {
		op, status, words = "update", "in_progress", first(m[1:])
	} else if m := todoRemove.FindStringSubmatch(text); m != nil {
		op, words = "remove", first(m[1:])
	}
	list := c.last(getTodos)
	if list == nil {
		if c.has(getTodos) {
			return callTool(getTodos, struct{}{})
		}
		return reply("I need get_todos to read the list, and this agent does not offer it.")
	}
	var l todoList
	if list.failed() || !list.decode(&l) {
		return reply("I could not read the todo list: " + orDefault(list.err, "the answer is not a list"))
	}
	if op == "" {
		return reply(describeTodos(l))
	}
	id := matchTodo(l, cleanTodo(words))
	if id == "" {
		return reply(fmt.Sprintf("I could not find %q on the todo list. %s", cleanTodo(words), describeTodos(l)))
	}
	return callTool(manageTodos, manageArgs{Actions: []todoAction{{Op: op, ID: id, Status: status}}})
}

func first(groups []string) string {
	for _, g := range groups {
		if strings.TrimSpace(g) != "" {
			return g
		}
	}
	return ""
}

// splitTodos cuts the words into items: one per line or ";", and, when the
// user spoke of several todos, one per comma.
func splitTodos(s string, several bool) []string {
	sep := oneTodoSep
	if several {
		sep = todosSep
	}
	var out []string
	for _, part := range sep.Split(s, -1) {
		if t := cleanTodo(part); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func cleanTodo(s string) string {
	for {
		next := strings.TrimSpace(todoNoise.ReplaceAllString(s, " "))
		if next == strings.TrimSpace(s) {
			break
		}
		s = next
	}
	return sentence(s)
}

// matchTodo finds the item the words name: the same title, one holding the
// words, else the one sharing most words with them; "it" is the newest.
func matchTodo(l todoList, words string) string {
	w := strings.ToLower(words)
	if len(l.Todos) == 0 {
		return ""
	}
	if w == "it" || w == "that" || w == "this" || w == "the last one" {
		return l.Todos[len(l.Todos)-1].ID
	}
	best, score := -1, 0
	for i, t := range l.Todos {
		lt := strings.ToLower(t.Title)
		if lt == w || strings.ToLower(t.ID) == w {
			return t.ID
		}
		n := 0
		if strings.Contains(lt, w) || strings.Contains(w, lt) {
			n = 100
		}
		for _, f := range strings.Fields(w) {
			if len(f) > 2 && strings.Contains(lt, f) {
				n++
			}
		}
		if n > score {
			best, score = i, n
		}
	}
	if best < 0 {
		return ""
	}
	return l.Todos[best].ID
}

// todosChanged reports manage_todos' answer; before, the list get_todos
// read, if any, names the items changed.
func todosChanged(k, before *call) string {
	if k.failed() {
		return "The todo list was not changed: " + k.err
	}
	var l todoList
	if !k.decode(&l) {
		return "The todo list changed, but I cannot read the answer."
	}
	var args manageArgs
	k.bind(&args)
	var old todoList
	if before != nil {
		before.decode(&old)
	}
	old.Todos = append(old.Todos, l.Todos...)
	var did []string
	for _, a := range args.Actions {
		switch {
		case a.Op == "add":
			did = append(did, fmt.Sprintf("added %q", a.Title))
		case a.Op == "update":
			did = append(did, fmt.Sprintf("marked %q %s", titleOfTodo(old, a.ID), strings.ReplaceAll(a.Status, "_", " ")))
		case a.Op == "remove":
			did = append(did, fmt.Sprintf("removed %q", titleOfTodo(old, a.ID)))
		case a.Op == "clear" && a.Status != "":
			did = append(did, "cleared the "+a.Status+" items")
		case a.Op == "clear":
			did = append(did, "cleared the list")
		}
	}
	if len(did) == 0 {
		did = []string{"updated the list"}
	}
	return sentence(strings.Join(did, ", ")) + ". " + describeTodos(l)
}

func titleOfTodo(l todoList, id string) string {
	for _, t := range l.Todos {
		if t.ID == id {
			return t.Title
		}
	}
	return id
}

// describeTodos says what is on the list.
func describeTodos(l todoList) string {
	if len(l.Todos) == 0 {
		return "The todo list is empty; say \"add a todo: …\" to start it."
	}
	var items []string
	for _, t := range l.Todos {
		items = append(items, fmt.Sprintf("%s (%s)", t.Title, strings.ReplaceAll(t.Status, "_", " ")))
	}
	noun := "items"
	if len(items) == 1 {
		noun = "item"
	}
	return fmt.Sprintf("The todo list has %d %s: %s.", len(items), noun, strings.Join(items, "; "))
}
