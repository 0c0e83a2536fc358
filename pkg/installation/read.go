package installation

import (
	"context"
	"errors"
	"fmt"
	"slices"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/config"
)

// Read reads the settings of the stagehand installed in namespace: those
// of its webhook Deployment, and the MutatingWebhookConfiguration. When
// the Deployment does not exist, stagehand is not installed there: the
// settings are the shipped ones, with a note saying so, and Webhooks is
// the cluster's (nil when it has none). What the user may not read (a
// Deployment in stagehand's namespace, the cluster-scoped webhook
// configuration) is taken as shipped, with a note. Settings the webhook
// could not start with are an error wrapping *config.InvalidError.
func Read(ctx context.Context, c client.Reader, namespace string) (Settings, error) {
	shipped, err := Shipped()
	if err != nil {
		return Settings{}, err
	}
	var notes []string
	mwc, err := webhooks(ctx, c)
	if apierrors.IsForbidden(err) {
		mwc = shipped.Webhooks
		notes = append(notes, fmt.Sprintf("you may not read the MutatingWebhookConfiguration %s: assuming the one manifests/ ships", WebhookConfigurationName))
	} else if err != nil {
		return Settings{}, err
	}
	var d appsv1.Deployment
	err = c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: DeploymentName}, &d)
	switch {
	case apierrors.IsNotFound(err):
		notes = append(notes, fmt.Sprintf("stagehand is not installed in namespace %s (it has no Deployment %s): using the settings manifests/ ships", namespace, DeploymentName))
	case apierrors.IsForbidden(err):
		notes = append(notes, fmt.Sprintf("you may not read Deployment %s/%s: using the settings manifests/ ships", namespace, DeploymentName))
	}
	if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
		shipped.Webhooks, shipped.Live, shipped.Notes = mwc, true, notes
		return shipped, nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("reading Deployment %s/%s: %w", namespace, DeploymentName, err)
	}
	s, err := fromDeployment(ctx, c, &d, mwc)
	s.Notes = append(notes, s.Notes...)
	return s, err
}

// fromDeployment reads the injection settings of the webhook container of
// d as `webhook serve` reads them there.
func fromDeployment(ctx context.Context, c client.Reader, d *appsv1.Deployment, mwc *admissionregistrationv1.MutatingWebhookConfiguration) (Settings, error) {
	where := fmt.Sprintf("Deployment %s/%s", d.Namespace, d.Name)
	spec := &d.Spec.Template.Spec
	ctr := webhookContainer(spec)
	if ctr == nil {
		return Settings{}, fmt.Errorf("%s has no container %s", where, ContainerName)
	}
	k := &container{ctx: ctx, c: c, namespace: d.Namespace, spec: spec, ctr: ctr, configMaps: map[string]*corev1.ConfigMap{}}
	args, note := serveArgs(ctr)
	w, err := config.LoadInjectionFrom(args, k.lookup, k.readFile)
	if err := errors.Join(k.errs...); err != nil {
		return Settings{}, fmt.Errorf("%s: %w", where, err)
	}
	if err != nil {
		return Settings{}, fmt.Errorf("%s, container %s: the webhook cannot start with these settings: %w", where, ctr.Name, err)
	}
	s := Settings{Injection: w, Source: where, Webhooks: mwc, Live: true, Notes: unique(k.notes)}
	if note != "" {
		s.Notes = append(s.Notes, where+": "+note)
	}
	if w.EntrypointsFile != "" {
		s.EntrypointsFrom = k.files[w.EntrypointsFile]
	}
	return s, nil
}

// webhookContainer is the container named ContainerName, or the only one.
func webhookContainer(spec *corev1.PodSpec) *corev1.Container {
	for i := range spec.Containers {
		if spec.Containers[i].Name == ContainerName {
			return &spec.Containers[i]
		}
	}
	if len(spec.Containers) == 1 {
		return &spec.Containers[0]
	}
	return nil
}

// serveArgs are the arguments after `serve` in the container's command
// line, where the webhook reads its flags; a note when there is no serve.
func serveArgs(ctr *corev1.Container) ([]string, string) {
	argv := append(slices.Clone(ctr.Command), ctr.Args...)
	if i := slices.Index(argv, "serve"); i >= 0 {
		return argv[i+1:], ""
	}
	if len(argv) == 0 {
		return nil, ""
	}
	return nil, fmt.Sprintf("container %s does not run `serve` (%q): its flags are not read", ctr.Name, argv)
}

// webhooks is the MutatingWebhookConfiguration stagehand; nil when the
// cluster has none.
func webhooks(ctx context.Context, c client.Reader) (*admissionregistrationv1.MutatingWebhookConfiguration, error) {
	var mwc admissionregistrationv1.MutatingWebhookConfiguration
	err := c.Get(ctx, client.ObjectKey{Name: WebhookConfigurationName}, &mwc)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading MutatingWebhookConfiguration %s: %w", WebhookConfigurationName, err)
	}
	return &mwc, nil
}

// Profiles are the InjectionProfiles of namespace; none when the cluster
// does not know the kind (the CRD is not installed).
func Profiles(ctx context.Context, c client.Reader, namespace string) ([]v1alpha1.InjectionProfile, error) {
	var list v1alpha1.InjectionProfileList
	err := c.List(ctx, &list, client.InNamespace(namespace))
	switch {
	case meta.IsNoMatchError(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("listing the InjectionProfiles of namespace %s: %w", namespace, err)
	}
	return list.Items, nil
}

// unique is notes without repeats, in order: a variable is looked up more
// than once.
func unique(notes []string) []string {
	var out []string
	for _, n := range notes {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
