package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/timeline/timelinetest"
)

func main() {
	addr := flag.String("addr", ":8188", "address to listen on")
	flag.Parse()
	secret := os.Getenv("ATS_SECRET_KEY")
	if secret == "" {
		fmt.Fprintln(os.Stderr, "timeline: ATS_SECRET_KEY is empty: every request is accepted")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, secret); err != nil {
		fmt.Fprintln(os.Stderr, "timeline:", err)
		os.Exit(1)
	}
}

// serve serves the Timeline Server until ctx ends.
func serve(ctx context.Context, addr, secret string) error {
	h := timelinetest.NewHandler(timelinetest.Options{Secret: secret})
	srv := &http.Server{Addr: addr, Handler: logged(h), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Printf("timeline: serving ATS v1 on %s, delegation tokens checked against ATS_SECRET_KEY: %v\n", addr, secret != "")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// logged logs each request's method, path and answer.
func logged(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &status{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		fmt.Printf("timeline: %s %s -> %d\n", r.Method, r.URL.Path, rec.code)
	})
}

type status struct {
	http.ResponseWriter
	code int
}

func (s *status) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}
