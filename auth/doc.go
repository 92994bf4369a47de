// Package auth verifies who sent a request: a service key (which may name
// the end user it acts for) or a JWT signed with a shared HS256 secret or a
// key from a JWKS endpoint. It answers with an agentd.Caller or an
// *agentd.Error of code unauthenticated; what to do with either is the
// HTTP layer's business.
package auth
