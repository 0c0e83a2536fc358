package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/stagehand-k8s/stagehand/bench/loadgen"
	"github.com/stagehand-k8s/stagehand/internal/admissiontest"
)

// The size goals of issue 16: what the MR3 worker with every injection
// grows by, and the patch that grows it. Fixed: never loosen them.
const (
	goalSizeAdded  = 2500
	goalPatchBytes = 3000
)

// sizeResults are the MR3 worker's JSON as the API server would store it
// without stagehand and with it, and the patch the webhook answers with
// (before base64).
type sizeResults struct {
	before, after, patchBytes, patchOps int
	// patched is the pod the patch gives, in bytes: after less what the
	// API server defaults in what stagehand added.
	patched int
}

// added is how many bytes of JSON stagehand adds to the stored pod.
func (s sizeResults) added() int { return s.after - s.before }

// benchSize creates the MR3 worker with a dry run in the namespace without
// the webhook and in stagehand's, so that both are as the API server would
// store them (defaulted, other admission plugins run), and measures their
// compact JSON, less the metadata the server sets per object; and sends the
// one without to stagehand as the API server would, for its patch. Sizes
// are counts, the same on every machine.
func benchSize(ctx context.Context, cs kubernetes.Interface, s *server, w *workspace, mr3 fixture, log io.Writer) (sizeResults, error) {
	var res sizeResults
	stored := map[string][]byte{}
	for _, ns := range []string{nsWithout, nsWith} {
		p := mr3.pod.DeepCopy()
		p.Namespace, p.Name = ns, "size"
		got, err := cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			return res, fmt.Errorf("dry-run create in %s: %w", ns, err)
		}
		if stored[ns], err = json.Marshal(comparable(got)); err != nil {
			return res, err
		}
	}
	res.before, res.after = len(stored[nsWithout]), len(stored[nsWith])
	patch, err := patchOf(ctx, s, w, stored[nsWithout])
	if err != nil {
		return res, err
	}
	var ops []json.RawMessage
	if err := json.Unmarshal(patch, &ops); err != nil {
		return res, fmt.Errorf("decoding the patch: %w", err)
	}
	decoded, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		return res, fmt.Errorf("decoding the patch: %w", err)
	}
	patched, err := decoded.Apply(stored[nsWithout])
	if err != nil {
		return res, fmt.Errorf("applying the patch: %w", err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, patched); err != nil {
		return res, err
	}
	res.patchBytes, res.patchOps, res.patched = len(patch), len(ops), compact.Len()
	fmt.Fprintf(log, "size %s: stored %d -> %d bytes of JSON (+%d; the patch alone gives %d), patch %d bytes in %d operations\n",
		mr3.name, res.before, res.after, res.added(), res.patched, res.patchBytes, res.patchOps)
	return res, nil
}

// comparable is the pod less the metadata the API server sets per object,
// which differs between namespaces and runs but not with stagehand.
func comparable(p *corev1.Pod) *corev1.Pod {
	p = p.DeepCopy()
	p.Namespace, p.UID, p.ResourceVersion, p.ManagedFields = "", "", "", nil
	p.CreationTimestamp, p.Generation = metav1.Time{}, 0
	return p
}

// patchOf sends pod to the webhook server as the API server would (namespace
// nsWith, CREATE) and returns the JSON Patch it answers with.
func patchOf(ctx context.Context, s *server, w *workspace, pod []byte) ([]byte, error) {
	body, err := admissiontest.Review("size", nsWith, admissionv1.Create, pod)
	if err != nil {
		return nil, err
	}
	tr := loadgen.NewTransport(w.roots, 1)
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Transport: tr, Timeout: apiRequestTimeout}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking the webhook for the patch: %w", err)
	}
	defer resp.Body.Close()
	var review admissionv1.AdmissionReview
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&review); err != nil {
		return nil, fmt.Errorf("decoding the webhook's answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if review.Response == nil || !review.Response.Allowed || len(review.Response.Patch) == 0 {
		return nil, fmt.Errorf("the webhook did not answer with a patch: %+v", review.Response)
	}
	return review.Response.Patch, nil
}
