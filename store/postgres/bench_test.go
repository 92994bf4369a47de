package postgres_test

import (
	"testing"

	"github.com/agentd/agentd/store/storetest"
)

func BenchmarkTurn(b *testing.B)         { storetest.BenchTurn(b, openFresh(b)) }
func BenchmarkTurnParallel(b *testing.B) { storetest.BenchTurnParallel(b, openFresh(b)) }
