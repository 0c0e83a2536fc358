package nodeenv

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// artifactsPort is where the artifact server's httpd listens in its pod;
// its Service answers on port 80.
const artifactsPort = 8080

// Artifacts is a file server on the node that pods reach by its Service's
// cluster IP (the node has no cluster DNS).
type Artifacts struct {
	// Name is the name of its ConfigMap, Pod and Service.
	Name string
	// URL is http://<cluster IP>, without a trailing slash.
	URL string
	// IP is the Service's cluster IP.
	IP string
}

// StartArtifacts starts busybox httpd in namespace ns (which must exist),
// serving files (an absolute path such as /udf/a.jar to its content, at
// most the 1 MiB a ConfigMap holds in all) from a ConfigMap, behind a
// Service on port 80, all three named name, and waits until the Service has
// a ready pod, within timeout. Deleting the namespace removes it.
func (c *Cluster) StartArtifacts(ctx context.Context, ns, name string, files map[string]string, timeout time.Duration) (Artifacts, error) {
	data := map[string]string{}
	var items []corev1.KeyToPath
	for i, p := range slices.Sorted(maps.Keys(files)) {
		if !strings.HasPrefix(p, "/") || strings.Contains(p, "..") {
			return Artifacts{}, fmt.Errorf("artifact path %q: want an absolute path without ..", p)
		}
		key := "f" + strconv.Itoa(i) // keys cannot hold '/'
		data[key] = files[p]
		items = append(items, corev1.KeyToPath{Key: key, Path: strings.TrimPrefix(p, "/")})
	}
	labels := map[string]string{"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "stagehand-node"}
	objs := []client.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Data: data},
		&corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "httpd", Image: BusyboxImage, ImagePullPolicy: corev1.PullNever,
				Command:        []string{"httpd", "-f", "-v", "-p", strconv.Itoa(artifactsPort), "-h", "/www"},
				Ports:          []corev1.ContainerPort{{ContainerPort: artifactsPort}},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(artifactsPort)}}, PeriodSeconds: 1},
				VolumeMounts:   []corev1.VolumeMount{{Name: "www", MountPath: "/www", ReadOnly: true}},
			}}, Volumes: []corev1.Volume{{Name: "www", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: name}, Items: items,
			}}}}},
		},
		&corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: corev1.ServiceSpec{Selector: labels,
				Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(artifactsPort)}}},
		},
	}
	for _, o := range objs {
		if err := c.Client.Create(ctx, o); err != nil {
			return Artifacts{}, fmt.Errorf("creating %T %s/%s: %w", o, ns, name, err)
		}
	}
	if err := c.WaitServiceReady(ctx, ns, name, timeout); err != nil {
		return Artifacts{}, err
	}
	var svc corev1.Service
	if err := c.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &svc); err != nil {
		return Artifacts{}, err
	}
	return Artifacts{Name: name, IP: svc.Spec.ClusterIP, URL: "http://" + svc.Spec.ClusterIP}, nil
}
