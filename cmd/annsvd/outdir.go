package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// checkOut checks, before anything runs, that the outputs could be written to dir:
// dir is a writable directory, or it does not exist and its nearest existing ancestor
// is a writable directory. It creates nothing, so a run that is refused or fails before
// its outputs are written leaves no -out directory behind ("" is accepted: no output).
func checkOut(dir string) error { return checkDirFlag("out", dir) }

// checkDirFlag is checkOut for the directory given to the flag -name.
func checkDirFlag(name, dir string) error {
	if dir == "" {
		return nil
	}
	at := filepath.Clean(dir)
	for {
		fi, err := os.Stat(at)
		if err == nil {
			if !fi.IsDir() {
				if at == filepath.Clean(dir) {
					return usageError{fmt.Errorf("-%s %s exists and is not a directory", name, dir)}
				}
				return usageError{fmt.Errorf("-%s %s: %s is not a directory", name, dir, at)}
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("-%s %s: %v", name, dir, unwrapPathErr(err))
		}
		up := filepath.Dir(at)
		if up == at {
			return fmt.Errorf("-%s %s: no existing parent directory", name, dir)
		}
		at = up
	}
	probe, err := os.CreateTemp(at, ".annsvd-write-test-*")
	if err != nil {
		return fmt.Errorf("-%s %s is not writable: %v", name, dir, unwrapPathErr(err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// outFile is one output file: its name inside the -out directory and its writer.
type outFile struct {
	name  string
	write func(path string) error
}

// writeOut creates dir (and its missing parents) and writes files in order. When one
// fails, the files already written and the directories writeOut created are removed,
// so a failed write (a full disk, say) leaves nothing behind. It returns the paths
// written.
func writeOut(dir string, files ...outFile) ([]string, error) {
	var missing []string
	for at := filepath.Clean(dir); ; {
		if _, err := os.Stat(at); err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
		missing = append(missing, at)
		up := filepath.Dir(at)
		if up == at {
			break
		}
		at = up
	}
	var created, wrote []string
	undo := func() {
		for _, p := range wrote {
			os.RemoveAll(p) // a file, or a directory such as model/ that writeOut made
		}
		for _, d := range created {
			os.Remove(d) // only removes it while empty
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			undo()
			return nil, fmt.Errorf("-out %s: %v", dir, unwrapPathErr(err))
		}
		created = append([]string{missing[i]}, created...)
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := f.write(p); err != nil {
			undo()
			return nil, err
		}
		wrote = append(wrote, p)
	}
	return wrote, nil
}

// writeOutJSON writes v as DIR/name (nothing when dir is "") and says so on stdout.
func writeOutJSON(stdout io.Writer, dir, name string, v any) error {
	if dir == "" {
		return nil
	}
	wrote, err := writeOut(dir, outFile{name, func(p string) error { return writeJSON(p, v) }})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", wrote[0])
	return nil
}

// unwrapPathErr drops the path an *fs.PathError repeats (the message names it already).
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
