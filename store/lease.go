package store

// Lease is a run's claim on its thread: the run and its fencing token.
type Lease struct {
	RunID string
	Fence int64
}

// Lost lists the runs of leases that are not among renewed, in order.
func Lost(leases []Lease, renewed []string) []string {
	ok := make(map[string]bool, len(renewed))
	for _, id := range renewed {
		ok[id] = true
	}
	var lost []string
	for _, l := range leases {
		if !ok[l.RunID] {
			lost = append(lost, l.RunID)
		}
	}
	return lost
}
