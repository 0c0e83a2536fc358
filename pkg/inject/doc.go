// Package inject rewrites a Pod to carry what its stagehand.io annotations ask
// for.
//
// Inject parses the annotations once (package annotations), then runs pure
// injection steps in a fixed order on the one typed Pod: credentials, the ATS
// secret key, the ATS keytab, and the Timeline Server URL. Each step lives in
// its own file and only adds elements that stagehand owns; what it owns is
// recorded in the stagehand.io/status annotation, so that a re-invocation
// with changed annotations removes exactly what was injected before and
// nothing else.
//
// The result carries a JSON patch built directly from the lists the steps
// touched, never from a diff of the re-marshalled pod: it only adds, replaces
// or removes elements that stagehand owns, so fields of the original object
// that the Go types do not know survive untouched. Injecting an injected pod
// yields an empty patch.
//
// Inject makes no API calls and does no I/O; the admission server and the
// offline injector share it.
package inject
