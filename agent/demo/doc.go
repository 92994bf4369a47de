// Package demo is agentd's built-in demo agent, "sample_agent": a data and
// visualization assistant over a small embedded sales dataset, with a shared
// todo list kept in the thread's state and an A2UI sign-in form.
//
// It is written only against the public API of package agent, so it doubles
// as a worked example of defining an agent and its tools. The visualization
// tools it refers to (barChart, pieChart, widgetRenderer) are declared by the
// frontend at run time; the server only plans which one to use.
package demo
