package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// tokenDir is where stagehand mounts the ServiceAccount token for a pod
// that turns automount off: the kubelet's path, where MR3 reads it.
const tokenDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// taskTime is how long each stand-in task runs.
const taskTime = time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch role := filepath.Base(os.Args[0]); role {
	case "run-worker.sh":
		err = worker(ctx)
	case "hiveserver2-service.sh":
		err = hiveServer2(ctx)
	case "metastore-service.sh":
		say("Hive Metastore (stand-in): %s", strings.Join(os.Args[1:], " "))
		showToken(ctx)
		err = task(ctx, "schema initialization")
	case "entrypoint.sh":
		say("Spark executor %s (stand-in for %s %s)", os.Getenv("SPARK_EXECUTOR_ID"), os.Args[0], strings.Join(os.Args[1:], " "))
		showJars()
		err = task(ctx, "executor tasks")
	default:
		err = fmt.Errorf("run as run-worker.sh, hiveserver2-service.sh, metastore-service.sh or entrypoint.sh, not %q", role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stand-in:", err)
		os.Exit(1)
	}
}

func say(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// worker is Hive on MR3's ContainerWorker.
func worker(ctx context.Context) error {
	say("Hive on MR3 ContainerWorker %s (stand-in for run-worker.sh) in pod %s", os.Getenv("WORKER_ID"), os.Getenv("POD_NAME"))
	showJars()
	showToken(ctx)
	showATSKey()
	if fi, err := os.Stat("/opt/mr3-run/work-dir/log"); err == nil && fi.IsDir() {
		say("work dir: /opt/mr3-run/work-dir/log is there (made by init-work-dir)")
	}
	return task(ctx, "DAG task attempt_1_0001_0_00_000000_0")
}

// showJars lists the jars on SPARK_EXTRA_CLASSPATH with their size and
// sha256.
func showJars() {
	cp := os.Getenv("SPARK_EXTRA_CLASSPATH")
	if cp == "" {
		say("classpath: SPARK_EXTRA_CLASSPATH is empty")
	}
	for _, jar := range strings.Split(cp, ":") {
		if jar == "" {
			continue
		}
		n, sum, err := digest(jar)
		if err != nil {
			say("classpath: %s: %v", jar, err)
			continue
		}
		say("classpath: %s (%d bytes, sha256 %s)", jar, n, sum)
	}
}

func digest(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return n, hex.EncodeToString(h.Sum(nil)), err
}

// showToken says whether the token is mounted and who the API server
// takes it for.
func showToken(ctx context.Context) {
	token, err := os.ReadFile(filepath.Join(tokenDir, "token"))
	if err != nil {
		say("ServiceAccount token: none (%v)", err)
		return
	}
	ns, _ := os.ReadFile(filepath.Join(tokenDir, "namespace"))
	say("ServiceAccount token: %d bytes in %s (namespace %s)", len(token), tokenDir, ns)
	user, err := review(ctx, tokenDir)
	if err != nil {
		say("ServiceAccount token: the API server's review failed: %v", err)
		return
	}
	say("ServiceAccount token: the API server authenticates it as %s", user)
}

// showATSKey says whether ATS_SECRET_KEY is set, never its value.
func showATSKey() {
	if key := os.Getenv("ATS_SECRET_KEY"); key != "" {
		say("ATS_SECRET_KEY: set, %d bytes (value not shown)", len(key))
		return
	}
	say("ATS_SECRET_KEY: not set")
}

// task runs a stand-in task for taskTime.
func task(ctx context.Context, what string) error {
	say("running %s ...", what)
	select {
	case <-time.After(taskTime):
	case <-ctx.Done():
		return fmt.Errorf("%s interrupted: %w", what, context.Cause(ctx))
	}
	say("%s done", what)
	return nil
}
