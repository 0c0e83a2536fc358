package nodeenv

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLock: a second Lock waits while the first holds the node and fails
// when its context ends; once the first unlocks, it gets the node.
func TestLock(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte("apiVersion: v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	unlock, err := Lock(context.Background(), kubeconfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	waited := 0
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if _, err := Lock(ctx, kubeconfig, func(string, ...any) { waited++ }); err == nil {
		t.Fatal("a second Lock got the node while the first held it")
	}
	if waited != 1 {
		t.Errorf("the second Lock said it waited %d times, want 1", waited)
	}
	unlock()
	unlock2, err := Lock(context.Background(), kubeconfig, nil)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	unlock2()
	if _, err := Lock(context.Background(), filepath.Join(t.TempDir(), "none"), nil); err == nil {
		t.Error("Lock on a missing kubeconfig succeeded")
	}
}
