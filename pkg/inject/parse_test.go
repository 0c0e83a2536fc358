package inject

import (
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"strings"
	"testing"

	"k8s.io/utils/ptr"
)

// annotated is a pod with these annotations and app containers, "main" by
// default, as injection reads it.
func annotated(anns map[string]string, containers ...string) *Input {
	if len(containers) == 0 {
		containers = []string{"main"}
	}
	pod := &Input{Metadata: InputMetadata{Annotations: anns}}
	for _, name := range containers {
		pod.Spec.Containers = append(pod.Spec.Containers, Container{Name: name})
	}
	return pod
}

// wantSpec is the spec of these target containers asking for these
// requests, each in its injection's place.
func wantSpec(containers []string, requests ...any) Spec {
	s := Spec{Containers: containers, requests: make([]any, len(table))}
	for _, r := range requests {
		for i, j := range table {
			if j.holds(r) {
				s.requests[i] = r
			}
		}
	}
	return s
}

func TestParse(t *testing.T) {
	tests := map[string]struct {
		anns       map[string]string
		containers []string
		automount  *bool
		strict     bool
		want       Spec
		// wantErrs are substrings, one per expected error, in order.
		wantErrs     []string
		wantWarnings []string
	}{
		"nothing requested": {
			anns: map[string]string{"example.com/x": "y"},
			want: wantSpec([]string{"main"}),
		},
		"opted out skips validation": {
			anns: map[string]string{annotations.Inject: "false", TokenExpiration: "bad"},
			want: Spec{Disabled: true},
		},
		"token defaults with kubelet automount": {
			anns: map[string]string{ServiceAccountToken: "true"},
			want: wantSpec([]string{"main"}, &TokenSpec{ExpirationSeconds: 3600, Path: StagehandTokenPath}),
		},
		"token path follows automount false": {
			anns: map[string]string{ServiceAccountToken: "true"}, automount: ptr.To(false),
			want: wantSpec([]string{"main"}, &TokenSpec{ExpirationSeconds: 3600, Path: KubeletTokenPath}),
		},
		"token path annotation wins over automount": {
			anns:      map[string]string{ServiceAccountToken: "true", TokenPath: "/opt/token", TokenAudience: "hive", TokenExpiration: "600"},
			automount: ptr.To(false),
			want:      wantSpec([]string{"main"}, &TokenSpec{Audience: "hive", ExpirationSeconds: 600, Path: "/opt/token"}),
		},
		"ats secret with default key": {
			anns: map[string]string{ATSSecret: "ats"},
			want: wantSpec([]string{"main"}, &KeyRef{Kind: SourceSecret, Name: "ats", Key: DefaultATSSecretKey}),
		},
		"ats configmap with key": {
			anns: map[string]string{ATSConfigMap: "client-am-config", ATSSecretKey: "key.1"},
			want: wantSpec([]string{"main"}, &KeyRef{Kind: SourceConfigMap, Name: "client-am-config", Key: "key.1"}),
		},
		"keytab and timeline": {
			anns: map[string]string{ATSKeytabSecret: "kt", TimelineURL: "https://ats:8190/"},
			want: wantSpec([]string{"main"}, &KeytabSpec{SecretName: "kt", Path: DefaultATSKeytabPath}, ptrTo(TimelineSpec("https://ats:8190/"))),
		},
		"containers keep pod order": {
			anns: map[string]string{annotations.Containers: "c, a", ATSSecret: "s"}, containers: []string{"a", "b", "c"},
			want: wantSpec([]string{"a", "c"}, &KeyRef{Kind: SourceSecret, Name: "s", Key: DefaultATSSecretKey}),
		},
		"unknown key warns with suggestion": {
			anns:         map[string]string{annotations.Prefix + "ats-secert": "x"},
			want:         wantSpec([]string{"main"}),
			wantWarnings: []string{"did you mean stagehand.io/ats-secret?"},
		},
		"unknown key without close match": {
			anns:         map[string]string{annotations.Prefix + "completely-different-thing": "x"},
			want:         wantSpec([]string{"main"}),
			wantWarnings: []string{"unknown stagehand.io/ annotation (known keys"},
		},
		"unknown key denied when strict": {
			anns: map[string]string{annotations.Prefix + "ats-secert": "x"}, strict: true,
			wantErrs: []string{`metadata.annotations[stagehand.io/ats-secert]: Invalid value: "x": unknown`},
		},
		"options without main key warn": {
			anns:         map[string]string{TokenAudience: "a", ATSSecretKey: "k", ATSKeytabPath: "/k"},
			want:         wantSpec([]string{"main"}),
			wantWarnings: []string{TokenAudience + "]: has no effect", ATSSecretKey + "]: has no effect", ATSKeytabPath + "]: has no effect"},
		},
		"dependency credentials warn": {
			anns: map[string]string{Jars: "https://u:p@h.example.com/a.jar?token=t"},
			want: wantSpec([]string{"main"}, &DepsSpec{
				Jars: []string{"https://u:p@h.example.com/a.jar?token=t"}, JarsDir: DefaultJarsDir, FilesDir: DefaultFilesDir,
				SizeLimit: DefaultDepsSizeLimit, FetchTimeout: DefaultFetchTimeout, Parallelism: DefaultFetchParallelism,
				Classpath: []string{DefaultJarsDir + "/a.jar"},
			}),
			wantWarnings: []string{"[stagehand.io/jars]: https://redacted@h.example.com/a.jar?redacted carries credentials or a query string"},
		},
		"bad bool":              {anns: map[string]string{ServiceAccountToken: "yes"}, wantErrs: []string{`[stagehand.io/service-account-token]: Invalid value: "yes": not a boolean (valid: "true" or "false")`}},
		"bad inject value":      {anns: map[string]string{annotations.Inject: "no"}, wantErrs: []string{`[stagehand.io/inject]: Invalid value: "no"`}},
		"expiration not int":    {anns: map[string]string{ServiceAccountToken: "true", TokenExpiration: "1h"}, wantErrs: []string{`"1h": not an integer (valid: an integer number of seconds from 600 to 86400)`}},
		"expiration too short":  {anns: map[string]string{ServiceAccountToken: "true", TokenExpiration: "599"}, wantErrs: []string{`"599": out of range`}},
		"expiration too long":   {anns: map[string]string{ServiceAccountToken: "true", TokenExpiration: "86401"}, wantErrs: []string{`"86401": out of range`}},
		"audience whitespace":   {anns: map[string]string{ServiceAccountToken: "true", TokenAudience: "a b"}, wantErrs: []string{`"a b": empty or contains whitespace`}},
		"relative token path":   {anns: map[string]string{ServiceAccountToken: "true", TokenPath: "var/token"}, wantErrs: []string{`"var/token": not an absolute path`}},
		"traversal token path":  {anns: map[string]string{ServiceAccountToken: "true", TokenPath: "/opt/../etc"}, wantErrs: []string{`"/opt/../etc": not a clean path`}},
		"root token path":       {anns: map[string]string{ServiceAccountToken: "true", TokenPath: "/"}, wantErrs: []string{`"/": is the root directory`}},
		"proc keytab path":      {anns: map[string]string{ATSKeytabSecret: "k", ATSKeytabPath: "/proc/1"}, wantErrs: []string{`"/proc/1": is under /proc`}},
		"sys token path":        {anns: map[string]string{ServiceAccountToken: "true", TokenPath: "/sys"}, wantErrs: []string{`"/sys": is under /sys`}},
		"bad secret name":       {anns: map[string]string{ATSSecret: "Bad_Name"}, wantErrs: []string{`[stagehand.io/ats-secret]: Invalid value: "Bad_Name"`}},
		"bad configmap name":    {anns: map[string]string{ATSConfigMap: "-x"}, wantErrs: []string{`[stagehand.io/ats-configmap]: Invalid value: "-x"`}},
		"bad keytab name":       {anns: map[string]string{ATSKeytabSecret: "a/b"}, wantErrs: []string{`[stagehand.io/ats-keytab-secret]: Invalid value: "a/b"`}},
		"bad data key":          {anns: map[string]string{ATSSecret: "s", ATSSecretKey: "a/b"}, wantErrs: []string{`[stagehand.io/ats-secret-key]: Invalid value: "a/b"`}},
		"timeline scheme":       {anns: map[string]string{TimelineURL: "ftp://x"}, wantErrs: []string{`scheme "ftp" is not http or https`}},
		"timeline no host":      {anns: map[string]string{TimelineURL: "http://"}, wantErrs: []string{`"http://": has no host`}},
		"timeline credentials":  {anns: map[string]string{TimelineURL: "http://u:p@ats"}, wantErrs: []string{"carries credentials"}},
		"timeline unparsable":   {anns: map[string]string{TimelineURL: "http://[::1"}, wantErrs: []string{"not a URL"}},
		"empty container name":  {anns: map[string]string{annotations.Containers: "main,"}, wantErrs: []string{"contains an empty name"}},
		"bad container name":    {anns: map[string]string{annotations.Containers: "Main"}, wantErrs: []string{`container name "Main"`}},
		"missing container":     {anns: map[string]string{annotations.Containers: "main,worker"}, wantErrs: []string{`container "worker" is not an app container of this pod (valid: main)`}},
		"secret and configmap":  {anns: map[string]string{ATSSecret: "s", ATSConfigMap: "c"}, wantErrs: []string{`[stagehand.io/ats-configmap]: Invalid value: "c": must not be set together with stagehand.io/ats-secret="s"`}},
		"token and keytab nest": {anns: map[string]string{ServiceAccountToken: "true", TokenPath: "/opt/a", ATSKeytabSecret: "k", ATSKeytabPath: "/opt/a/b"}, wantErrs: []string{`[stagehand.io/ats-keytab-path]: Invalid value: "/opt/a/b": overlaps the mount at "/opt/a" (stagehand.io/token-path)`}},
		"every error at once": {
			anns: map[string]string{ServiceAccountToken: "maybe", TokenExpiration: "1", ATSSecret: "S", ATSConfigMap: "c", annotations.Containers: "nope"},
			wantErrs: []string{
				"[stagehand.io/ats-secret]", "[stagehand.io/service-account-token]", "[stagehand.io/token-expiration]",
				`container "nope"`, "must not be set together",
			},
		},
		"value too long": {
			anns:     map[string]string{ATSSecret: strings.Repeat("a", annotations.MaxValueLength+1)},
			wantErrs: []string{"[stagehand.io/ats-secret]: Too long: 4097 bytes, may not be more than 4096 bytes; a longer value, such as a long list of jars, belongs in an InjectionProfile"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := annotated(tc.anns, tc.containers...)
			p.Spec.AutomountServiceAccountToken = tc.automount
			got, warnings, errs := parse(p, &Options{Strict: tc.strict})
			if len(errs) != len(tc.wantErrs) {
				t.Fatalf("got %d errors %v, want %d %v", len(errs), errs, len(tc.wantErrs), tc.wantErrs)
			}
			for i, want := range tc.wantErrs {
				if !strings.Contains(errs[i].Error(), want) {
					t.Errorf("error %d = %q, want it to contain %q", i, errs[i].Error(), want)
				}
			}
			if len(warnings) != len(tc.wantWarnings) {
				t.Fatalf("got warnings %q, want %q", warnings, tc.wantWarnings)
			}
			for i, want := range tc.wantWarnings {
				if !strings.Contains(warnings[i], want) {
					t.Errorf("warning %d = %q, want it to contain %q", i, warnings[i], want)
				}
			}
			if len(tc.wantErrs) == 0 && !specEqual(got, tc.want) {
				t.Errorf("spec = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseHostileInput(t *testing.T) {
	t.Run("thousands of keys", func(t *testing.T) {
		anns := map[string]string{}
		for i := range 5000 {
			anns[annotations.Prefix+strings.Repeat("k", i%50)+string(rune('a'+i%26))+strings.Repeat("x", i/1300)] = "v"
		}
		for i := range 5000 {
			anns[annotations.Prefix+"key-"+strings.Repeat("z", i%7)+"-"+itoa(i)] = "v"
		}
		_, _, errs := parse(annotated(anns), &Options{})
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "Too many") {
			t.Fatalf("want one Too many error, got %v", errs)
		}
	})
	t.Run("256 KiB value does not echo the value", func(t *testing.T) {
		v := strings.Repeat("x", 256<<10)
		_, _, errs := parse(annotated(map[string]string{TimelineURL: v}), &Options{})
		if len(errs) != 1 || len(errs[0].Error()) > 512 {
			t.Fatalf("want one short error, got %d errors, first %d bytes long", len(errs), len(errs[0].Error()))
		}
	})
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func specEqual(a, b Spec) bool {
	x, _ := a.MarshalJSON()
	y, _ := b.MarshalJSON()
	return string(x) == string(y)
}
