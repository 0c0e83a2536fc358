package reliability

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/certs"
)

// certValidity is long enough for any run of this package.
const certValidity = 24 * time.Hour

// servingNames are the names of every serving certificate: clients dial
// 127.0.0.1.
var servingNames = []string{"127.0.0.1", "localhost"}

// testCA is a CA the clients trust, issuing the servers' certificates.
type testCA struct {
	*certs.KeyPair
	pool *x509.CertPool
}

func newCA(t *testing.T) *testCA {
	t.Helper()
	ca, err := certs.NewCA("stagehand-reliability-ca", time.Now(), certValidity)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return &testCA{KeyPair: ca, pool: pool}
}

// issue makes a serving certificate with a new key and serial number.
func (ca *testCA) issue() (*certs.KeyPair, error) {
	pair, err := ca.Issue(servingNames, time.Now(), certValidity)
	if err != nil {
		return nil, fmt.Errorf("issuing a serving certificate: %w", err)
	}
	return pair, nil
}

// certDir writes a fresh serving certificate into a new directory.
func (ca *testCA) certDir(t *testing.T) (string, *certs.KeyPair) {
	t.Helper()
	pair, err := ca.issue()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := writePairFiles(dir, pair); err != nil {
		t.Fatal(err)
	}
	return dir, pair
}

// writePairFiles replaces tls.key, then tls.crt, in dir, each atomically by
// a rename, as a tool rewriting the files in place would.
func writePairFiles(dir string, pair *certs.KeyPair) error {
	for _, f := range []struct {
		name string
		data []byte
	}{{certs.KeyFile, pair.KeyPEM}, {certs.CertFile, pair.CertPEM}} {
		tmp := filepath.Join(dir, "."+f.name+".tmp")
		if err := os.WriteFile(tmp, f.data, 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", f.name, err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, f.name)); err != nil {
			return fmt.Errorf("replacing %s: %w", f.name, err)
		}
	}
	return nil
}

// secretVolume lays out a directory as the kubelet's atomic writer lays out
// a Secret volume: the files live in a timestamped directory, ..data links
// to it, and tls.crt and tls.key link to ..data/tls.crt and ..data/tls.key.
type secretVolume struct {
	dir     string
	current string // the timestamped directory ..data points to
	seq     int
}

// newSecretVolume makes the layout with a first key pair.
func newSecretVolume(dir string, pair *certs.KeyPair) (*secretVolume, error) {
	v := &secretVolume{dir: dir}
	if err := v.update(pair); err != nil {
		return nil, err
	}
	for _, name := range []string{certs.CertFile, certs.KeyFile} {
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)); err != nil {
			return nil, fmt.Errorf("linking %s: %w", name, err)
		}
	}
	return v, nil
}

// update swaps in a key pair as the kubelet does: a new timestamped
// directory, a temporary ..data_tmp link to it renamed over ..data (the one
// atomic step), then the old directory removed.
func (v *secretVolume) update(pair *certs.KeyPair) error {
	v.seq++
	ts := fmt.Sprintf("..%s.%09d", time.Now().UTC().Format("2006_01_02_15_04_05"), v.seq)
	next := filepath.Join(v.dir, ts)
	if err := os.Mkdir(next, 0o755); err != nil {
		return fmt.Errorf("secret volume: %w", err)
	}
	for name, data := range map[string][]byte{certs.CertFile: pair.CertPEM, certs.KeyFile: pair.KeyPEM} {
		if err := os.WriteFile(filepath.Join(next, name), data, 0o600); err != nil {
			return fmt.Errorf("secret volume: %w", err)
		}
	}
	tmp := filepath.Join(v.dir, "..data_tmp")
	if err := os.Symlink(ts, tmp); err != nil {
		return fmt.Errorf("secret volume: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(v.dir, "..data")); err != nil {
		return fmt.Errorf("secret volume: swapping ..data: %w", err)
	}
	old := v.current
	v.current = next
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("secret volume: removing %s: %w", old, err)
		}
	}
	return nil
}
