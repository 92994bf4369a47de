// Package agentd holds the vocabulary shared by every part of the server:
// threads, runs and their statuses, and the error type whose code decides
// the HTTP status a client sees. It has no dependencies beyond the standard
// library and the AG-UI wire types.
package agentd
