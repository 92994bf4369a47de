package agentd

import "context"

// LocalUser is the user of every request when no authentication is
// configured (agentd then listens only on a loopback address), and the owner
// of the threads stored before threads had owners.
const LocalUser = "local"

// ServiceUser is the user a service key acts as when the request names no
// end user in X-Agentd-User.
const ServiceUser = "service"

// Caller is who sent a request, as authentication established it. User is
// the person every thread and run belongs to; it is never taken from an
// unchecked header. (Not to be confused with a run's Owner, the instance
// that executes it.)
type Caller struct {
	User string
	// Via says how the user was established: "key" (a service key, the user
	// from X-Agentd-User), "jwt" (a verified token's claim) or "none" (no
	// authentication configured: the user is LocalUser).
	Via string
}

// Authenticated reports whether a credential was checked.
func (c Caller) Authenticated() bool { return c.Via == "key" || c.Via == "jwt" }

type callerKey struct{}

// WithCaller returns a context that carries c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller a request's context carries.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}
