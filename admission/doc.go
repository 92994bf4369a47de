// Package admission decides whether a run may start now: the caller's rate
// limit, and a slot in the instance's run budget with a short bounded wait.
// Every refusal is an explicit, retryable error; nothing queues without
// bound.
package admission
