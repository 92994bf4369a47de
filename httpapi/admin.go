package httpapi

import (
	"net/http"
	"net/http/pprof"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Admin serves the operator's listener (--admin-addr), apart from the API
// port: /metrics and net/http/pprof. /debug/pprof/cmdline is not served,
// since the command line may carry store URLs with passwords. It has no
// authentication, so against DNS rebinding it answers only a Host that is
// an IP address, a loopback name or one of allowedHosts.
func Admin(g prometheus.Gatherer, allowedHosts []string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/cmdline", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errNotFound("the command line is not served: it may carry secrets"))
	})
	mux.HandleFunc("/", notFound)
	return newHostPolicy(allowedHosts, true).check(mux, nil)
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, errNotFound("no route for "+r.Method+" "+r.URL.Path))
}
