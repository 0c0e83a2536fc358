package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/stagehand-k8s/stagehand/bench/loadgen"
)

// webhookManifest is the shipped webhook configuration.
const webhookManifest = "manifests/base/mutatingwebhookconfiguration.yaml"

// Bounds of the API-server part.
const (
	apiStartTimeout   = 90 * time.Second
	apiStopTimeout    = 30 * time.Second
	apiRequestTimeout = 20 * time.Second
	apiWaitTimeout    = 30 * time.Second
	apiRoundTimeout   = 3 * time.Minute
)

// Namespaces of the API-server part: opted in to stagehand, not opted in,
// and served by the no-op webhook (the cost of calling any webhook).
const (
	nsWith    = "bench-webhook"
	nsWithout = "bench-plain"
	nsNoop    = "bench-noop"
	// nsNoopPatch is served by the no-op webhook answering with a patch of
	// one operation: the floor of a webhook that changes the pod at all.
	nsNoopPatch = "bench-noop-patch"
)

// noopPatchSuffix is where bench/noop answers with its one-operation patch
// (its PatchSuffix).
const noopPatchSuffix = "-patch"

// noopLabel opts a namespace in to the no-op webhook's configuration.
const noopLabel = "bench.stagehand.io/noop"

// apiResults are the creates with the webhook, without it, and with the
// no-op webhook: as fast as the API server goes (closed loop) and at a fixed
// rate it sustains in every namespace (open loop). unselected are creates,
// in stagehand's namespace, of the pod without its stagehand.io/
// annotations, which no profile selects.
type apiResults struct {
	with, without, noop, unselected                 loadgen.Result
	openWith, openWithout, openNoop, openUnselected loadgen.Result
	// noopPatch and openNoopPatch are the mutating floor's.
	noopPatch, openNoopPatch loadgen.Result
	// profiles are the API server's CPU profiles while it created pods at
	// the fixed rate without the webhook and with it; cpuPerPod is its CPU
	// time per pod in each.
	profiles  []profile
	cpuPerPod map[string]time.Duration
	// size is what stagehand adds to the MR3 worker as stored.
	size *sizeResults
}

// p99Ratio is the create p99 with the webhook over without, at the fixed
// rate: the latency stagehand adds to one create. In the closed loop the API
// server is saturated, latency is queueing and the pods/s tell the cost.
func (a apiResults) p99Ratio() float64 {
	return ratio(float64(a.openWith.Percentile(99)), float64(a.openWithout.Percentile(99)))
}

// p99VsNoop is the create p99 with stagehand over that with the no-op
// webhook in the same configuration, at the fixed rate: what stagehand adds
// to calling any webhook.
func (a apiResults) p99VsNoop() float64 {
	return ratio(float64(a.openWith.Percentile(99)), float64(a.openNoop.Percentile(99)))
}

// unselectedRatio is the create p99 of a pod no profile selects over that
// of a pod the no-op webhook admits, at the fixed rate: what deciding that
// a pod is not stagehand's adds to calling a webhook at all.
func (a apiResults) unselectedRatio() float64 {
	return ratio(float64(a.openUnselected.Percentile(99)), float64(a.openNoop.Percentile(99)))
}

// apiSubject is one kind of create the API-server part measures.
type apiSubject struct {
	name, ns string
	pod      *corev1.Pod
}

