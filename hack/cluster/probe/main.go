package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	dir := flag.String("dir", "/var/run/secrets/kubernetes.io/serviceaccount", "directory of the mounted token and ca.crt")
	flag.Parse()
	host := os.Getenv("KUBERNETES_SERVICE_HOST")
	port := os.Getenv("KUBERNETES_SERVICE_PORT_HTTPS")
	if port == "" {
		port = os.Getenv("KUBERNETES_SERVICE_PORT")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	user, err := review(ctx, "https://"+net.JoinHostPort(host, port), *dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
	out, _ := json.Marshal(map[string]any{"probe": "selfsubjectreview", "username": user.Username, "groups": user.Groups})
	fmt.Println(string(out))
}

// userInfo is the part of a SelfSubjectReview's status the probe prints
// (authentication.k8s.io/v1 UserInfo).
type userInfo struct {
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
}

// review posts a SelfSubjectReview to server with the token in dir.
func review(ctx context.Context, server, dir string) (userInfo, error) {
	var none userInfo
	token, err := os.ReadFile(filepath.Join(dir, "token"))
	if err != nil {
		return none, err
	}
	ca, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		return none, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return none, errors.New("no certificate in ca.crt")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	body := []byte(`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, server+"/apis/authentication.k8s.io/v1/selfsubjectreviews", bytes.NewReader(body))
	if err != nil {
		return none, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	resp, err := client.Do(req)
	if err != nil {
		return none, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return none, err
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return none, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(b))
	}
	var r struct {
		Status struct {
			UserInfo userInfo `json:"userInfo"`
		} `json:"status"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return none, fmt.Errorf("decoding the review: %w", err)
	}
	return r.Status.UserInfo, nil
}
