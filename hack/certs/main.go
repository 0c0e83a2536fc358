package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/certs"
)

func main() {
	var (
		opts certs.Options
		days int
	)
	flag.StringVar(&opts.Service, "service", "stagehand-webhook", "name of the webhook's Service")
	flag.StringVar(&opts.Namespace, "namespace", "stagehand-system", "namespace of the webhook's Service")
	flag.StringVar(&opts.Dir, "out-dir", defaultDir, "directory to write the CA and the serving certificate and their keys to")
	flag.IntVar(&days, "days", 365, "validity of the serving certificate in days (a new CA gets ten times as long)")
	flag.BoolVar(&opts.NewCA, "new-ca", false, "replace the CA in --out-dir even when it is still valid")
	extra := flag.String("extra-names", "", "comma-separated extra names or IPs for the serving certificate, e.g. 127.0.0.1,localhost for a webhook outside the cluster")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "certs: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if err := checkLegacyCA(opts); err != nil {
		fmt.Fprintln(os.Stderr, "certs:", err)
		os.Exit(1)
	}
	opts.Validity = time.Duration(days) * 24 * time.Hour
	if *extra != "" {
		opts.ExtraNames = strings.Split(*extra, ",")
	}
	res, err := certs.Generate(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "certs:", err)
		os.Exit(1)
	}
	ca := "new CA"
	if res.ReusedCA {
		ca = "existing CA"
	}
	fmt.Printf("wrote %s: %s valid until %s, serving certificate for %v valid until %s\n",
		opts.Dir, ca, res.CA.Cert.NotAfter.Format(time.DateOnly), append(res.Serving.Cert.DNSNames, ipStrings(res.Serving.Cert.IPAddresses)...), res.Serving.Cert.NotAfter.Format(time.DateOnly))
	fmt.Printf("CA SHA-256 fingerprint: %s\n", certs.Fingerprint(res.CA.Cert))
}

// defaultDir is the cluster's TLS material, which manifests/self-signed reads
// through certs/kustomization.yaml.
const defaultDir = "certs"

// legacyDir is where `make certs` wrote before the top-level certs/ existed.
var legacyDir = filepath.Join("manifests", "self-signed", "certs")

// checkLegacyCA refuses to make a new CA in certs/ while the CA of the
// earlier layout is still around: applying the overlay with a new CA changes
// the caBundle and the Secret at once, and webhook calls fail until the
// pods reload.
func checkLegacyCA(opts certs.Options) error {
	if opts.NewCA || filepath.Clean(opts.Dir) != defaultDir {
		return nil
	}
	if _, err := os.Stat(filepath.Join(opts.Dir, certs.CACertFile)); err == nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join(legacyDir, certs.CACertFile)); err != nil {
		return nil //nolint:nilerr // no earlier CA: nothing to keep
	}
	return fmt.Errorf("%s holds the CA that `make certs` wrote before certs/ existed; "+
		"to keep it (and the webhook's caBundle), move its ca.crt, ca.key, tls.crt and tls.key to %s and rerun; "+
		"to make a new CA instead, pass --new-ca (or remove %s)", legacyDir, opts.Dir, legacyDir)
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}
