package egress

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseHosts(t *testing.T) {
	globs, err := ParseHosts(" *.Example.com, ,repo1.maven.org,")
	if err != nil || !reflect.DeepEqual(globs, []string{"*.example.com", "repo1.maven.org"}) {
		t.Errorf("ParseHosts = %q, %v", globs, err)
	}
	if globs, err := ParseHosts(""); err != nil || globs != nil {
		t.Errorf("ParseHosts(\"\") = %q, %v; want an empty allowlist", globs, err)
	}
	for _, bad := range []string{"[", "https://h", "h:443", "h/x", "u@h", "a b"} {
		if _, err := ParseHosts("ok.example.com," + bad); !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), Syntax) {
			t.Errorf("ParseHosts(%q) = %v, want ErrSyntax naming the syntax", bad, err)
		}
		if err := CheckHosts([]string{bad}); !errors.Is(err, ErrSyntax) {
			t.Errorf("CheckHosts(%q) = %v, want ErrSyntax", bad, err)
		}
	}
}

// TestCheckHost: what a URI or a redirect may name, with and without an
// allowlist.
func TestCheckHost(t *testing.T) {
	allow := Policy{AllowedHosts: []string{"*.example.com", "repo1.maven.org", "127.0.0.1"}}
	tests := []struct {
		policy  Policy
		host    string
		mention string // "" when allowed
	}{
		{Policy{}, "repo.example.org", ""},
		{Policy{}, "127.0.0.1", ""},
		{Policy{}, "::1", ""},
		{Policy{}, "localhost", ""},
		{Policy{}, "10.0.0.1", ""},
		{Policy{}, "169.254.169.254", "link-local"},
		{Policy{}, "fe80::1%eth0", "link-local"},
		{Policy{}, "fd00:ec2::254", "AWS"},
		{Policy{}, "64:ff9b::a9fe:a9fe", "NAT64"},
		{Policy{}, "::ffff:169.254.169.254", "IPv4-mapped"},
		{Policy{}, "0.0.0.0", "0.0.0.0/8"},
		{Policy{}, "100.100.100.200", "Alibaba"},
		{Policy{}, "metadata.google.internal", "Google Cloud"},
		{Policy{}, "METADATA.GOOGLE.INTERNAL.", "Google Cloud"},
		{Policy{}, "metadata.goog", "Google Cloud"},
		{Policy{}, "metadata", "Google Cloud"},
		{Policy{}, "instance-data", "AWS"},
		{Policy{}, "instance-data.ec2.internal", "AWS"},
		{Policy{}, "metadata.tencentyun.com", "Tencent"},
		{allow, "repo.example.com", ""},
		{allow, "REPO.Example.COM.", ""},
		{allow, "repo1.maven.org", ""},
		{allow, "127.0.0.1", ""},
		{allow, "evil.example.org", `host "evil.example.org" is not allowed (valid: hosts matching *.example.com, repo1.maven.org, 127.0.0.1, set by the cluster admin)`},
		{allow, "example.com", "not allowed"},
		{allow, "::1", "not allowed"},
		{Policy{AllowedHosts: []string{"*"}}, "metadata.google.internal", "Google Cloud"},
		{Policy{AllowedHosts: []string{"*"}}, "169.254.169.254", "link-local"},
	}
	for _, tc := range tests {
		err := tc.policy.CheckHost(tc.host)
		var refusal *Refusal
		switch {
		case tc.mention == "" && err != nil:
			t.Errorf("CheckHost(%q) with %q = %v, want allowed", tc.host, tc.policy.AllowedHosts, err)
		case tc.mention != "" && (!errors.As(err, &refusal) || !strings.Contains(err.Error(), tc.mention)):
			t.Errorf("CheckHost(%q) with %q = %v, want a *Refusal mentioning %q", tc.host, tc.policy.AllowedHosts, err, tc.mention)
		}
	}
}
