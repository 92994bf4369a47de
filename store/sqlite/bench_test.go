package sqlite_test

import (
	"testing"

	"github.com/agentd/agentd/store/storetest"
)

func BenchmarkTurn(b *testing.B)         { storetest.BenchTurn(b, openTemp(b)) }
func BenchmarkTurnParallel(b *testing.B) { storetest.BenchTurnParallel(b, openTemp(b)) }
