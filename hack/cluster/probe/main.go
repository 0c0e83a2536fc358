package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/selfreview"
)

func main() {
	dir := flag.String("dir", "/var/run/secrets/kubernetes.io/serviceaccount", "directory of the mounted token and ca.crt")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	user, err := selfreview.Review(ctx, selfreview.InClusterServer(), *dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
	out, _ := json.Marshal(map[string]any{"probe": "selfsubjectreview", "username": user.Username, "groups": user.Groups})
	fmt.Println(string(out))
}
