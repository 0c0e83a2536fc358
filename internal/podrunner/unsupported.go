//go:build !linux

package podrunner

import (
	"errors"
	"io"
	"syscall"
)

var errUnsupported = errors.New("podrunner: only Linux is supported")

// MaybeRunInit does nothing outside Linux.
func MaybeRunInit() {}

// CheckSupport reports that containers cannot run outside Linux.
func CheckSupport() error { return errUnsupported }

type process struct{}

func startContainer(*plan, string, io.Writer, io.Writer) (*process, error) {
	return nil, errUnsupported
}

func (*process) pid() int                    { return 0 }
func (*process) signal(syscall.Signal)       {}
func (*process) wait() (int, syscall.Signal) { return -1, 0 }

func detachUnder(string) error { return nil }
