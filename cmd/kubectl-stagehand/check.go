package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newCheck is `kubectl stagehand check`.
func newCheck(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "not built yet",
		RunE:  func(*cobra.Command, []string) error { return errors.New("check: not built yet") },
	}
}
