package demo

import "strings"

// next decides the turn from the user's latest words and what the tools
// have answered since.
func next(c *conversation) action {
	s := strings.ToLower(c.text)
	switch {
	case strings.TrimSpace(s) == "":
	case formWords.MatchString(s) && c.has(generateForm):
		return formTurn(c, s)
	case c.todoRequest(s) && c.has(manageTodos):
		return todoTurn(c, s)
	case noticeWords.MatchString(s) && c.has(showNotice):
		return noticeTurn(c, s)
	case planWords.MatchString(s) && !doDraw.MatchString(s) && c.has(planVisualization):
		return planTurn(c, s)
	case drawWords.MatchString(s) && c.has(queryData):
		return chartTurn(c, s)
	case (dataWords.MatchString(s) || metricOf(s) != "" || dimensionOf(s) != "") && c.has(queryData):
		return dataTurn(c, s)
	}
	return reply(help(c, s))
}

// todoRequest reports words about the todo list: ones naming it, marking
// something done, or, once the conversation has a list, changing an item.
func (c *conversation) todoRequest(s string) bool {
	return todoWords.MatchString(s) || markWords.MatchString(s) ||
		changeWords.MatchString(s) && c.lastEarlier(manageTodos, getTodos) != nil
}

// help says what the model understands, listing only what the request's
// tools allow.
func help(c *conversation, s string) string {
	var b strings.Builder
	if greetWords.MatchString(s) {
		b.WriteString("Hello! ")
	}
	b.WriteString("I am agentd's offline demo model (no API key is set), so I understand requests like these about the sample 2025 sales data:")
	line := func(ok bool, example string) {
		if ok {
			b.WriteString("\n- " + example)
		}
	}
	charts := c.has(barChart) || c.has(pieChart) || c.has(widgetRenderer)
	line(c.has(queryData), `"What was total profit in Q3?" or "Top 3 products by revenue"`)
	line(c.has(queryData) && charts, `"Show me revenue by region as a bar chart"`)
	line(c.has(queryData) && charts, `"Pie chart of revenue share by category"`)
	line(c.has(queryData) && c.has(widgetRenderer), `"An HTML widget of units by channel"`)
	line(c.has(planVisualization), `"Plan a visualization of profit by month"`)
	line(c.has(manageTodos), `"Add a todo: call the supplier", "mark call the supplier as done", "show my todos", "clear the todo list"`)
	line(c.has(generateForm), `"Show me a sign-in form" (or a sign-up form, or "a form with name, email and comments")`)
	line(c.has(showNotice), `"Show a notice saying the report is ready"`)
	b.WriteString("\nFor anything else, start agentd with OPENAI_API_KEY or ANTHROPIC_API_KEY set.")
	return b.String()
}
