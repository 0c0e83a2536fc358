package main

import (
	"context"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/selfreview"
)

// review has the API server review the token of dir and returns the user
// name it authenticates.
func review(ctx context.Context, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	user, err := selfreview.Review(ctx, selfreview.InClusterServer(), dir)
	return user.Username, err
}
