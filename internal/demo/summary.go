package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// summarize prints, for each example pod as the API server stored it, why
// stagehand injected it (its own annotations or the InjectionProfile that
// selected it, as stagehand.io/status records) and a table of what it
// injected, in the words of each injection.
func (d *demo) summarize(ctx context.Context) error {
	n := d.n
	for _, name := range d.pods {
		key := client.ObjectKey{Namespace: Namespace, Name: name}
		var pod corev1.Pod
		if err := d.c.Client.Get(ctx, key, &pod); err != nil {
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
		status, _ := inject.ParseStatus(pod.Annotations[annotations.Status])
		n.line("  %s", why(&pod, status))
		if status.Profile != nil {
			ref, err := json.Marshal(status.Profile)
			if err != nil {
				return err
			}
			n.line("  stagehand.io/status records \"profile\":%s", ref)
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

// why says in a sentence why stagehand injected the pod and what.
func why(pod *corev1.Pod, status inject.Status) string {
	own := shortKeys(pod.Annotations)
	injected := "stagehand injected " + strings.Join(status.Parts, ", ")
	switch {
	case status.Profile != nil && own == "":
		return fmt.Sprintf("%s carries no stagehand annotation; InjectionProfile %s selected it; %s", pod.Name, status.Profile.Name, injected)
	case status.Profile != nil:
		return fmt.Sprintf("%s carries stagehand.io/ annotations (%s), which win over the profile's; InjectionProfile %s selected it; %s",
			pod.Name, own, status.Profile.Name, injected)
	}
	return fmt.Sprintf("%s asks with stagehand.io/ annotations of its own (%s); %s", pod.Name, own, injected)
}

func containerNames(cs []corev1.Container) []string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return names
}
