package checkup

import (
	"flag"
	"os"
	"testing"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
)

// shared is the API server of the tests that need one (install_test.go);
// with -short or without KUBEBUILDER_ASSETS they skip.
var shared testenv.Shared[*testenv.Env]

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(shared.Main(m, "checkup", func() (*testenv.Env, func(), error) {
		return testenv.Start(testenv.Options{})
	}))
}
