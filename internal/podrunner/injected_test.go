package podrunner

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInjectedMR3Worker runs the injector's golden MR3 worker pod: PVC,
// subPath configMap file, projected token, a 0440 keytab secret, runAsUser
// 1000 with fsGroup 1000, an init container and ATS_SECRET_KEY from a
// configMap.
func TestInjectedMR3Worker(t *testing.T) {
	requireNamespaces(t)
	if os.Geteuid() != 0 {
		t.Skip("the pod runs as uid 1000: needs root")
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "inject", "mr3-worker.out.yaml"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("golden file not present")
	}
	if err != nil {
		t.Fatal(err)
	}
	pod, err := LoadPod(data)
	if err != nil {
		t.Fatal(err)
	}
	hive := newImage(t, map[string]string{"opt/mr3-run/hive/run-worker.sh": `#!/bin/sh
set -e
. /opt/mr3-run/env.sh
echo "uid=$(id -u) groups=$(id -G) args=$*"
echo "ats=$ATS_SECRET_KEY env=$FROM_ENV_SH"
echo "ns=$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace) token=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)"
cat /opt/mr3-run/ats/key/keytab; echo
cat /opt/mr3-run/conf/hive-site.xml; echo
echo work > /opt/mr3-run/work-dir/out && echo workdir-writable
`})
	// Like a provisioned volume the worker user owns: the pod's init
	// container (uid 1000 too) may then chown it.
	claim := t.TempDir()
	if err := os.Chown(claim, 1000, 1000); err != nil {
		t.Fatal(err)
	}
	out := run(t, pod, Fixtures{
		Claims: map[string]string{"workdir-pvc": claim},
		Images: map[string]string{"mr3project/hive:4.0.0": hive, "busybox:1.36": ""},
		ConfigMaps: map[string]map[string]string{
			"client-am-config":       {"ats-secret-key": "ats-key-123"},
			"env-configmap":          {"env.sh": "FROM_ENV_SH=yes"},
			"hivemr3-conf-configmap": {"hive-site.xml": "<configuration/>"},
			"kube-root-ca.crt":       {"ca.crt": "CA"},
		},
		Secrets: map[string]map[string][]byte{
			"hivemr3-worker-secret": {"k": []byte("v")},
			"ats-keytab":            {"keytab": []byte("KEYTAB")},
		},
		ServiceAccountToken: "worker-jwt",
	})
	if out.err != nil {
		t.Fatal(out.err)
	}
	if b, err := os.ReadFile(filepath.Join(claim, "out")); err != nil || string(b) != "work\n" {
		t.Errorf("claim directory: out = %q, %v", b, err)
	}
	got := out.container(t, "mr3-worker").Output
	for _, want := range []string{
		"uid=1000 groups=0 1000 args=--ContainerWorker 5f2a-1\n",
		"ats=ats-key-123 env=yes\n",
		"ns=hivemr3 token=worker-jwt\n",
		"KEYTAB\n<configuration/>\nworkdir-writable\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("worker output lacks %q:\n%s", want, got)
		}
	}
}
