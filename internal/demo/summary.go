package demo

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// summarize prints, for each example pod as the API server stored it, a
// table of what stagehand injected, in the words of each injection.
func summarize(ctx context.Context, c *cluster, ex *examples, n *narrator) error {
	for _, key := range ex.pods {
		var pod corev1.Pod
		if err := c.client.Get(ctx, key, &pod); err != nil {
			return fmt.Errorf("reading pod %s back: %w", key, err)
		}
		input, err := inject.InputOf(&pod)
		if err != nil {
			return fmt.Errorf("reading pod %s back: %w", key, err)
		}
		fmt.Fprintf(n.out, "\n    Pod %s/%s\n", pod.Namespace, pod.Name)
		parts, ok := inject.Describe(input)
		if !ok {
			n.line("  (not injected)")
			continue
		}
		w := tabwriter.NewWriter(n.out, 0, 4, 2, ' ', 0)
		fmt.Fprintf(w, "      PART\tWHAT STAGEHAND INJECTED\n")
		for _, part := range parts {
			for i, what := range part.Lines {
				label := part.Part
				if i > 0 {
					label = ""
				}
				fmt.Fprintf(w, "      %s\t%s\n", label, what)
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		inits := strings.Join(containerNames(pod.Spec.InitContainers), ", ")
		if inits == "" {
			inits = "none"
		}
		n.line("  init containers: %s", inits)
	}
	return nil
}

func containerNames(cs []corev1.Container) []string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return names
}
