package checkup

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"
	apimachineryversion "k8s.io/apimachinery/pkg/version"
)

// MinKubernetes is the oldest Kubernetes release stagehand supports. Its
// guard policy stagehand-profile-guard uses CEL's two-variable
// comprehensions, which the API server accepts in new expressions from
// 1.33 on (docs/operations.md, Requirements); README.md, docs/operations.md
// and the chart's kubeVersion state the same (TestMinimumIsStated).
const MinKubernetes = "1.33"

var minKubernetes = version.MustParseGeneric(MinKubernetes)

// ServerVersion is the Kubernetes version the API server reports, as
// clusters' builds spell it ("v1.33.0+k3s1", "v1.34.2-eks-5e0fdde"): what
// follows major.minor.patch is a vendor's, and ignored. Without a
// gitVersion it takes major and minor ("33+" on some managed clusters).
func ServerVersion(info *apimachineryversion.Info) (*version.Version, error) {
	if info == nil {
		return nil, errors.New("no version")
	}
	if v, err := version.ParseGeneric(info.GitVersion); err == nil {
		return v, nil
	}
	mm := strings.TrimSuffix(info.Major, "+") + "." + strings.TrimSuffix(info.Minor, "+")
	v, err := version.ParseGeneric(mm)
	if err != nil {
		return nil, fmt.Errorf("neither gitVersion %q nor major %q and minor %q is a version", info.GitVersion, info.Major, info.Minor)
	}
	return v, nil
}

// Supported reports whether v is MinKubernetes or later.
func Supported(v *version.Version) bool { return v.AtLeast(minKubernetes) }

// versionResult is the item of the API server: reachable (err is nil) and
// recent enough.
func versionResult(info *apimachineryversion.Info, err error) Result {
	res := Result{Item: itemAPIServer}
	if err != nil {
		res.Status, res.Found = Fail, "not reachable: "+err.Error()
		res.Hint = "check which cluster the kubeconfig points at: kubectl config current-context; kubectl cluster-info (--kubeconfig, --context and --server select another)"
		return res
	}
	v, err := ServerVersion(info)
	shown := ""
	if info != nil {
		shown = info.GitVersion
	}
	if shown == "" && v != nil {
		shown = v.String()
	}
	switch {
	case err != nil:
		res.Status, res.Found = Warn, "cannot tell its version: "+err.Error()
		res.Hint = "stagehand needs Kubernetes " + MinKubernetes + " or later: check `kubectl version`"
	case !Supported(v):
		res.Status = Fail
		res.Found = fmt.Sprintf("Kubernetes %s is older than %s, the oldest stagehand supports: its guard policies use CEL "+
			"two-variable comprehensions, which the API server refuses before %s", shown, MinKubernetes, MinKubernetes)
		res.Hint = "upgrade the cluster to Kubernetes " + MinKubernetes + " or later (docs/operations.md, Requirements)"
	default:
		res.Status = Pass
		res.Found = fmt.Sprintf("Kubernetes %s (stagehand needs %s or later)", shown, MinKubernetes)
	}
	return res
}
