package podrunner

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func cmVolume(name, cm string, items ...corev1.KeyToPath) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: cm}, Items: items}}}
}

func emptyDir(name string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
}

// TestDataVolumes checks configMap, secret, projected and downwardAPI files
// at their mountPaths: contents, items, modes and a subPath file mount.
func TestDataVolumes(t *testing.T) {
	requireNamespaces(t)
	c := corev1.Container{Name: "app", Image: appImage, Command: []string{"/bin/sh", "-c", `
		for f in /conf/app.properties /conf/sub/renamed /opt/app/env.sh /keys/keytab \
		         /var/run/secrets/kubernetes.io/serviceaccount/token /var/run/secrets/kubernetes.io/serviceaccount/namespace \
		         /podinfo/labels; do
			echo "$f $(stat -c %a "$f") $(cat "$f" | tr '\n' '|')"
		done
		ls /opt/app`}}
	c.VolumeMounts = []corev1.VolumeMount{
		{Name: "conf", MountPath: "/conf"},
		{Name: "env", MountPath: "/opt/app/env.sh", SubPath: "env.sh"},
		{Name: "keys", MountPath: "/keys"},
		{Name: "token", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true},
		{Name: "podinfo", MountPath: "/podinfo"},
	}
	pod := newPod(c)
	pod.Spec.Volumes = []corev1.Volume{
		cmVolume("conf", "hive-conf"),
		cmVolume("env", "env-configmap"),
		{Name: "keys", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "ats-keytab", DefaultMode: ptr(int32(0o440))}}},
		{Name: "token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", Audience: "hivemr3"}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{
				{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}},
		}}}},
		{Name: "podinfo", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
			{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}}},
	}
	pod.Spec.Volumes[0].ConfigMap.Items = []corev1.KeyToPath{
		{Key: "app.properties", Path: "app.properties"},
		{Key: "other", Path: "sub/renamed", Mode: ptr(int32(0o600))},
	}
	out := run(t, pod, Fixtures{
		ConfigMaps: map[string]map[string]string{
			"hive-conf":     {"app.properties": "a=1\nb=2", "other": "x", "unlisted": "u"},
			"env-configmap": {"env.sh": "export X=1"},
		},
		Secrets:             map[string]map[string][]byte{"ats-keytab": {"keytab": []byte("KT")}},
		ServiceAccountToken: "jwt-token",
	})
	if out.err != nil {
		t.Fatal(out.err)
	}
	got := out.container(t, "app").Output
	for _, want := range []string{
		"/conf/app.properties 644 a=1|b=2\n",
		"/conf/sub/renamed 600 x\n",
		"/opt/app/env.sh 644 export X=1\n",
		"/keys/keytab 440 KT\n",
		"/var/run/secrets/kubernetes.io/serviceaccount/token 644 jwt-token\n",
		"/var/run/secrets/kubernetes.io/serviceaccount/namespace 644 ns1\n",
		`/podinfo/labels 644 app="demo"` + "\n",
		"env.sh\nrun.sh\n", // the subPath file sits next to the image's files
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestReadOnlyMounts(t *testing.T) {
	requireNamespaces(t)
	tests := []struct {
		name   string
		volume corev1.Volume
		ro     bool
	}{
		{"emptyDir mounted readOnly", emptyDir("v"), true},
		{"configMap is always read-only", cmVolume("v", "cm"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := shell("app", "echo data > /mnt/v/new && echo WROTE")
			c.VolumeMounts = []corev1.VolumeMount{{Name: "v", MountPath: "/mnt/v", ReadOnly: tt.ro}}
			pod := newPod(c)
			pod.Spec.Volumes = []corev1.Volume{tt.volume}
			out := run(t, pod, Fixtures{ConfigMaps: map[string]map[string]string{"cm": {"k": "v"}}})
			res := out.container(t, "app")
			if res.ExitCode == 0 || strings.Contains(res.Output, "WROTE") {
				t.Fatalf("write to a read-only mount succeeded: exit %d, output %q", res.ExitCode, res.Output)
			}
			if !strings.Contains(res.Output, "Read-only file system") {
				t.Errorf("output = %q, want a read-only file system error", res.Output)
			}
		})
	}
}

func TestEmptyDirSharedWithInitContainer(t *testing.T) {
	requireNamespaces(t)
	mount := []corev1.VolumeMount{{Name: "work", MountPath: "/work-dir"}}
	init := shell("fetch", "echo fetched > /work-dir/dep.jar && stat -c %a /work-dir")
	init.VolumeMounts = mount
	app := shell("app", "cat /work-dir/dep.jar")
	app.VolumeMounts = mount
	pod := newPod(app)
	pod.Spec.InitContainers = []corev1.Container{init}
	pod.Spec.Volumes = []corev1.Volume{emptyDir("work")}
	out := run(t, pod, Fixtures{})
	if out.err != nil {
		t.Fatal(out.err)
	}
	if got := out.container(t, "fetch").Output; got != "777\n" {
		t.Errorf("emptyDir mode = %q, want 777", got)
	}
	if got := out.container(t, "app").Output; got != "fetched\n" {
		t.Errorf("app read %q, want the init container's file", got)
	}
}

func TestVolumeErrors(t *testing.T) {
	tests := []struct {
		name   string
		volume corev1.Volume
		want   string
	}{
		{"missing configmap", cmVolume("conf", "nosuch"), `volume "conf": configmap "nosuch" not found`},
		{"missing key", cmVolume("conf", "cm", corev1.KeyToPath{Key: "gone", Path: "p"}), `configmap "cm" has no key "gone"`},
		{"missing secret", corev1.Volume{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "keytab"}}},
			`secret "keytab" not found`},
		{"hostPath", corev1.Volume{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log"}}},
			"hostPath volumes are refused"},
		{"unsupported", corev1.Volume{Name: "n", VolumeSource: corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Server: "s", Path: "/"}}},
			"unsupported volume type nfs"},
		{"escaping item", cmVolume("conf", "cm", corev1.KeyToPath{Key: "k", Path: "../x"}), "must not contain '..'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := newPod(shell("app", "exit 0"))
			pod.Spec.Volumes = []corev1.Volume{tt.volume}
			out := run(t, pod, Fixtures{ConfigMaps: map[string]map[string]string{"cm": {"k": "v"}}})
			if out.err == nil || !strings.Contains(out.err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", out.err, tt.want)
			}
			var ce *ContainerError
			if errors.As(out.err, &ce) || len(out.res.Containers) > 0 {
				t.Errorf("a container ran although a volume failed")
			}
		})
	}
}

