package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/internal/nodeenv"
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

// startServices creates the artifact server (busybox httpd serving the
// profile's jar from a ConfigMap) and the Services artifacts and timeline,
// and waits until the artifact server is ready behind its Service. The
// Timeline Server stand-in's pod comes with the examples (startTimeline):
// it reads ATS_SECRET_KEY from their ConfigMap client-am-config.
func (d *demo) startServices(ctx context.Context) error {
	labels := func(app string) map[string]string {
		return map[string]string{"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": "stagehand-demo"}
	}
	jar := demoJar(jarPath)
	jarKey := path.Base(jarPath)
	objs := []client.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "demo-artifacts", Namespace: Namespace}, Data: map[string]string{jarKey: jar}},
		&corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: artifactsService, Namespace: Namespace, Labels: labels(artifactsService)},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "httpd", Image: nodeenv.BusyboxImage, Command: []string{"httpd", "-f", "-v", "-p", "8080", "-h", "/www"},
				Ports:          []corev1.ContainerPort{{ContainerPort: 8080}},
				ReadinessProbe: tcpProbe(8080),
				VolumeMounts:   []corev1.VolumeMount{{Name: "www", MountPath: "/www", ReadOnly: true}},
			}}, Volumes: []corev1.Volume{{Name: "www", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "demo-artifacts"},
				Items:                []corev1.KeyToPath{{Key: jarKey, Path: strings.TrimPrefix(jarPath, "/")}},
			}}}}},
		},
		service(artifactsService, labels(artifactsService), 80, 8080),
		service(timelineService, labels(timelineService), timelinePort, timelinePort),
	}
	for _, o := range objs {
		if err := d.c.Client.Create(ctx, o); err != nil {
			return fmt.Errorf("creating %T %s: %w", o, o.GetName(), err)
		}
	}
	for _, svc := range []string{artifactsService, timelineService} {
		var s corev1.Service
		if err := d.c.Client.Get(ctx, client.ObjectKey{Namespace: Namespace, Name: svc}, &s); err != nil {
			return err
		}
		d.hosts = append(d.hosts, corev1.HostAlias{IP: s.Spec.ClusterIP, Hostnames: []string{serviceHost(svc)}})
	}
	if err := d.waitReady(ctx, artifactsService); err != nil {
		return err
	}
	got, err := d.c.Clientset.CoreV1().Services(Namespace).ProxyGet("http", artifactsService, "80", jarPath, nil).DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("reading %s from the artifact server through the API server: %w", jarPath, err)
	}
	sum := sha256.Sum256(got)
	d.n.line("artifacts: busybox httpd serving %s (%d bytes, sha256 %.12s...) behind Service %s, %s:80", jarPath, len(got), hex.EncodeToString(sum[:]), artifactsService, d.hosts[0].IP)
	d.n.line("timeline:  the Timeline Server stand-in (its pod comes with the examples' ConfigMap client-am-config) behind Service %s, %s:%d",
		timelineService, d.hosts[1].IP, timelinePort)
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

func service(name string, selector map[string]string, port, target int32) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace},
		Spec: corev1.ServiceSpec{Selector: selector,
			Ports: []corev1.ServicePort{{Name: "http", Port: port, TargetPort: intstr.FromInt32(target)}}},
	}
}

func tcpProbe(port int32) *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(port)}}, PeriodSeconds: 1}
}

// waitReady waits until the Service has a ready pod.
func (d *demo) waitReady(ctx context.Context, svc string) error {
	return d.c.WaitServiceReady(ctx, Namespace, svc, serviceTimeout)
}
