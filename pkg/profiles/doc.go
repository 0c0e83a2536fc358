// Package profiles decides which InjectionProfile applies to a pod, and
// validates profiles: the rules of docs/profiles.md that the webhook and
// the offline injector share.
//
// A profile applies only to pods of its own namespace whose labels its
// selector matches; a pod that two or more profiles select is denied,
// naming each of them. Selection reads the pod's namespace and labels,
// never what injection reads: the profile that applies becomes part of the
// pod's inject.Input.
package profiles
