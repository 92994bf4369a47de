package httpapi

import (
	"net/http"

	"github.com/agentd/agentd"
)

// userOf is the user a request acts for: the verified caller that
// authentication put in its context, or agentd.LocalUser when there is
// none (no authentication configured). Every thread and run route acts
// only on this user's threads and runs.
func userOf(r *http.Request) string {
	if c, ok := agentd.CallerFrom(r.Context()); ok {
		return c.User
	}
	return agentd.LocalUser
}