// TestReadOnlyRootFilesystem mimics the agent's install init container: a
// top-level image file run as a non-root user with a read-only root that
// copies itself into an emptyDir.
func TestReadOnlyRootFilesystem(t *testing.T) {
	requireNamespaces(t)
	img := newImage(t, map[string]string{"install.sh": "#!/bin/sh\ncp /install.sh /bin-dir/ && echo installed\n" +
		"touch /tmp/x 2>/dev/null && echo tmp-writable; touch /x 2>/dev/null && echo root-writable; exit 0\n"})
	c := corev1.Container{Name: "install", Image: "agent:1", Command: []string{"/install.sh"},
		SecurityContext: &corev1.SecurityContext{RunAsUser: ptr(int64(65532)), RunAsGroup: ptr(int64(65532)),
			RunAsNonRoot: ptr(true), ReadOnlyRootFilesystem: ptr(true)},
		VolumeMounts: []corev1.VolumeMount{{Name: "bin", MountPath: "/bin-dir"}}}
	pod := newPod(c)
	pod.Spec.Volumes = []corev1.Volume{emptyDir("bin")}
	out := runWith(t.Context(), t, pod, Options{KeepVolumes: true, Fixtures: Fixtures{Images: map[string]string{"agent:1": img}}})
	if out.err != nil {
		t.Fatal(out.err)
	}
	if got := out.container(t, "install").Output; got != "installed\n" {
		t.Errorf("output = %q, want only %q (root and /tmp read-only)", got, "installed\n")
	}
	fi, err := os.Stat(filepath.Join(out.res.Volumes["bin"], "install.sh"))
	if err != nil {
		t.Fatalf("KeepVolumes: %v", err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 65532 {
		t.Errorf("installed file owned by %d, want 65532", st.Uid)
	}
}
