package manifests

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/diff"

	stagehandoverlay "github.com/stagehand-k8s/stagehand/internal/overlay"
	shipped "github.com/stagehand-k8s/stagehand/manifests"
)

// The images of the release, without their tags, as an overlay's `images:`
// names them.
const (
	agentImageName   = "ghcr.io/stagehand-k8s/agent"
	webhookImageName = "ghcr.io/stagehand-k8s/webhook"
)

// mirrorDigest is a digest an air-gapped registry could pin.
const mirrorDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// imageCase is an overlay's `images:` and the agent and webhook images it
// must give (a leading ":" or "@" means the shipped name with that tag or
// digest; empty, the shipped image unchanged).
type imageCase struct {
	name, images, agent, webhook string
}

var imageCases = []imageCase{
	{"agent newName", `
  - name: ghcr.io/stagehand-k8s/agent
    newName: registry.example.com/mirror/agent`, "registry.example.com/mirror/agent:TAG", ""},
	{"agent newTag", `
  - name: ghcr.io/stagehand-k8s/agent
    newTag: v9.8.7`, ":v9.8.7", ""},
	{"agent digest", `
  - name: ghcr.io/stagehand-k8s/agent
    digest: ` + mirrorDigest, "@" + mirrorDigest, ""},
	{"agent newName and newTag", `
  - name: ghcr.io/stagehand-k8s/agent
    newName: registry.example.com/mirror/agent
    newTag: v9.8.7`, "registry.example.com/mirror/agent:v9.8.7", ""},
	{"agent newName and digest", `
  - name: ghcr.io/stagehand-k8s/agent
    newName: registry.example.com/mirror/agent
    digest: ` + mirrorDigest, "registry.example.com/mirror/agent@" + mirrorDigest, ""},
	{"webhook only", `
  - name: ghcr.io/stagehand-k8s/webhook
    newName: registry.example.com/mirror/webhook
    newTag: v9.8.7`, "", "registry.example.com/mirror/webhook:v9.8.7"},
	{"both", `
  - name: ghcr.io/stagehand-k8s/webhook
    newName: registry.example.com/mirror/webhook
    digest: ` + mirrorDigest + `
  - name: ghcr.io/stagehand-k8s/agent
    newName: registry.example.com/mirror/agent
    newTag: v9.8.7`, "registry.example.com/mirror/agent:v9.8.7", "registry.example.com/mirror/webhook@" + mirrorDigest},
}

// TestImagesMoveAgentImage: an overlay on manifests/base or
// manifests/cert-manager (a temporary directory naming it by a relative
// path, as a user's overlay does) whose `images:` names the agent image
// rewrites STAGEHAND_AGENT_IMAGE in each of the forms kustomize offers
// (newName, newTag, digest and their combinations), and one that names the
// webhook image moves only the webhook's container. Nothing else of the
// build changes. Each overlay is built with the kustomize API, as the tests
// and the demo do, and with `kubectl kustomize`, the kustomize that users
// run.
func TestImagesMoveAgentImage(t *testing.T) {
	agent, err := shipped.AgentImage()
	if err != nil {
		t.Fatal(err)
	}
	agentTag, ok := strings.CutPrefix(agent, agentImageName+":")
	if !ok {
		t.Fatalf("manifests.AgentImage() is %q, not a tag of %s", agent, agentImageName)
	}
	builders := map[string]func(t *testing.T, dir string) []*unstructured.Unstructured{
		"krusty": func(t *testing.T, dir string) []*unstructured.Unstructured {
			t.Helper()
			objects, err := stagehandoverlay.Build(dir)
			if err != nil {
				t.Fatal(err)
			}
			return objects
		},
		"kubectl kustomize": kubectlKustomize,
	}
	for _, base := range []string{"base", "cert-manager"} {
		for builder, build := range builders {
			t.Run(base+"/"+builder, func(t *testing.T) {
				plain := build(t, overlayOf(t, base, ""))
				d := findObject(t, plain, "Deployment", "stagehand-webhook")
				if got := agentImageOf(t, d); got != agent {
					t.Fatalf("STAGEHAND_AGENT_IMAGE %q without images:, want %q as manifests.AgentImage() reads it", got, agent)
				}
				webhook := webhookImageOf(t, d)
				for _, c := range imageCases {
					t.Run(c.name, func(t *testing.T) {
						want := expected(plain, c.agent, c.webhook, agent, agentTag, webhook)
						got := build(t, overlayOf(t, base, "images:"+c.images+"\n"))
						compareBuilds(t, want, got)
					})
				}
			})
		}
	}
}

