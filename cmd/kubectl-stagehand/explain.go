package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newExplain is `kubectl stagehand explain`.
func newExplain(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "explain",
		Short: "not built yet",
		RunE:  func(*cobra.Command, []string) error { return errors.New("explain: not built yet") },
	}
}
