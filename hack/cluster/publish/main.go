package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// inheritedFD is where the listening socket is when --inherit is set.
const inheritedFD = 3

func main() {
	netns := flag.String("netns", "", "network namespace `file` to dial from (required)")
	listen := flag.String("listen", "", "loopback `address` to listen on in this namespace (required)")
	to := flag.String("to", "", "`address` to connect to inside the namespace (required)")
	inherit := flag.Bool("inherit", false, "internal: serve the listener inherited on file descriptor 3")
	flag.Parse()
	log.SetPrefix("publish: ")
	if *to == "" || (!*inherit && (*netns == "" || *listen == "")) {
		log.Fatal("--netns, --listen and --to are required")
	}
	if *inherit {
		log.Fatal(serve(*to))
	}
	log.Fatal(enter(*netns, *listen, *to))
}

// enter listens on the loopback address and execs nsenter with the socket on
// file descriptor 3.
func enter(netns, listen, to string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--listen %q: want a loopback address such as 127.0.0.1:16443", listen)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	nsenter, err := exec.LookPath("nsenter")
	if err != nil {
		return fmt.Errorf("nsenter (util-linux): %w", err)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		return fmt.Errorf("listener file: %w", err)
	}
	// Dup3 without O_CLOEXEC: the socket survives the exec.
	if err := syscall.Dup3(int(f.Fd()), inheritedFD, 0); err != nil {
		return fmt.Errorf("dup listener: %w", err)
	}
	args := []string{"nsenter", "--net=" + netns, "--", self, "--inherit", "--to", to}
	return syscall.Exec(nsenter, args, os.Environ())
}

// serve accepts on the inherited socket and copies each connection to and
// from a connection to `to`, dialed inside the namespace.
func serve(to string) error {
	f := os.NewFile(inheritedFD, "listener")
	ln, err := net.FileListener(f)
	if err != nil {
		return fmt.Errorf("inherited listener: %w", err)
	}
	f.Close() // FileListener works on a copy.
	log.Printf("forwarding %s to %s", ln.Addr(), to)
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("accept: %w", err)
		}
		go forward(c, to)
	}
}

func forward(c net.Conn, to string) {
	defer c.Close()
	u, err := net.DialTimeout("tcp", to, 5*time.Second)
	if err != nil {
		log.Printf("dial %s: %v", to, err)
		return
	}
	defer u.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	pipe := func(dst, src net.Conn) {
		defer wg.Done()
		_, _ = io.Copy(dst, src)
		// Pass the end of one direction on; the other may still be sending.
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}
	go pipe(u, c)
	go pipe(c, u)
	wg.Wait()
}
