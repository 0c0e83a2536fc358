package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The artifact server: busybox httpd in a pod of a namespace that is not
// opted in, behind a Service, addressed by its cluster IP (pods have no
// DNS on the node). It serves one jar at jarPath.
const (
	jarPath    = "/udf/hive-udf-demo-1.0.jar"
	jarName    = "hive-udf-demo-1.0.jar"
	jarContent = "PK stagehand node test jar: not a real jar, but bytes with a known digest\n"
)

// jarSHA256 is the digest of jarContent.
var jarSHA256 = func() string { s := sha256.Sum256([]byte(jarContent)); return hex.EncodeToString(s[:]) }()

var artifacts struct {
	once sync.Once
	ns   string
	url  string // http://<cluster IP>
	err  error
}

// artifactServer starts the artifact server once for the package and
// returns its base URL.
func artifactServer(t *testing.T) string {
	t.Helper()
	c := env(t)
	artifacts.once.Do(func() {
		artifacts.ns = "node-artifacts-" + suffix()
		artifacts.url, artifacts.err = startArtifacts(c.Client, artifacts.ns)
	})
	if artifacts.err != nil {
		t.Fatalf("the artifact server: %v", artifacts.err)
	}
	return artifacts.url
}

func startArtifacts(c client.Client, ns string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), podTimeout)
	defer cancel()
	labels := map[string]string{"app": "artifacts"}
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		&corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "artifacts", Namespace: ns, Labels: labels},
			Spec: corev1.PodSpec{
				Containers: []corev1.Container{{
					Name: "httpd", Image: busybox,
					Command: []string{"/bin/sh", "-c", `mkdir -p /www/udf && printf %s "$JAR" > /www` + jarPath +
						` && exec httpd -f -v -p 8080 -h /www`},
					Env:            []corev1.EnvVar{{Name: "JAR", Value: jarContent}},
					Ports:          []corev1.ContainerPort{{ContainerPort: 8080}},
					ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}}, PeriodSeconds: 1},
					VolumeMounts:   []corev1.VolumeMount{{Name: "www", MountPath: "/www"}},
				}},
				Volumes: []corev1.Volume{{Name: "www", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			},
		},
		&corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "artifacts", Namespace: ns},
			Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
		},
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return "", fmt.Errorf("creating %T %s: %w", o, o.GetName(), err)
		}
	}
	if err := cluster.WaitServiceReady(ctx, ns, "artifacts", podTimeout); err != nil {
		return "", err
	}
	var svc corev1.Service
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "artifacts"}, &svc); err != nil {
		return "", err
	}
	return "http://" + svc.Spec.ClusterIP, nil
}

// removeArtifacts deletes the artifact server's namespace, if a test made it.
func removeArtifacts() {
	if artifacts.ns == "" || cluster == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = cluster.Client.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: artifacts.ns}})
}
