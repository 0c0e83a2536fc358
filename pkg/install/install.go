package install

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Exit codes returned by Main.
const (
	ExitOK       = 0
	ExitBadInput = 10
	ExitLocalIO  = 14
)

// BinaryName is the file name the agent is installed under.
const BinaryName = "agent"

// BinaryMode is the mode of the installed file: read and execute for all.
const BinaryMode fs.FileMode = 0o555

// Result reports what Install did.
type Result struct {
	// Path is the installed file, DIR/agent.
	Path string
	// Changed is false when the target already had identical content.
	Changed bool
}

// Install copies the file at source to dir/agent atomically, doing nothing
// if the target already holds identical bytes.
func Install(source, dir string) (Result, error) {
	target := filepath.Join(dir, BinaryName)
	result := Result{Path: target}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return result, fmt.Errorf("create %s: %w", dir, err)
	}
	identical, err := sameContent(source, target)
	if err != nil {
		return result, err
	}
	if identical {
		return result, ensureMode(target)
	}
	if err := copyAtomically(source, target); err != nil {
		return result, err
	}
	result.Changed = true
	return result, nil
}

// sameContent reports whether target exists and has the bytes of source.
func sameContent(source, target string) (bool, error) {
	targetInfo, err := os.Stat(target)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", target, err)
	}
	sourceInfo, err := os.Stat(source)
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", source, err)
	}
	if !targetInfo.Mode().IsRegular() || targetInfo.Size() != sourceInfo.Size() {
		return false, nil
	}
	if os.SameFile(sourceInfo, targetInfo) {
		return true, nil
	}
	sourceFile, err := os.Open(source)
	if err != nil {
		return false, fmt.Errorf("open %s: %w", source, err)
	}
	defer sourceFile.Close()
	targetFile, err := os.Open(target)
	if err != nil {
		return false, fmt.Errorf("open %s: %w", target, err)
	}
	defer targetFile.Close()
	return readersEqual(sourceFile, targetFile)
}

// readersEqual compares two streams chunk by chunk.
func readersEqual(first, second io.Reader) (bool, error) {
	const chunkSize = 256 << 10
	firstChunk := make([]byte, chunkSize)
	secondChunk := make([]byte, chunkSize)
	for {
		firstCount, firstErr := io.ReadFull(first, firstChunk)
		secondCount, secondErr := io.ReadFull(second, secondChunk)
		if !bytes.Equal(firstChunk[:firstCount], secondChunk[:secondCount]) {
			return false, nil
		}
		firstDone := errors.Is(firstErr, io.EOF) || errors.Is(firstErr, io.ErrUnexpectedEOF)
		secondDone := errors.Is(secondErr, io.EOF) || errors.Is(secondErr, io.ErrUnexpectedEOF)
		if firstErr != nil && !firstDone {
			return false, fmt.Errorf("compare: %w", firstErr)
		}
		if secondErr != nil && !secondDone {
			return false, fmt.Errorf("compare: %w", secondErr)
		}
		if firstDone || secondDone {
			return firstDone && secondDone, nil
		}
	}
}

// ensureMode sets BinaryMode on an already-installed identical file.
func ensureMode(target string) error {
	info, err := os.Stat(target)
	if err != nil {
		return fmt.Errorf("stat %s: %w", target, err)
	}
	if info.Mode().Perm() == BinaryMode {
		return nil
	}
	if err := os.Chmod(target, BinaryMode); err != nil {
		return fmt.Errorf("chmod %s: %w", target, err)
	}
	return nil
}

// copyAtomically writes source to a temporary file next to target, fsyncs
// it, sets BinaryMode, renames it over target and fsyncs the directory.
func copyAtomically(source, target string) (err error) {
	sourceFile, err := os.Open(source)
	if err != nil {
		return fmt.Errorf("open %s: %w", source, err)
	}
	defer sourceFile.Close()
	dir := filepath.Dir(target)
	temp, err := os.CreateTemp(dir, "."+BinaryName+"-*.tmp")
	if err != nil {
		return fmt.Errorf("create temporary file in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			_ = temp.Close()
			_ = os.Remove(temp.Name())
		}
	}()
	if _, err = io.Copy(temp, sourceFile); err != nil {
		return fmt.Errorf("copy %s to %s: %w", source, temp.Name(), err)
	}
	if err = temp.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", temp.Name(), err)
	}
	if err = temp.Chmod(BinaryMode); err != nil {
		return fmt.Errorf("chmod %s: %w", temp.Name(), err)
	}
	if err = temp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", temp.Name(), err)
	}
	if err = os.Rename(temp.Name(), target); err != nil {
		return fmt.Errorf("rename to %s: %w", target, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	handle, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer handle.Close()
	if err := handle.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}
