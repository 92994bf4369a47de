// Package storetest is the contract suite every store.Store must pass. It is
// backend-agnostic: tests share one store, run in parallel, and use ids with
// a random prefix, so the suite can run against a database that other test
// runs also use.
//
// Two operations are global by nature (InterruptExpired and
// DeleteIdleThreads act on every thread). Their tests use timestamps in
// distinct, distant-past eras, so they only ever touch rows of those eras;
// every other test uses the current time, and ListThreads' test a
// far-future era so its threads sort first.
//
// Beyond store.go, the suite pins down these details of the contract:
//   - StartRun on a new thread gives state {} and no messages; a refused
//     StartRun (ErrRunExists, ErrThreadBusy) writes nothing and does not
//     call Reconcile.
//   - StartRun with Reconcile applies the result as Commit would, bumps the
//     version once (even for a result that changes nothing), and returns
//     the thread as stored; a conflict or an invalid result writes
//     nothing, not even the lease; so does a result with Refuse set, and
//     StartRun then returns its error.
//   - A run whose expired lease is taken over is marked interrupted with
//     error code "lease_expired" and FinishedAt = the new run's Now.
//   - Commit checks the lease before the version: a fenced run gets
//     ErrFenced even with the right version. A commit to a deleted thread
//     is ErrFenced. A negative Version skips the version check. A finished
//     or interrupted run is fenced at once.
//   - Appending a message id already in the thread (or twice in one commit)
//     fails the commit with an *agentd.Error of code CodeConflict, and
//     nothing of that commit is applied.
//   - RenewLeases reports an unknown, finished or fenced run as lost and
//     renews the others.
//   - ListThreads: a malformed cursor or a limit outside 0..500 is an
//     *agentd.Error of code CodeInvalid.
//   - Another user's thread is ErrNotFound to GetThread, DeleteThread and
//     StartRun (even while it is leased: never ErrThreadBusy), and absent
//     from ListThreads; the refused StartRun calls no Reconcile and takes
//     no lease (the owner's next fence is the next number).
//   - StartRun.MaxThreads counts the user's threads; concurrent creations
//     never exceed it.
//   - Times set from parameters round-trip to the millisecond.
//   - A truncation supersedes: ThreadHistory lists every message ever
//     appended, in append order, each superseded one marked with the run
//     whose truncation cut it; an id is unique among current messages
//     only. GetThread, the message count and the thread StartRun's
//     Reconcile sees hold the current branch only.
//   - A Checkpoint's Usage is applied with it or not at all; UserUsage
//     keeps a deleted thread's tokens; ListRuns of a missing or another
//     user's thread is ErrNotFound.
package storetest

import (
	"testing"

	"github.com/agentd/agentd/store"
)

// Run runs the contract suite against the store open returns. open is
// called once; the store is shared by all tests, which run in parallel.
// open should register the store's Close with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"StartRunCreatesThread", testStartRunCreatesThread},
		{"StartRunReconcile", testStartRunReconcile},
		{"StartRunReconcileRefused", testStartRunReconcileRefused},
		{"StartRunRefuse", testStartRunRefuse},
		{"MessagesRoundTrip", testMessagesRoundTrip},
		{"State", testState},
		{"Truncate", testTruncate},
		{"Superseded", testSuperseded},
		{"VersionConflict", testVersionConflict},
		{"DuplicateMessageID", testDuplicateMessageID},
		{"ThreadBusy", testThreadBusy},
		{"RunExists", testRunExists},
		{"FencingAfterTakeover", testFencingAfterTakeover},
		{"RenewLease", testRenewLease},
		{"RenewLeasesTogether", testRenewLeasesTogether},
		{"FinishFreesThread", testFinishFreesThread},
		{"InterruptExpired", testInterruptExpired},
		{"ListThreads", testListThreads},
		{"DeleteThread", testDeleteThread},
		{"DeleteIdleThreads", testDeleteIdleThreads},
		{"NotFound", testNotFound},
		{"Ownership", testOwnership},
		{"MaxThreads", testMaxThreads},
		{"MaxThreadsConcurrent", testMaxThreadsConcurrent},
		{"Usage", testUsage},
		{"Ping", testPing},
		{"Concurrency", testConcurrency},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, s)
		})
	}
}
