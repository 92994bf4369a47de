// Package demo is agentd's built-in demo agent, "sample_agent": a data and
// visualization assistant over a small embedded sales dataset, with a shared
// todo list kept in the thread's state and an A2UI sign-in form.
//
// It is written only against the public API of package agent, so it doubles
// as a worked example of defining an agent and its tools. The visualization
// tools it refers to (barChart, pieChart, widgetRenderer) are declared by the
// frontend at run time; the server only plans which one to use.
//
// Without an API key the offline model llm/demo plays this agent's model:
// it knows these tools' names, argument shapes and result JSON (without
// importing this package), so a change to them is a change to it too; the
// tests in httpapi (demo_test.go) run both together.
package demo