// benchAPIServer creates the MR3 pod through an envtest API server, in a
// namespace the webhook serves (a stagehand process, configured by the
// shipped manifest, watching InjectionProfiles in that API server as
// shipped), in one it does not, and in one the no-op webhook serves; and
// the same pod without stagehand.io/ annotations in stagehand's namespace,
// where a profile selects other pods. Rounds alternate.
func benchAPIServer(ctx context.Context, o options, w *workspace, mr3 fixture, outDir string, log io.Writer) (apiResults, error) {
	var res apiResults
	env := &envtest.Environment{
		BinaryAssetsDirectory:    o.assets,
		ControlPlaneStartTimeout: apiStartTimeout,
		ControlPlaneStopTimeout:  apiStopTimeout,
		CRDInstallOptions:        envtest.CRDInstallOptions{Paths: []string{filepath.Join(o.root, profileCRD)}, ErrorIfPathMissing: true},
	}
	// envtest turns the ServiceAccount admission plugin off; a real cluster
	// runs it, and the projected token stagehand injects needs the
	// serviceAccountName it defaults.
	env.ControlPlane.GetAPIServer().Configure().Disable("disable-admission-plugins")
	cfg, err := env.Start()
	defer func() { _ = env.Stop() }()
	if err != nil {
		return res, fmt.Errorf("starting the API server: %w", err)
	}
	if w.kubeconfig, err = writeKubeconfig(w.dir, cfg); err != nil {
		return res, err
	}
	s, err := startServer(w, kindWatching, "")
	if err != nil {
		return res, err
	}
	defer s.stop()
	if _, err := s.waitAdmitting(ctx, w, mr3); err != nil {
		return res, err
	}
	noop, err := startServer(w, kindNoop, "")
	if err != nil {
		return res, err
	}
	defer noop.stop()
	if _, err := noop.waitAdmitting(ctx, w, mr3); err != nil {
		return res, err
	}
	cfg.QPS, cfg.Burst, cfg.Timeout = -1, 0, apiRequestTimeout // no client-side rate limit
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return res, fmt.Errorf("API client: %w", err)
	}
	if err := installWebhook(ctx, o.root, cs, s.url, noop.url, w.caPEM); err != nil {
		return res, err
	}
	if err := createOtherProfile(ctx, cfg, nsWith); err != nil {
		return res, err
	}
	if err := waitForWebhook(ctx, cs, mr3.pod); err != nil {
		return res, err
	}
	size, err := benchSize(ctx, cs, s, w, mr3, log)
	if err != nil {
		return res, err
	}
	res.size = &size
	var n atomic.Int64
	create := func(sub apiSubject) loadgen.Doer {
		return loadgen.DoerFunc(func(ctx context.Context) error {
			pod := sub.pod.DeepCopy()
			pod.Namespace, pod.Name = sub.ns, fmt.Sprintf("bench-%d", n.Add(1))
			_, err := cs.CoreV1().Pods(sub.ns).Create(ctx, pod, metav1.CreateOptions{})
			return err
		})
	}
	subjects := []apiSubject{
		{nsWithout, nsWithout, mr3.pod}, {nsWith, nsWith, mr3.pod}, {nsNoop, nsNoop, mr3.pod},
		{subjectUnselected, nsWith, unannotated(mr3.pod)}, {nsNoopPatch, nsNoopPatch, mr3.pod},
	}
	perRound := max(o.apiPods/o.rounds, 1)
	results := map[string][]loadgen.Result{}
	for r := range o.rounds {
		for _, sub := range subjects {
			loop := loadgen.Closed{Concurrency: o.apiConc, Duration: apiRoundTimeout, MaxRequests: perRound}
			if r == 0 {
				// Warm connections and caches up, unmeasured.
				warm := loop
				warm.MaxRequests = 2 * o.apiConc
				if _, err := warm.Run(ctx, create(sub)); err != nil {
					return res, err
				}
			}
			got, err := loop.Run(ctx, create(sub))
			if err != nil {
				return res, err
			}
			results[sub.name] = append(results[sub.name], got)
			fmt.Fprintf(log, "apiserver %-13s %d pods %.0f pods/s p99=%v errors=%d\n", sub.name, got.Requests, got.Throughput(), got.Percentile(99), got.Errors)
		}
	}
	res.with, res.without, res.noop = loadgen.Merge(results[nsWith]...), loadgen.Merge(results[nsWithout]...), loadgen.Merge(results[nsNoop]...)
	res.unselected, res.noopPatch = loadgen.Merge(results[subjectUnselected]...), loadgen.Merge(results[nsNoopPatch]...)
	open := map[string][]loadgen.Result{}
	for range o.rounds {
		for _, sub := range subjects {
			got, err := apiOpenLoop(o, o.apiOpenFor/time.Duration(o.rounds)).Run(ctx, create(sub))
			if err != nil {
				return res, err
			}
			open[sub.name] = append(open[sub.name], got)
			fmt.Fprintf(log, "apiserver %-13s %d pods at %.0f/s p50=%v p99=%v errors=%d\n", sub.name, got.Requests, o.apiRate, got.Percentile(50), got.Percentile(99), got.Errors)
		}
	}
	res.openWith, res.openWithout, res.openNoop = loadgen.Merge(open[nsWith]...), loadgen.Merge(open[nsWithout]...), loadgen.Merge(open[nsNoop]...)
	res.openUnselected, res.openNoopPatch = loadgen.Merge(open[subjectUnselected]...), loadgen.Merge(open[nsNoopPatch]...)
	res.cpuPerPod = map[string]time.Duration{}
	for _, sub := range slices.Concat(subjects[:3], subjects[4:]) {
		p, perPod, err := profileAPIServer(ctx, o, cs, sub.ns, create(sub), outDir)
		if err != nil {
			return res, err
		}
		res.profiles, res.cpuPerPod[sub.ns] = append(res.profiles, p), perPod
		fmt.Fprintf(log, "apiserver %-13s CPU per pod %v\n", sub.ns, perPod)
	}
	return res, nil
}

