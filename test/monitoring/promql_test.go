package monitoring

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// What metricNames removes before it reads identifiers: none of it names a
// metric. A Grafana label_values(metric, label) keeps its metric.
var (
	stringLiterals = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	labelMatchers  = regexp.MustCompile(`\{[^{}]*\}`)
	ranges         = regexp.MustCompile(`\[[^\]]*\]`)
	variables      = regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`)
	labelLists     = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	labelValues    = regexp.MustCompile(`\blabel_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,[^)]*\)`)
	identifiers    = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
)

// keywords are PromQL's words that are not metrics.
var keywords = []string{"and", "or", "unless", "offset", "bool", "inf", "nan", "atan2"}

// metricNames returns the metric names a PromQL expression (or a Grafana
// label_values query) selects, in order. It is a scanner, not a parser: it
// drops strings, label matchers, ranges, Grafana variables and label lists,
// then takes every identifier that is not a function (followed by "(") or
// a keyword. A label it mistook for a metric makes the test fail, never pass.
func metricNames(expr string) []string {
	s := labelValues.ReplaceAllString(expr, "$1")
	for _, re := range []*regexp.Regexp{stringLiterals, labelMatchers, ranges, variables, labelLists} {
		s = re.ReplaceAllString(s, " ")
	}
	var names []string
	for _, m := range identifiers.FindAllStringIndex(s, -1) {
		name := s[m[0]:m[1]]
		// Part of a number or a duration (15m, 1e3), a function, a keyword.
		if m[0] > 0 && strings.ContainsRune("0123456789.", rune(s[m[0]-1])) ||
			strings.HasPrefix(strings.TrimLeft(s[m[1]:], " \t\n"), "(") ||
			slices.Contains(keywords, name) || slices.Contains(names, name) {
			continue
		}
		names = append(names, name)
	}
	return names
}

func TestMetricNames(t *testing.T) {
	for _, c := range []struct {
		expr string
		want []string
	}{
		{`sum by (reason) (rate(stagehand_admission_total{result="error", x="a{b}"}[5m])) > 0`, []string{"stagehand_admission_total"}},
		{`histogram_quantile(0.99, sum by (le) (rate(a_bucket{namespace="$namespace"}[$__rate_interval]))) > 2.5`, []string{"a_bucket"}},
		{`sum(rate(a[15m])) > 2 * (sum(rate(a[1h] offset 15m)) or vector(0)) and sum(increase(b[15m])) >= 5`, []string{"a", "b"}},
		{`x / on (pod) group_left (node) y`, []string{"x", "y"}},
		{`label_values(stagehand_admission_total, namespace)`, []string{"stagehand_admission_total"}},
		{`kube_deployment_status_replicas_available{deployment="stagehand-webhook"} < 2`, []string{"kube_deployment_status_replicas_available"}},
		{`rate(x[5m]) unless y offset 1h`, []string{"x", "y"}},
		{`sum without (instance) (z)`, []string{"z"}},
	} {
		if got := metricNames(c.expr); !slices.Equal(got, c.want) {
			t.Errorf("metricNames(%q) = %q, want %q", c.expr, got, c.want)
		}
	}
}
