package annotations

import (
	"fmt"
	"strings"
)

// Markdown renders the annotation reference, docs/annotations.md, from the
// registry and the rules of precedence between keys. A test keeps the file
// equal to it.
func Markdown(registry []Key, rules []string) string {
	var b strings.Builder
	b.WriteString(`# Annotation reference

<!-- Generated from the injection table (pkg/inject) by "make docs". Do not edit. -->

Stagehand reads ` + "`" + Prefix + "`" + ` annotations on a Pod (or on the pod template of a
Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob) and injects
what they ask for.

## Opting in

- A namespace opts in with the label ` + "`" + NamespaceLabel + "=" + NamespaceLabelEnabled + "`" + `.
- A Pod gets what its own ` + "`" + Prefix + "`" + ` annotations ask for, or what an InjectionProfile of
  its namespace that selects it by its labels gives it (docs/profiles.md); its own keys win.
- Every Pod of an opted-in namespace is sent to the webhook. A Pod with a ` + "`" + Prefix + "`" + `
  annotation of its own is refused while the webhook is down; any other Pod is created
  (the webhook's second entry has failurePolicy Ignore), unless a profile selects it, in which
  case the policy stagehand-profile-guard refuses it rather than let it start uninjected
  (docs/operations.md, "Which pods reach the webhook").
- kube-system, kube-public, kube-node-lease and stagehand's own namespace are never injected.
- A Pod opts out with ` + "`" + Inject + `: "false"` + "`" + `.

## Keys

| Key | Default | Valid values |
| --- | --- | --- |
`)
	for _, k := range registry {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", k.Name, escapeCell(k.Default), escapeCell(k.Valid))
	}
	b.WriteString("\n")
	for _, k := range registry {
		fmt.Fprintf(&b, "### `%s`\n\n%s\n\n- Default: %s\n- Valid: %s\n\n", k.Name, k.Description, k.Default, k.Valid)
	}
	b.WriteString(`## Precedence and errors

- ` + "`" + Inject + `: "false"` + "`" + ` disables every injection; no other key is checked.
`)
	for _, r := range rules {
		b.WriteString("- " + r + "\n")
	}
	b.WriteString(`- Every invalid value is reported at once, in one denial naming the key, the value and what is valid.
- An unknown ` + "`" + Prefix + "`" + ` key is a warning, or a denial when the webhook runs with ` + "`STAGEHAND_STRICT=true`" + `.
- An env var the pod already sets (for example ` + "`ATS_SECRET_KEY`" + `) is left as it is, with a warning.
- A clash with the pod's own volume names or mount paths is a denial naming both sides.
- At most ` + fmt.Sprint(MaxKeys) + " `" + Prefix + "` keys per pod, and values of at most " + fmt.Sprint(MaxValueLength) + ` bytes.
`)
	return b.String()
}

func escapeCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