// apiOpenLoop creates pods at the fixed rate for d.
func apiOpenLoop(o options, d time.Duration) loadgen.Open {
	return loadgen.Open{Rate: o.apiRate, Duration: d, MaxInFlight: 4 * o.apiConc}
}

// profileAPIServer takes a CPU profile of the API server (its
// /debug/pprof, on by default) while it creates pods in a namespace at the
// fixed rate, in a round of its own that is not measured, and returns it
// with the API server's CPU time per pod.
func profileAPIServer(ctx context.Context, o options, cs kubernetes.Interface, ns string, create loadgen.Doer, outDir string) (profile, time.Duration, error) {
	path := filepath.Join(outDir, "apiserver-"+ns+".cpu.pprof")
	p := profile{name: "API server CPU, creating the MR3 pod at a fixed rate in " + ns, path: path}
	secs := max(int(o.apiOpenFor/time.Duration(o.rounds)/time.Second), 1)
	done := make(chan error, 1)
	go func() {
		data, err := cs.CoreV1().RESTClient().Get().AbsPath("/debug/pprof/profile").
			Param("seconds", strconv.Itoa(secs)).Timeout(time.Duration(secs+30) * time.Second).DoRaw(ctx)
		if err == nil {
			err = os.WriteFile(path, data, 0o644)
		}
		done <- err
	}()
	got, err := apiOpenLoop(o, time.Duration(secs)*time.Second).Run(ctx, create)
	if err != nil {
		return p, 0, err
	}
	if err := <-done; err != nil {
		return p, 0, fmt.Errorf("profiling the API server: %w", err)
	}
	p.top = pprofTop(ctx, path)
	total, err := profileTotal(p.top)
	if err != nil || got.Requests == 0 {
		return p, 0, err
	}
	return p, total / time.Duration(got.Requests), nil
}

// totalSamples reads the CPU time a profile sampled from the header of go
// tool pprof's -top output ("Total samples = 3.29s").
var totalSamples = regexp.MustCompile(`Total samples = ([0-9.]+[a-zµ]+)`)

// profileTotal is the CPU time sampled in a profile, from its -top text.
func profileTotal(top string) (time.Duration, error) {
	m := totalSamples.FindStringSubmatch(top)
	if m == nil {
		return 0, fmt.Errorf("no total in the profile: %.200s", top)
	}
	return time.ParseDuration(m[1])
}
