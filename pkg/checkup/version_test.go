package checkup

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	apimachineryversion "k8s.io/apimachinery/pkg/version"
)

// TestVersions: releases just below, at and above MinKubernetes, as
// vendors' builds spell them.
func TestVersions(t *testing.T) {
	for _, tc := range []struct {
		info apimachineryversion.Info
		want Status
	}{
		{apimachineryversion.Info{GitVersion: "v1.32.9"}, Fail},
		{apimachineryversion.Info{GitVersion: "v1.32.99+k3s1"}, Fail},
		{apimachineryversion.Info{GitVersion: "v1.32.5-eks-113cf36"}, Fail},
		{apimachineryversion.Info{GitVersion: "v1.33.0"}, Pass},
		{apimachineryversion.Info{GitVersion: "v1.33.0+k3s1"}, Pass},
		{apimachineryversion.Info{GitVersion: "v1.33.0-eks-5e0fdde"}, Pass},
		{apimachineryversion.Info{GitVersion: "v1.33.1-gke.1200000"}, Pass},
		{apimachineryversion.Info{GitVersion: "v1.34.2-eks-113cf36"}, Pass},
		{apimachineryversion.Info{GitVersion: "v1.36.3"}, Pass},
		{apimachineryversion.Info{GitVersion: "v2.0.0"}, Pass},
		{apimachineryversion.Info{Major: "1", Minor: "32+"}, Fail},
		{apimachineryversion.Info{Major: "1", Minor: "33+"}, Pass},
		{apimachineryversion.Info{GitVersion: "unknown"}, Warn},
	} {
		res := versionResult(&tc.info, nil)
		if res.Status != tc.want {
			t.Errorf("%+v: %s %s, want %s", tc.info, res.Status, res.Found, tc.want)
		}
		if res.Status != Pass && res.Hint == "" {
			t.Errorf("%+v: %s without a hint", tc.info, res.Status)
		}
		if res.Status == Fail && !strings.Contains(res.Hint, "upgrade the cluster to Kubernetes "+MinKubernetes) {
			t.Errorf("%+v: hint %q does not say to upgrade to %s", tc.info, res.Hint, MinKubernetes)
		}
	}
	if res := versionResult(nil, errors.New("connection refused")); res.Status != Fail || !strings.Contains(res.Found, "not reachable: connection refused") {
		t.Errorf("an unreachable API server gives %+v", res)
	}
}

// TestMinimumIsStated: README.md, docs/operations.md and the chart's
// kubeVersion state MinKubernetes.
func TestMinimumIsStated(t *testing.T) {
	for file, want := range map[string]string{
		"../../README.md":                   "Kubernetes " + MinKubernetes + " or later",
		"../../docs/operations.md":          "Kubernetes **" + MinKubernetes + " or later**",
		"../../charts/stagehand/Chart.yaml": `kubeVersion: ">=` + MinKubernetes + `.0-0"`,
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not state %q", file, want)
		}
	}
}

// TestInstallCommandsAreREADMEs: the commands the hints give to install
// stagehand are README.md's.
func TestInstallCommandsAreREADMEs(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := strings.Join(strings.Fields(string(b)), " ")
	for _, cmd := range []string{installCertManager, installSelfSigned, fmt.Sprintf(installHelm, "stagehand-system")} {
		if !strings.Contains(readme, cmd) {
			t.Errorf("README.md does not give %q", cmd)
		}
	}
}
