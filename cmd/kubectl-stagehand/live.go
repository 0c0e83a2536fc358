package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/installation"
)

// liveRequestTimeout bounds each request to the cluster unless
// --request-timeout says otherwise.
const liveRequestTimeout = 15 * time.Second

// live is what explain and inject read from the cluster: its injection
// settings, or the shipped ones when none is reachable.
type live struct {
	// reader reads the cluster; nil when no cluster was reached.
	reader client.Reader
	// namespace is where objects that name none go (-n, or the
	// kubeconfig's context).
	namespace string
	settings  installation.Settings
	// unreachable says why no cluster was reached.
	unreachable string
}

// connect reaches the cluster of the kubeconfig flags and reads
// stagehand's settings there. When no cluster is reachable, the settings
// are the shipped ones and unreachable says why; an API error (forbidden,
// unauthorized) or settings the webhook cannot start with are errors.
func (g *globals) connect(ctx context.Context) (*live, error) {
	cfg := g.clientConfig()
	ns, _, err := cfg.Namespace()
	switch {
	case clientcmd.IsEmptyConfig(err):
		ns = cmp.Or(g.overrides.Context.Namespace, metav1.NamespaceDefault)
	case err != nil:
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	l := &live{namespace: ns}
	restCfg, err := cfg.ClientConfig()
	switch {
	case clientcmd.IsEmptyConfig(err):
		return l.offline("no kubeconfig")
	case err != nil:
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	if restCfg.Timeout == 0 {
		restCfg.Timeout = liveRequestTimeout
	}
	dc, err := discovery.NewDiscoveryClientForConfig(restCfg)
	if err != nil {
		return nil, fmt.Errorf("a client of %s: %w", restCfg.Host, err)
	}
	if _, err := dc.ServerVersion(); err != nil {
		var status apierrors.APIStatus
		if errors.As(err, &status) {
			return nil, fmt.Errorf("reaching %s: %w", restCfg.Host, err)
		}
		return l.offline(fmt.Sprintf("%s: %v", restCfg.Host, err))
	}
	c, err := installation.NewClient(restCfg)
	if err != nil {
		return nil, err
	}
	l.reader = c
	if l.settings, err = installation.Read(ctx, c, g.stagehandNamespace); err != nil {
		return nil, err
	}
	return l, nil
}

// offline is l with the shipped settings, as no cluster was reached.
func (l *live) offline(why string) (*live, error) {
	s, err := installation.Shipped()
	if err != nil {
		return nil, err
	}
	l.settings, l.unreachable = s, why
	return l, nil
}

// notes writes to w what the user must know of where the settings come
// from: no cluster, stagehand not installed, settings not read.
func (l *live) notes(w io.Writer) {
	if l.unreachable != "" {
		fmt.Fprintf(w, "note: no cluster reachable (%s): using the settings manifests/ ships, and no namespace or InjectionProfile\n", l.unreachable)
	}
	for _, n := range l.settings.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}

// summary says which settings shape injection, on one line.
func (l *live) summary() string {
	w := &l.settings.Injection
	hosts := "any host"
	if len(w.AllowedDependencyHosts) > 0 {
		hosts = strings.Join(w.AllowedDependencyHosts, ", ")
	}
	entrypoints := "no entrypoint map"
	if l.settings.EntrypointsFrom != "" {
		entrypoints = fmt.Sprintf("entrypoint map from %s (images: %s)", l.settings.EntrypointsFrom, strings.Join(slices.Sorted(maps.Keys(w.Entrypoints)), ", "))
	}
	return fmt.Sprintf("stagehand settings from %s: agent image %s; strict %t; dependencies from %s; %s",
		l.settings.Source, w.AgentImage, w.Strict, hosts, entrypoints)
}
