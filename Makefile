# Stagehand build and test entry points. `make test` is what CI runs.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c

GO ?= go
BIN := $(CURDIR)/bin
ENVTEST_ASSETS := $(BIN)/envtest
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/stagehand-k8s/stagehand/pkg/version.Version=$(VERSION)
# Package tests run one package at a time to fit two cores and one API server each.
TEST_FLAGS ?= -count=1 -timeout=20m
# The time limit of `make demo`'s program (the cluster's start and stop come on top).
DEMO_TIMEOUT ?= 8m

export KUBEBUILDER_ASSETS := $(ENVTEST_ASSETS)

.PHONY: all build test unit envtest-assets golden docs manifests fmt vet clean images certs demo fuzz soak bench

all: build

## build: the webhook, the agent and the kubectl plugin (kubectl-stagehand; put it on your PATH for `kubectl stagehand`) into bin/.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/webhook ./cmd/webhook
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/agent ./cmd/agent
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/kubectl-stagehand ./cmd/kubectl-stagehand

## demo: stagehand on a real node: the local cluster up (root), stagehand installed from manifests/self-signed,
## the examples created and run by the kubelet, what it reports (internal/demo); the cluster down at the end on
## every path (hack/with-node.sh; KEEP_CLUSTER=1 keeps it, with the examples). DEMO_TIMEOUT bounds the program.
demo: envtest-assets node-assets images
	$(GO) build -o $(BIN)/stagehand-demo ./hack/demo
	hack/with-node.sh $(BIN)/stagehand-demo --timeout $(DEMO_TIMEOUT)

## images: agent and webhook OCI image tarballs in bin/images/, built without a Docker daemon.
images: build
	$(GO) run ./hack/images --binary $(BIN)/agent --entrypoint /agent --ref ghcr.io/stagehand-k8s/agent:$(VERSION) --out $(BIN)/images/agent.tar
	$(GO) run ./hack/images --binary $(BIN)/webhook --entrypoint /webhook --ref ghcr.io/stagehand-k8s/webhook:$(VERSION) --out $(BIN)/images/webhook.tar

## certs: CA and serving certificate in certs/ (keys git-ignored) for manifests/self-signed; rerun to renew (certs/README.md).
certs:
	$(GO) run ./hack/certs --service stagehand-webhook --namespace stagehand-system --out-dir certs

## envtest-assets: kube-apiserver and etcd built from the Go module proxy (reused when present).
envtest-assets:
	hack/envtest-assets.sh

.PHONY: helm-assets

## helm-assets: helm (Helm v4, pinned in hack/helm/versions.env) built from the Go module proxy into bin/helm, for test/chart (reused when present).
helm-assets:
	hack/helm/assets.sh

.PHONY: promtool-assets

## promtool-assets: promtool (pinned in hack/promtool/versions.env) built from the Go module proxy into bin/promtool, for test/monitoring (reused when present).
promtool-assets:
	hack/promtool/assets.sh

.PHONY: node-assets cluster-up cluster-down

## node-assets: kubelet, kube-controller-manager, kube-scheduler, kube-proxy and kubectl from the Go module proxy, next to envtest's (reused when present).
node-assets:
	hack/cluster/node-assets.sh

## cluster-up: a real one-node cluster on this machine, in a network namespace of its own (root; installs the Debian packages it needs, builds what is missing); prints the admin's kubeconfig. docs/development.md.
cluster-up:
	hack/cluster/up.sh

## cluster-down: stops the cluster and removes everything it left on the machine (also after a failed start).
cluster-down:
	hack/cluster/down.sh

## test: every test: unit, integration (envtest) and end-to-end on a real node, which it brings up for the
## run and takes down at the end (hack/test.sh; root; KEEP_CLUSTER=1 keeps it, NODE_TESTS=0 skips the node).
test: envtest-assets node-assets images helm-assets promtool-assets
	GO=$(GO) TEST_FLAGS='$(TEST_FLAGS)' hack/test.sh

## unit: tests that need no API server.
unit:
	$(GO) test $(TEST_FLAGS) -short ./...

## bench: performance against floors measured in the same run, and pod start on the local node (brought up and down); report in bench/results/latest.md.
bench: build envtest-assets node-assets images
	hack/with-node.sh $(GO) run ./bench/cmd/stagehand-bench --webhook-bin $(BIN)/webhook --agent-bin $(BIN)/agent --out bench/results/latest.md

## soak: the long form of the load, rotation, shutdown and fault tests (bounded; about 8 minutes); figures in RELIABILITY lines.
soak: envtest-assets
	mkdir -p $(BIN)
	STAGEHAND_SOAK=1 $(GO) test -count=1 -timeout 60m -v ./test/... ./pkg/fetch/... ./pkg/supervise/... 2>&1 \
		| tee $(BIN)/soak.log | grep -E '^(ok|FAIL|--- FAIL|panic)|RELIABILITY'

## fuzz: every Go fuzz target for FUZZTIME each (default 30s); SAVE_CORPUS=1 keeps new seeds in testdata/fuzz.
fuzz:
	hack/fuzz.sh

## golden: refresh testdata/inject/*.out.yaml from the injector and the plugin's explain goldens (cmd/kubectl-stagehand/testdata).
golden:
	$(GO) test ./pkg/offline -run TestGolden -update
	$(GO) test ./cmd/kubectl-stagehand -run TestExplainExamples -update

## docs: regenerate docs/annotations.md from the annotation registry.
docs:
	$(GO) test ./pkg/inject -run TestDocs -update

## manifests: regenerate the guard policy (manifests/base/validatingadmissionpolicy.yaml) from the injection table, and the InjectionProfile CRD and deep-copy functions from pkg/apis (controller-gen).
manifests:
	$(GO) test ./internal/guard -run TestGuardPolicy -update
	$(GO) test ./pkg/apis/... -run TestGeneratedFilesMatchTypes -update
	$(GO) test ./test/chart -run TestCopies -update

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...

clean:
	rm -rf $(BIN)
