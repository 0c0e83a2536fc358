package chart

import (
	"strings"
	"testing"
)

// valueSet is one way to install the chart: its values, and the API
// versions the cluster must serve for it (helm template --api-versions).
type valueSet struct {
	name        string
	values      []string
	apiVersions []string
}

// templateArgs are the arguments of helm template for the set.
func (v valueSet) templateArgs() []string {
	args := append([]string(nil), v.values...)
	for _, a := range v.apiVersions {
		args = append(args, "--api-versions", a)
	}
	return args
}

// mirror is an air-gapped registry the custom images come from.
const mirror = "registry.example.com:5000/mirror"

// agentDigest is a digest the custom agent image is pinned by.
const agentDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// valueSets are the installations every rendering test covers.
var valueSets = []valueSet{
	{name: "defaults"},
	{name: "cert-manager", values: []string{"--set", "certificates.mode=cert-manager"}, apiVersions: []string{"cert-manager.io/v1"}},
	{name: "profiles off", values: []string{"--set", "config.profiles=false"}},
	{name: "custom images", values: []string{
		"--set", "image.webhook.repository=" + mirror + "/webhook", "--set", "image.webhook.tag=v0.1.0-mirror",
		"--set", "image.agent.repository=" + mirror + "/agent", "--set", "image.agent.digest=" + agentDigest,
		"--set", "imagePullSecrets[0].name=mirror-credentials",
	}},
	{name: "settings", values: []string{
		"--set", "replicas=1",
		"--set", "webhook.failurePolicy=Ignore", "--set", "webhook.timeoutSeconds=10", "--set", "webhook.profiledPodsTimeoutSeconds=2",
		"--set", "webhook.namespaceSelector.matchLabels.team=data",
		"--set", "webhook.excludedNamespaces[0]=batch-system",
		"--set", "config.strict=true", "--set", "config.cacheSize=0", "--set", "config.logLevel=debug",
		"--set", "config.allowedDependencyHosts[0]=repo1.maven.org", "--set", "config.allowedDependencyHosts[1]=*.artifacts.example.com",
		"--set-json", `entrypoints={"mr3project/hive:*":["/opt/mr3-run/hive/run-worker.sh"]}`,
		"--set", "resources.limits.memory=512Mi",
		"--set", "monitoring.serviceMonitor.enabled=true", "--set", "monitoring.serviceMonitor.labels.release=prometheus",
	}, apiVersions: []string{"monitoring.coreos.com/v1"}},
	{name: "another namespace", values: []string{"--namespace", "platform-webhooks"}},
}

// TestLint: helm lint --strict passes with every value set. (Lint has no
// --api-versions: a template's fail, such as the cert-manager check, is
// reported at level INFO there, and TestTemplate checks it.)
func TestLint(t *testing.T) {
	for _, v := range valueSets {
		t.Run(v.name, func(t *testing.T) {
			out, err := runHelm(t, "", append([]string{"lint", "--strict", chartDir, "--namespace", namespace}, v.values...)...)
			if err != nil || !strings.Contains(out, "0 chart(s) failed") {
				t.Fatalf("helm lint: %v\n%s", err, out)
			}
		})
	}
}

// TestBadValues: values the chart cannot install fail helm template with a
// message that names the value and what is valid.
func TestBadValues(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"unknown certificate mode", []string{"--set", "certificates.mode=vault"},
			[]string{"/certificates/mode", "'self-signed', 'cert-manager'"}},
		{"no replica", []string{"--set", "replicas=0"}, []string{"/replicas", "minimum: got 0, want 1"}},
		{"misspelt value", []string{"--set", "webhook.failurepolicy=Ignore"},
			[]string{"additional properties 'failurepolicy' not allowed"}},
		{"unknown failure policy", []string{"--set", "webhook.failurePolicy=Never"},
			[]string{"/webhook/failurePolicy", "'Fail', 'Ignore'"}},
		{"timeout above the API server's", []string{"--set", "webhook.timeoutSeconds=31"},
			[]string{"/webhook/timeoutSeconds", "want 30"}},
		{"cache too large", []string{"--set", "config.cacheSize=16385"}, []string{"/config/cacheSize", "want 16,384"}},
		{"unknown log level", []string{"--set", "config.logLevel=warn"}, []string{"/config/logLevel", "'info', 'debug', 'trace'"}},
		{"every namespace", []string{"--set", "webhook.namespaceSelector.matchLabels=null"},
			[]string{"/webhook/namespaceSelector", "matchLabels"}},
		{"a certificate without its CA", []string{"--set-string", "certificates.selfSigned.cert=-----BEGIN CERTIFICATE-----"},
			[]string{"certificates.selfSigned: set caCert, cert and key together"}},
		{"cert-manager absent", []string{"--set", "certificates.mode=cert-manager"},
			[]string{"does not serve cert-manager.io/v1", "install cert-manager first", "certificates.mode=self-signed"}},
		{"Prometheus Operator absent", []string{"--set", "monitoring.serviceMonitor.enabled=true"},
			[]string{"does not serve monitoring.coreos.com/v1"}},
		{"an agent image with a pull policy", []string{"--set", "image.agent.pullPolicy=Always"},
			[]string{"/image/agent/pullPolicy"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			objects, err := template(t, c.args...)
			if err == nil {
				t.Fatalf("helm template %v rendered %d objects, want an error", c.args, len(objects))
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}
