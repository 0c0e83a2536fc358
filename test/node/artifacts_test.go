package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stagehand-k8s/stagehand/internal/nodeenv"
)

// The artifact server (nodeenv.StartArtifacts): busybox httpd in a pod of a
// namespace that is not opted in, behind a Service, addressed by its cluster
// IP (pods have no DNS on the node). It serves one jar at jarPath.
const (
	jarPath    = "/udf/hive-udf-demo-1.0.jar"
	jarName    = "hive-udf-demo-1.0.jar"
	jarContent = "PK stagehand node test jar: not a real jar, but bytes with a known digest\n"
)

// jarSHA256 is the digest of jarContent.
var jarSHA256 = func() string { s := sha256.Sum256([]byte(jarContent)); return hex.EncodeToString(s[:]) }()

var artifacts struct {
	once sync.Once
	ns   string
	url  string // http://<cluster IP>
	err  error
}

// artifactServer starts the artifact server once for the package and
// returns its base URL.
func artifactServer(t *testing.T) string {
	t.Helper()
	c := env(t)
	artifacts.once.Do(func() {
		artifacts.ns = "node-artifacts-" + suffix()
		artifacts.url, artifacts.err = startArtifacts(c, artifacts.ns)
	})
	if artifacts.err != nil {
		t.Fatalf("the artifact server: %v", artifacts.err)
	}
	return artifacts.url
}

func startArtifacts(c *nodeenv.Cluster, ns string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), podTimeout)
	defer cancel()
	if err := c.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return "", err
	}
	art, err := c.StartArtifacts(ctx, ns, "artifacts", map[string]string{jarPath: jarContent}, podTimeout)
	return art.URL, err
}

// removeArtifacts deletes the artifact server's namespace, if a test made it.
func removeArtifacts() {
	if artifacts.ns == "" || cluster == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = cluster.Client.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: artifacts.ns}})
}
