package auth_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine they started outlives
// them: the JWKS refresher must end with its context.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
