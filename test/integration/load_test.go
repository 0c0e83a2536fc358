package integration

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// TestLoadThroughAPIServer creates pods at concurrency 16 in an opted-in
// namespace through the real API server and webhook: zero failures, and
// every pod read back carries the injected parts. 200 pods in `go test`,
// 2,000 with STAGEHAND_SOAK=1.
func TestLoadThroughAPIServer(t *testing.T) {
	s := env(t)
	pods, concurrency := 200, 16
	if os.Getenv("STAGEHAND_SOAK") == "1" {
		pods = 2000
	}
	ns := s.newNamespace(t, map[string]string{annotations.NamespaceLabel: annotations.NamespaceLabelEnabled})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, pods)
	start := time.Now()
	for range concurrency {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(pods) || ctx.Err() != nil {
					return
				}
				pod := mr3Worker(fmt.Sprintf("load-%d", i), mr3Annotations)
				pod.Namespace = ns
				if err := s.client.Create(ctx, pod); err != nil {
					failed.Add(1)
					errs <- fmt.Errorf("pod %d: %w", i, err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var list corev1.PodList
	if err := s.client.List(ctx, &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	injected := 0
	for i := range list.Items {
		status, ok := inject.ParseStatus(list.Items[i].Annotations[annotations.Status])
		if ok && len(status.Parts) == 2 && hasVolume(&list.Items[i], inject.TokenVolume) {
			injected++
		}
	}
	if len(list.Items) != pods || injected != pods {
		t.Errorf("read back %d pods, %d injected; want %d of each", len(list.Items), injected, pods)
	}
	t.Logf("RELIABILITY api-load pods=%d concurrency=%d failed=%d injected=%d elapsed=%v", pods, concurrency, failed.Load(), injected, elapsed.Round(time.Millisecond))
}

func hasVolume(pod *corev1.Pod, name string) bool {
	for _, v := range pod.Spec.Volumes {
		if v.Name == name {
			return true
		}
	}
	return false
}
