// Package checkup is `kubectl stagehand check`: whether stagehand is
// installed in a cluster and can work, item by item, each a Result with
// what was found and, when it fails or warns, what to do.
//
// The items, in order:
//
//   - the API server: reachable, and Kubernetes MinKubernetes or later;
//   - the InjectionProfile CRD: installed and Established;
//   - cert-manager, when the installation takes its certificates from it
//     (its webhook configurations carry cert-manager.io/inject-ca-from, or,
//     before install, Options.Certificates says so): its CRDs served, and
//     the Certificate the annotation names Ready;
//   - the webhook Deployment rolled out with every replica available, and
//     its Service with ready endpoints;
//   - the CA bundle in every webhook of both webhook configurations, and
//     the serving certificate of the Secret the Deployment mounts signed by
//     it, for the Service's DNS name, and not expired or close to it;
//   - each guard ValidatingAdmissionPolicy bound with validationActions
//     that include Deny;
//   - the namespaces that opted in, by the namespaceSelector of the live
//     MutatingWebhookConfiguration.
//
// The names looked for are those manifests/base ships (manifests.Base);
// the namespace is Options.Namespace. Before install every missing object
// fails with the install command as its hint. A read that RBAC forbids
// skips its item, saying why. Every read is bounded by Options.Timeout.
package checkup
