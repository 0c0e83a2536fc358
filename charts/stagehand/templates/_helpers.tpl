{{/*
Labels of every object: those of manifests/base (app.kubernetes.io/name and,
when given, app.kubernetes.io/component), then Helm's standard ones.
Call with (dict "root" $ "component" "webhook").
*/}}
{{- define "stagehand.labels" -}}
app.kubernetes.io/name: stagehand
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{ include "stagehand.helmLabels" .root }}
{{- end }}

{{/* Helm's standard labels; never in a selector, which cannot change. */}}
{{- define "stagehand.helmLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | quote }}
{{- end }}

{{/* The selector of the webhook's pods, as in manifests/base. */}}
{{- define "stagehand.selectorLabels" -}}
app.kubernetes.io/name: stagehand
app.kubernetes.io/component: webhook
{{- end }}

{{/*
An image reference: repository:tag, or repository@digest when a digest is
given. Call with (dict "image" .Values.image.webhook "root" $).
*/}}
{{- define "stagehand.image" -}}
{{- if .image.digest -}}
{{ .image.repository }}@{{ .image.digest }}
{{- else -}}
{{ .image.repository }}:{{ .image.tag | default .root.Chart.AppVersion }}
{{- end -}}
{{- end }}

{{/*
The namespaces the webhooks and the guard policies apply to: those whose
labels match webhook.namespaceSelector, never kube-system, kube-public,
kube-node-lease nor the release namespace (so that the webhook's own pods
never depend on it), nor webhook.excludedNamespaces.
*/}}
{{- define "stagehand.namespaceSelector" -}}
matchLabels:
  {{- toYaml .Values.webhook.namespaceSelector.matchLabels | nindent 2 }}
matchExpressions:
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values: {{ concat (list "kube-system" "kube-public" "kube-node-lease" .Release.Namespace) .Values.webhook.excludedNamespaces | uniq | toJson }}
  {{- with .Values.webhook.namespaceSelector.matchExpressions }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{/* The DNS names the API server calls the webhook's Service by. */}}
{{- define "stagehand.serviceNames" -}}
{{- $ns := .Release.Namespace -}}
{{ list (printf "stagehand-webhook.%s.svc" $ns) (printf "stagehand-webhook.%s.svc.cluster.local" $ns) | toJson }}
{{- end }}

{{/*
stagehand.tls computes the TLS material of mode self-signed once per
rendering, into .Values._stagehandTLS, so that the Secret and the caBundle
of both webhook configurations (separate templates) always hold the same CA:
no rendering gives a webhook configuration without its CA bundle, or with
another CA than the Secret's. Keys: caCert, cert, key (PEM), and, when the
chart generated them, caKey.

- certificates.selfSigned.caCert, cert and key given: those, as they are.
- Otherwise the CA of the Secret stagehand-webhook-ca, when the cluster has
  it (lookup: an upgrade keeps the CA, so the caBundle does not change while
  the pods reload the new serving certificate), or a new ECDSA P-256 CA; and
  a new serving certificate signed by it. `helm template` and `--dry-run`
  cannot look up, and always show a new CA.
*/}}
{{- define "stagehand.tls" -}}
{{- if not (hasKey .Values "_stagehandTLS") -}}
{{- $s := .Values.certificates.selfSigned -}}
{{- $tls := dict -}}
{{- if or $s.caCert $s.cert $s.key -}}
{{- if not (and $s.caCert $s.cert $s.key) -}}
{{- fail "certificates.selfSigned: set caCert, cert and key together (the CA certificate, the serving certificate it signed and that certificate's key, as `make certs` writes them to certs/ca.crt, certs/tls.crt and certs/tls.key), or none of them to let the chart generate them" -}}
{{- end -}}
{{- $tls = dict "caCert" $s.caCert "cert" $s.cert "key" $s.key -}}
{{- else -}}
{{- $ca := dict -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace "stagehand-webhook-ca" -}}
{{- $data := dig "data" dict $existing -}}
{{- if and (index $data "tls.crt") (index $data "tls.key") -}}
{{- $ca = buildCustomCert (index $data "tls.crt") (index $data "tls.key") -}}
{{- else -}}
{{- $ca = genCAWithKey "stagehand-webhook-ca" (int $s.caValidityDays) (genPrivateKey "ecdsa") -}}
{{- end -}}
{{- $names := include "stagehand.serviceNames" . | fromJsonArray -}}
{{- $leaf := genSignedCertWithKey (first $names) nil $names (int $s.validityDays) $ca (genPrivateKey "ecdsa") -}}
{{- $tls = dict "caCert" $ca.Cert "caKey" $ca.Key "cert" $leaf.Cert "key" $leaf.Key -}}
{{- end -}}
{{- $_ := set .Values "_stagehandTLS" $tls -}}
{{- end -}}
{{- end }}

{{/*
The caBundle of a webhook's clientConfig in mode self-signed; nothing in
mode cert-manager, where cainjector fills it in.
*/}}
{{- define "stagehand.caBundle" -}}
{{- if eq .Values.certificates.mode "self-signed" -}}
{{- include "stagehand.tls" . -}}
caBundle: {{ .Values._stagehandTLS.caCert | b64enc }}
{{- end -}}
{{- end }}

{{/* The annotations of both webhook configurations. */}}
{{- define "stagehand.webhookAnnotations" -}}
{{- if eq .Values.certificates.mode "cert-manager" -}}
annotations:
  # cert-manager's cainjector keeps the caBundle equal to the CA of the
  # serving certificate.
  cert-manager.io/inject-ca-from: {{ printf "%s/stagehand-webhook" .Release.Namespace }}
{{- end -}}
{{- end }}

{{/*
Fails the rendering when the cluster does not serve apiVersion (a
group/version), with what to do.
*/}}
{{- define "stagehand.requireAPI" -}}
{{- if not (.root.Capabilities.APIVersions.Has .apiVersion) -}}
{{- fail .message -}}
{{- end -}}
{{- end }}
