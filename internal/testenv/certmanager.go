package testenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// CertManagerModule is cert-manager's Go module, which go.mod requires and
// whose deploy/crds holds its CRDs.
const CertManagerModule = "github.com/cert-manager/cert-manager"

// CertManagerCRDs is the directory of cert-manager's CRDs in the module
// cache, downloading the module go.mod requires if needed (from the module
// proxy).
func CertManagerCRDs() (string, error) {
	dir, err := goOutput("list", "-m", "-f", "{{.Dir}}", CertManagerModule)
	if err == nil && dir == "" {
		var mod struct{ Dir, Error string }
		out, derr := goOutput("mod", "download", "-json", CertManagerModule)
		if derr != nil {
			return "", derr
		}
		if err := json.Unmarshal([]byte(out), &mod); err != nil || mod.Dir == "" {
			return "", fmt.Errorf("go mod download %s: %v %s", CertManagerModule, err, mod.Error)
		}
		dir = mod.Dir
	}
	if err != nil {
		return "", err
	}
	crds := filepath.Join(dir, "deploy", "crds")
	if _, err := os.Stat(crds); err != nil {
		return "", fmt.Errorf("cert-manager's CRDs: %w", err)
	}
	return crds, nil
}

func goOutput(args ...string) (string, error) {
	var stderr bytes.Buffer
	cmd := exec.Command("go", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}
