package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// The Services the examples name (stagehand.io/jars of the profile
// mr3-workers, stagehand.io/timeline-url of HiveServer2).
const (
	artifactsService = "artifacts"
	timelineService  = "timeline"
	timelinePort     = 8188
	// jarPath is the one artifact, from the profile mr3-workers.
	jarPath = "/udf/hive-udf-demo-1.0.jar"
	// serviceTimeout bounds the wait for a Service's pod.
	serviceTimeout = 90 * time.Second
)

// serviceHost is the DNS name of a Service of the examples' namespace.
func serviceHost(svc string) string { return svc + "." + Namespace + ".svc.cluster.local" }

// demoJar is the content the artifact server serves at p: 128 KiB of demo
// bytes whose sha256 is the one the profile mr3-workers names.
func demoJar(p string) string {
	sum := sha256.Sum256([]byte(p))
	return strings.Repeat(hex.EncodeToString(sum[:]), 2048)
}

// startServices starts the artifact server (nodeenv.StartArtifacts: busybox
// httpd serving the profile's jar) and creates the Service timeline. The
// Timeline Server stand-in's pod comes with the examples (startTimeline):
// it reads ATS_SECRET_KEY from their ConfigMap client-am-config.
func (d *demo) startServices(ctx context.Context) error {
	tl := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: timelineService, Namespace: Namespace},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app.kubernetes.io/name": timelineService},
			Ports: []corev1.ServicePort{{Name: "http", Port: timelinePort, TargetPort: intstr.FromInt32(timelinePort)}}},
	}
	if err := d.c.Client.Create(ctx, tl); err != nil {
		return fmt.Errorf("creating Service %s: %w", timelineService, err)
	}
	art, err := d.c.StartArtifacts(ctx, Namespace, artifactsService, map[string]string{jarPath: demoJar(jarPath)}, serviceTimeout)
	if err != nil {
		return fmt.Errorf("the artifact server: %w", err)
	}
	d.hosts = append(d.hosts,
		corev1.HostAlias{IP: art.IP, Hostnames: []string{serviceHost(artifactsService)}},
		corev1.HostAlias{IP: tl.Spec.ClusterIP, Hostnames: []string{serviceHost(timelineService)}})
	got, err := d.c.Clientset.CoreV1().Services(Namespace).ProxyGet("http", artifactsService, "80", jarPath, nil).DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("reading %s from the artifact server through the API server: %w", jarPath, err)
	}
	sum := sha256.Sum256(got)
	d.n.line("artifacts: busybox httpd serving %s (%d bytes, sha256 %.12s...) behind Service %s, %s:80", jarPath, len(got), hex.EncodeToString(sum[:]), artifactsService, art.IP)
	d.n.line("timeline:  the Timeline Server stand-in (its pod comes with the examples' ConfigMap client-am-config) behind Service %s, %s:%d",
		timelineService, tl.Spec.ClusterIP, timelinePort)
	d.n.line("This node has no cluster DNS: the demo gives each example pod hostAliases for these")
	d.n.line("two names (%s, %s), the only change it makes to them.", serviceHost(artifactsService), serviceHost(timelineService))
	d.n.done("the artifact server is ready")
	return nil
}

// startTimeline creates the Timeline Server stand-in's pod: ATS_SECRET_KEY
// comes from the ConfigMap client-am-config, as for MR3's.
func (d *demo) startTimeline(ctx context.Context) error {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: timelineService, Namespace: Namespace,
			Labels: map[string]string{"app.kubernetes.io/name": timelineService, "app.kubernetes.io/part-of": "stagehand-demo"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "timeline", Image: timelineImage, Args: []string{"--addr", fmt.Sprintf(":%d", timelinePort)},
			Env: []corev1.EnvVar{{Name: inject.ATSSecretKeyEnv, ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "client-am-config"}, Key: "ats-secret-key"}}}},
			Ports:          []corev1.ContainerPort{{ContainerPort: timelinePort}},
			ReadinessProbe: tcpProbe(timelinePort),
		}}},
	}
	if err := d.c.Client.Create(ctx, pod); err != nil {
		return fmt.Errorf("creating the Timeline Server stand-in: %w", err)
	}
	d.n.line("created Pod %s, the Timeline Server stand-in", pod.Name)
	return nil
}

func tcpProbe(port int32) *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(port)}}, PeriodSeconds: 1}
}
