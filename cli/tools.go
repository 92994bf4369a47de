package cli

import (
	"context"
	"io"

	"github.com/agentd/agentd/fakellm"
	"github.com/agentd/agentd/loadgen"
)

func fakellmCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return fakellm.Command(ctx, args, stdout, stderr)
}

func loadtestCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return loadgen.Command(ctx, args, stdout, stderr)
}