// expected is plain with the Deployment's agent and webhook images set as a
// case says.
func expected(plain []*unstructured.Unstructured, agent, webhook, shippedAgent, agentTag, shippedWebhook string) []*unstructured.Unstructured {
	resolve := func(want, shippedImage, name string) string {
		switch {
		case want == "":
			return shippedImage
		case strings.HasPrefix(want, ":"), strings.HasPrefix(want, "@"):
			return name + want
		}
		return strings.Replace(want, ":TAG", ":"+agentTag, 1)
	}
	var out []*unstructured.Unstructured
	for _, u := range plain {
		u = u.DeepCopy()
		if u.GetKind() == "Deployment" && u.GetName() == "stagehand-webhook" {
			setDeploymentImages(u, resolve(agent, shippedAgent, agentImageName), resolve(webhook, shippedWebhook, webhookImageName))
		}
		out = append(out, u)
	}
	return out
}

// compareBuilds fails the test for each object that differs between want
// and got, in the same order.
func compareBuilds(t *testing.T, want, got []*unstructured.Unstructured) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%d objects, want %d", len(got), len(want))
	}
	for i := range want {
		if !equality.Semantic.DeepEqual(want[i].Object, got[i].Object) {
			t.Errorf("%s %s differs (- want, + got):\n%s", want[i].GetKind(), want[i].GetName(), diff.Diff(want[i].Object, got[i].Object))
		}
	}
}

func findObject(t *testing.T, objects []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	if u := stagehandoverlay.Find(objects, kind, name); u != nil {
		return u
	}
	t.Fatalf("no %s %s among %d objects", kind, name, len(objects))
	return nil
}

// webhookContainer is the Deployment's one container, as a map of the
// object.
func webhookContainer(t *testing.T, d *unstructured.Unstructured) map[string]any {
	t.Helper()
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	if len(containers) != 1 {
		t.Fatalf("the Deployment has %d containers, want 1", len(containers))
	}
	return containers[0].(map[string]any)
}

func webhookImageOf(t *testing.T, d *unstructured.Unstructured) string {
	t.Helper()
	image, _ := webhookContainer(t, d)["image"].(string)
	return image
}

func agentImageOf(t *testing.T, d *unstructured.Unstructured) string {
	t.Helper()
	env, _, _ := unstructured.NestedSlice(webhookContainer(t, d), "env")
	for _, e := range env {
		if e := e.(map[string]any); e["name"] == "STAGEHAND_AGENT_IMAGE" {
			value, _ := e["value"].(string)
			return value
		}
	}
	t.Fatal("the Deployment sets no STAGEHAND_AGENT_IMAGE")
	return ""
}

// setDeploymentImages sets the webhook container's image and its
// STAGEHAND_AGENT_IMAGE in d.
func setDeploymentImages(d *unstructured.Unstructured, agent, webhook string) {
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	c := containers[0].(map[string]any)
	c["image"] = webhook
	env, _ := c["env"].([]any)
	for _, e := range env {
		if e := e.(map[string]any); e["name"] == "STAGEHAND_AGENT_IMAGE" {
			e["value"] = agent
		}
	}
	_ = unstructured.SetNestedSlice(d.Object, containers, "spec", "template", "spec", "containers")
}
