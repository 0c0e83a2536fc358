package certs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Names of the files Generate writes into its directory.
const (
	CACertFile = "ca.crt"
	CAKeyFile  = "ca.key"
	CertFile   = "tls.crt"
	KeyFile    = "tls.key"
)

// Files are the names of every file Generate writes.
var Files = []string{CACertFile, CAKeyFile, CertFile, KeyFile}

// caCommonName names the CA that Generate makes.
const caCommonName = "stagehand-webhook-ca"

// Options say what Generate makes.
type Options struct {
	// Service and Namespace name the webhook's Service.
	Service   string
	Namespace string
	// Dir receives the files.
	Dir string
	// Validity is how long the serving certificate is valid. A new CA is
	// valid for ten times as long.
	Validity time.Duration
	// NewCA replaces a CA found in Dir.
	NewCA bool
	// Now is the time of issue; zero means time.Now().
	Now time.Time
	// ExtraNames are more names for the serving certificate, such as
	// localhost or 127.0.0.1 for a webhook served outside the cluster;
	// IP literals become IP addresses.
	ExtraNames []string
}

// Result is what Generate made.
type Result struct {
	CA      *KeyPair
	Serving *KeyPair
	// ReusedCA is true when the CA in Dir was kept.
	ReusedCA bool
}

// Generate writes a CA (unless Dir holds one that outlives the new serving
// certificate) and a serving certificate for the Service's DNS names into
// opts.Dir. Keys are written readable by their owner only.
func Generate(opts Options) (*Result, error) {
	if opts.Service == "" || opts.Namespace == "" || opts.Dir == "" {
		return nil, errors.New("generating certificates: service, namespace and directory are required")
	}
	if opts.Validity <= 0 {
		return nil, fmt.Errorf("generating certificates: validity %v is not positive", opts.Validity)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("generating certificates: %w", err)
	}
	res := &Result{}
	if !opts.NewCA {
		ca, err := loadCA(opts.Dir)
		if err != nil {
			return nil, err
		}
		if ca != nil && ca.Cert.NotAfter.After(now.Add(opts.Validity)) {
			res.CA, res.ReusedCA = ca, true
		}
	}
	if res.CA == nil {
		ca, err := NewCA(caCommonName, now, 10*opts.Validity)
		if err != nil {
			return nil, fmt.Errorf("generating the CA: %w", err)
		}
		res.CA = ca
	}
	serving, err := res.CA.Issue(append(DNSNames(opts.Service, opts.Namespace), opts.ExtraNames...), now, opts.Validity)
	if err != nil {
		return nil, fmt.Errorf("generating the serving certificate: %w", err)
	}
	res.Serving = serving
	files := []struct {
		name string
		data []byte
		mode fs.FileMode
	}{
		{CACertFile, res.CA.CertPEM, 0o644},
		{CAKeyFile, res.CA.KeyPEM, 0o600},
		{CertFile, serving.CertPEM, 0o644},
		{KeyFile, serving.KeyPEM, 0o600},
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(opts.Dir, f.name), f.data, f.mode); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// loadCA reads the CA of dir; it returns nil when there is none.
func loadCA(dir string) (*KeyPair, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, CACertFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the CA: %w", err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, CAKeyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the CA key: %w", err)
	}
	ca, err := LoadKeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("reading the CA in %s (remove it or make a new one): %w", dir, err)
	}
	if !ca.Cert.IsCA {
		return nil, fmt.Errorf("reading the CA in %s: %s is not a CA certificate", dir, CACertFile)
	}
	return ca, nil
}

// writeFile replaces path with data atomically.
func writeFile(path string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
