package guard

// The CEL of an InjectionProfile's spec.selector, a metav1.LabelSelector, as
// k8s.io/apimachinery evaluates it (metav1.LabelSelectorAsSelector, then
// Matches): matchLabels and matchExpressions are ANDed; In needs the label
// with one of the values; NotIn holds when the label is absent or has none
// of them; an empty selector selects every pod. A selector that Kubernetes
// refuses to parse (an unknown operator, In or NotIn without values, Exists
// or DoesNotExist with values, a key or value that is not a valid label
// key or value) selects nothing, as it does in the webhook
// (pkg/profiles.Select). The format library of Kubernetes' CEL validates
// keys and values with the same functions as apimachinery.

// selectorMatches is the CEL of "the pod's labels satisfy every
// requirement of the selector".
const selectorMatches = `(!has(params.spec.selector.matchLabels) ||
  params.spec.selector.matchLabels.all(k,
    k in variables.labels && variables.labels[k] == params.spec.selector.matchLabels[k])) &&
(!has(params.spec.selector.matchExpressions) ||
  params.spec.selector.matchExpressions.all(r,
    r.operator == 'In' ? r.key in variables.labels && has(r.values) && variables.labels[r.key] in r.values :
    r.operator == 'NotIn' ? !(r.key in variables.labels) || !has(r.values) || !(variables.labels[r.key] in r.values) :
    r.operator == 'Exists' ? r.key in variables.labels :
    r.operator == 'DoesNotExist' ? !(r.key in variables.labels) :
    false))`

// selectorValid is the CEL of "Kubernetes parses the selector's
// matchExpressions" (an unknown operator matches nothing in
// selectorMatches). An invalid key or value of matchLabels needs no check:
// it never matches a pod's labels, which are valid, so the selector does not
// select the pod either way.
const selectorValid = `!has(params.spec.selector.matchExpressions) ||
params.spec.selector.matchExpressions.all(r,
  !format.qualifiedName().validate(r.key).hasValue() &&
  (r.operator in ['In', 'NotIn']
    ? has(r.values) && size(r.values) > 0 && r.values.all(v, !format.labelValue().validate(v).hasValue())
    : !has(r.values) || size(r.values) == 0))`
