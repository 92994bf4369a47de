// Command weather is an example of a team's own agentd binary: the whole
// server (store, models, AG-UI endpoint) with one agent of its own.
//
// Run it with the simulated model, or set OPENAI_API_KEY or
// ANTHROPIC_API_KEY for a real one:
//
//	go run ./examples/weather serve
//
// then talk to the agent over AG-UI:
//
//	curl -N http://127.0.0.1:8123/agents/weather \
//	  -H 'Content-Type: application/json' -H 'Accept: text/event-stream' \
//	  -d '{"threadId":"t1","runId":"r1","state":{},"tools":[],"context":[],"forwardedProps":{},
//	       "messages":[{"id":"m1","role":"user","content":"Is it warm in Lisbon?"}]}'
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/cli"
)

// report is a canned observation; the example needs no network.
type report struct {
	City       string  `json:"city"`
	Conditions string  `json:"conditions"`
	TempC      float64 `json:"temperature_c"`
	WindKPH    float64 `json:"wind_kph"`
}

var reports = map[string]report{
	"berlin":    {"Berlin", "overcast", 11, 18},
	"lisbon":    {"Lisbon", "sunny", 22, 12},
	"new york":  {"New York", "light rain", 14, 20},
	"tokyo":     {"Tokyo", "partly cloudy", 18, 9},
	"sao paulo": {"São Paulo", "thunderstorms", 26, 15},
	"sydney":    {"Sydney", "clear", 24, 22},
}

var getWeather = agent.Tool{
	Name:        "get_weather",
	Description: "Current weather for a city: conditions, temperature in °C and wind in km/h.",
	Parameters:  json.RawMessage(`{"type":"object","properties":{"city":{"type":"string","description":"City name, e.g. Lisbon"}},"required":["city"],"additionalProperties":false}`),
	Run: func(ctx context.Context, c agent.Call) (agent.Result, error) {
		var args struct{ City string }
		if err := c.Bind(&args); err != nil {
			return agent.Result{}, err
		}
		r, ok := reports[strings.ToLower(strings.TrimSpace(args.City))]
		if !ok {
			return agent.Result{}, fmt.Errorf("no weather for %q; known cities: %s", args.City, knownCities())
		}
		return agent.JSON(r)
	},
}

func knownCities() string {
	var names []string
	for _, r := range reports {
		names = append(names, r.City)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

var weather = &agent.Agent{
	Name:         "weather",
	Description:  "Answers questions about the current weather.",
	Instructions: "You answer weather questions. Call get_weather for each city the user asks about; never guess.",
	Tools:        []agent.Tool{getWeather},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], weather)
	stop()
	os.Exit(code)
}
