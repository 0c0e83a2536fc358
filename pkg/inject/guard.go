package inject

// Guard is what the guard policy (manifests/base/validatingadmissionpolicy.yaml,
// generated from the table) checks of an injection in a pod as it will be
// stored: that what stagehand injected is still there after every mutating
// webhook ran. It sees the pod's annotations, not the status's JSON, so it
// derives from them what must be there, as the webhook does.
type Guard struct {
	// Asked is a CEL expression over variables.anns (the pod's annotations),
	// true when they ask for the injection.
	Asked string
	// Volumes must be in the pod when it is asked for.
	Volumes []GuardVolume
	// ReferenceEnv must be set in every target container, and only ever
	// from a valueFrom reference, never as a literal value.
	ReferenceEnv []string
	// CommandPrefix, when set, starts the command of every target container.
	CommandPrefix string
}

// GuardVolume is a volume the guard expects.
type GuardVolume struct {
	Name string
	// When is a CEL expression over variables.anns that must also hold;
	// empty for always.
	When string
}

// celHas is the CEL of "the annotation key is set".
func celHas(key string) string { return "'" + key + "' in variables.anns" }

// celIsTrue is the CEL of "the annotation key is \"true\"".
func celIsTrue(key string) string {
	return celHas(key) + " && variables.anns['" + key + "'] == 'true'"
}

// celNotEmpty is the CEL of "the annotation key is set and not empty".
func celNotEmpty(key string) string {
	return celHas(key) + " && variables.anns['" + key + "'] != ''"
}
