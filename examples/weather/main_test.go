package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentd/agentd/agent"
)

func TestWeatherAgent(t *testing.T) {
	if err := weather.Validate(); err != nil {
		t.Fatal(err)
	}
	res, err := getWeather.Run(context.Background(), agent.Call{Args: json.RawMessage(`{"city":" lisbon "}`)})
	if err != nil {
		t.Fatal(err)
	}
	var r report
	if err := json.Unmarshal([]byte(res.Content), &r); err != nil || r.City != "Lisbon" || r.Conditions != "sunny" {
		t.Errorf("get_weather(lisbon) = %s (%v)", res.Content, err)
	}
	_, err = getWeather.Run(context.Background(), agent.Call{Args: json.RawMessage(`{"city":"Atlantis"}`)})
	if err == nil || !strings.Contains(err.Error(), "Berlin, Lisbon") {
		t.Errorf("unknown city: err = %v, want the list of known cities", err)
	}
}
