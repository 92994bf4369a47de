package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/agentd/agentd/llm/sim"
)

// BenchmarkTurn measures one whole turn over real HTTP with SQLite and the
// instant sim model: the server's own cost per turn, store included.
func BenchmarkTurn(b *testing.B) {
	for _, words := range []int{10, 400} {
		b.Run(fmt.Sprintf("words=%d", words), func(b *testing.B) {
			bd := setup(b, options{model: sim.New(sim.Config{ReplyTokens: words})})
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				body, _ := json.Marshal(input(fmt.Sprint("bench-", words, "-", i), userMsg("hi")))
				resp, err := http.Post(bd.url+"/", "application/json", bytes.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || n == 0 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}
