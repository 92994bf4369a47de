package cli

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://app:SECRET@db:5432/agentd?sslmode=require&password=SECRET&sslpassword=SECRET&pass%77ord=SECRET&application_name=x",
			"postgres://app:xxxxx@db:5432/agentd?sslmode=require&password=xxxxx&sslpassword=xxxxx&pass%77ord=xxxxx&application_name=x"},
		{"redis://:SECRET@kv:6379/0", "redis://:xxxxx@kv:6379/0"},
		{"rediss://default:SECRET@kv:6380/1?dial_timeout=3s&token=SECRET", "rediss://default:xxxxx@kv:6380/1?dial_timeout=3s&token=xxxxx"},
		{"postgres://app@db/agentd?sslmode=disable", "postgres://app@db/agentd?sslmode=disable"},
		{"sqlite:///var/lib/agentd.db", "sqlite:///var/lib/agentd.db"},
		// Unparseable, or a bare '/' in the password: hidden whole.
		{"redis://:SEC%zRET@kv:6379/0", "redis://xxxxx"},
		{"postgres://app:12/SECRET@db/agentd", "postgres://xxxxx"},
		{"postgres://app:SECRET?x@db/agentd", "postgres://xxxxx"},
		{"host=db password=SECRET", "xxxxx"},
		{"./agentd.db", "./agentd.db"},
	}
	for _, tt := range tests {
		got := redact(tt.in)
		if got != tt.want || strings.Contains(got, "SECRET") || strings.Contains(got, "SEC") {
			t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
