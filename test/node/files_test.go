package node

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/stagehand-k8s/stagehand/pkg/supervise"
)

// filesDir is where stagehand puts fetched files and unpacked archives by
// default.
const filesDir = "/var/spark-data/spark-files"

// depsServer serves files (name to content) with busybox httpd from a
// ConfigMap, in a pod behind a Service of a namespace of its own (not
// opted in); it logs every URL asked for (-vv). It returns the namespace
// and the base URL by cluster IP.
func depsServer(t *testing.T, files map[string][]byte) (ns, url string) {
	t.Helper()
	ns = namespace(t)
	labels := map[string]string{"app": "deps"}
	create(t, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "deps", Namespace: ns}, BinaryData: files})
	create(t, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "deps", Namespace: ns, Labels: labels},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "httpd", Image: busybox, Command: []string{"httpd", "-f", "-vv", "-p", "8080", "-h", "/www"},
				Ports:          []corev1.ContainerPort{{ContainerPort: 8080}},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}}, PeriodSeconds: 1},
				VolumeMounts:   []corev1.VolumeMount{{Name: "www", MountPath: "/www"}},
			}},
			Volumes: []corev1.Volume{{Name: "www", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "deps"}}}}},
		},
	})
	create(t, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "deps", Namespace: ns},
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	})
	return ns, "http://" + readyService(t, ns, "deps")
}

// pinned is url/name with the sha256 of content.
func pinned(url, name string, content []byte) string {
	sum := sha256.Sum256(content)
	return url + "/" + name + "#sha256=" + hex.EncodeToString(sum[:])
}

// TestMR3WorkerFilesAndArchives: an MR3 worker running as uid 1000 (fsGroup
// 1000) with its own init container asks for a jar, a local:// jar of its
// image, a file, an archive and the Timeline Server's keytab Secret: the
// task, started after its init container, finds the fetched jar before
// the local one on SPARK_EXTRA_CLASSPATH, the file with its content, the
// archive unpacked under spark-files and the keytab under
// /opt/mr3-run/ats/key, all readable by uid 1000, and each dependency was
// fetched exactly once.
func TestMR3WorkerFilesAndArchives(t *testing.T) {
	jarURL := artifactServer(t)
	site := []byte("<configuration><!-- " + suffix() + " --></configuration>\n")
	activate := "# venv " + suffix() + "\n"
	venv := tarGz(t, map[string]string{"bin/activate": activate})
	depsNS, depsURL := depsServer(t, map[string][]byte{"hive-site.xml": site, "venv.tar.gz": venv})
	ns := namespace(t, optedIn)
	keytab := "KEYTAB " + suffix() + "\n"
	create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "ats-keytab", Namespace: ns}, Data: map[string][]byte{"keytab": []byte(keytab)}})
	script := `echo "classpath=$SPARK_EXTRA_CLASSPATH"; id -u; cat ` + filesDir + `/hive-site.xml ` + filesDir + `/venv/bin/activate ` +
		`/opt/mr3-run/ats/key/keytab ` +
		`/opt/mr3-run/work-dir/ready && test -s ` + tokenDir + `/token && echo worker-done`
	pod := taskPod(ns, "mr3worker-deps", script, map[string]string{
		"stagehand.io/service-account-token": "true",
		"stagehand.io/jars":                  jarURL + jarPath + "#sha256=" + jarSHA256 + ",local:///bin/busybox",
		"stagehand.io/files":                 pinned(depsURL, "hive-site.xml", site),
		"stagehand.io/archives":              pinned(depsURL, "venv.tar.gz", venv),
		"stagehand.io/ats-keytab-secret":     "ats-keytab",
		"stagehand.io/agent":                 "true",
	})
	pod.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsUser: ptr(int64(1000)), FSGroup: ptr(int64(1000))}
	pod.Spec.Volumes = []corev1.Volume{{Name: "work-dir", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	mount := []corev1.VolumeMount{{Name: "work-dir", MountPath: "/opt/mr3-run/work-dir"}}
	pod.Spec.InitContainers = []corev1.Container{{Name: "init-work-dir", Image: busybox,
		Command: []string{"/bin/sh", "-c", "echo init-done > /opt/mr3-run/work-dir/ready"}, VolumeMounts: mount}}
	pod.Spec.Containers[0].VolumeMounts = mount
	create(t, pod)
	got := waitPod(t, ns, pod.Name, "Succeeded", succeeded)
	injected(t, got)
	if m := agentMessage(t, got, "task"); m.Reason != supervise.ReasonCompleted || m.ExitCode != 0 {
		t.Errorf("the agent reports %+v", m)
	}
	out := containerLog(t, got, "task")
	for _, want := range []string{
		"classpath=" + jarsDir + "/" + jarName + ":/bin/busybox\n", "\n1000\n", string(site), activate, keytab, "init-done\n", "worker-done",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the worker's output lacks %q:\n%s", want, out)
		}
	}
	served := logs(t.Context(), t, depsNS, "deps", "httpd")
	for _, name := range []string{"hive-site.xml", "venv.tar.gz"} {
		if n := strings.Count(served, "url:/"+name+"\n"); n != 1 {
			t.Errorf("%s was asked for %d times, want once; the server's log:\n%s", name, n, served)
		}
	}
}

// tarGz builds a .tar.gz holding the given files.
func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
