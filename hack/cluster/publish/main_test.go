package main

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestForwardCopiesBothWaysAndPassesTheEnd checks one forwarded connection
// end to end on the loopback: what the client sends reaches the target, the
// client's end of sending reaches it too (the target answers only after it),
// and the answer comes back.
func TestForwardCopiesBothWaysAndPassesTheEnd(t *testing.T) {
	target := listen(t)
	go func() {
		c, err := target.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		got, _ := io.ReadAll(c) // until the client's end of sending
		_, _ = c.Write([]byte("pong:" + string(got)))
	}()
	front := listen(t)
	go func() {
		c, err := front.Accept()
		if err != nil {
			return
		}
		forward(c, target.Addr().String())
	}()

	c, err := net.Dial("tcp", front.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read the answer: %v (got %q)", err, got)
	}
	if string(got) != "pong:ping" {
		t.Fatalf("answer = %q, want %q", got, "pong:ping")
	}
}

// TestEnterRefusesNonLoopback: the published port is never on an address
// other hosts could reach.
func TestEnterRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:16443", ":16443", "192.0.2.1:16443", "localhost:16443"} {
		err := enter("/run/netns/none", addr, "127.0.0.1:6443")
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("enter(%q) = %v, want a refusal naming loopback", addr, err)
		}
	}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}
