package httpapi_test

import (
	"testing"

	"github.com/agentd/agentd/admission"
	"github.com/agentd/agentd/llm/sim"
)

// TestMetricsMoveWithTraffic drives runs and checks that each metric the
// operator relies on moved.
func TestMetricsMoveWithTraffic(t *testing.T) {
	t.Parallel()
	b := setup(t, options{model: sim.New(sim.Config{}), budget: admission.NewBudget(4, 0)})
	for i := 0; i < 3; i++ {
		in := input(newID("t"), userMsg("hi"))
		b.post("/", in).mustFinish(t, in)
	}
	b.do("POST", "/", "application/json", []byte(`{`), nil)
	checks := []struct{ name, labels string }{
		{"agentd_runs_ended_total", `status="succeeded"`},
		{"agentd_run_duration_seconds_count", `status="succeeded"`},
		{"agentd_run_first_token_seconds_count", ""},
		{"agentd_run_first_event_seconds_count", ""},
		{"agentd_store_op_seconds_count", `op="finish"`},
		{"agentd_store_op_seconds_count", `op="start_run"`},
		{"agentd_run_slot_wait_seconds_count", ""},
		{"agentd_runs_rejected_total", `reason="bad_json"`},
		{"agentd_run_slots", ""},
		{"agentd_streams_ended_total", `reason="run_ended"`},
	}
	for _, c := range checks {
		if v := b.metric(c.name, c.labels); v <= 0 {
			t.Errorf("%s{%s} = %v after traffic", c.name, c.labels, v)
		}
	}
	if v := b.metric("agentd_runs_in_flight", ""); v != 0 {
		t.Errorf("runs in flight = %v when idle", v)
	}
}
