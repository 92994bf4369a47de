package store

// Lease is a run's claim on its thread: the run and its fencing token.
type Lease struct {
	RunID string
	Fence int64
}
