package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newInject is `kubectl stagehand inject`.
func newInject(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "inject",
		Short: "not built yet",
		RunE:  func(*cobra.Command, []string) error { return errors.New("inject: not built yet") },
	}
}
