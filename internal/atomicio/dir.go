package atomicio

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// BadDirError is a directory argument that cannot be used as given (it is a file, say):
// a usage error rather than a failure of the machine.
type BadDirError struct{ Msg string }

func (e BadDirError) Error() string { return e.Msg }

// CheckDir checks, before anything runs, that outputs could be written to dir, the
// value of flag -name: dir is a writable directory, or it does not exist and its nearest
// existing ancestor is a writable directory. It creates nothing, so a run that is
// refused or fails before its outputs are written leaves no directory behind ("" is
// accepted: no output). A dir that is not a directory gives a BadDirError.
func CheckDir(name, dir string) error {
	if dir == "" {
		return nil
	}
	at := filepath.Clean(dir)
	for {
		fi, err := os.Stat(at)
		if err == nil {
			if !fi.IsDir() {
				if at == filepath.Clean(dir) {
					return BadDirError{fmt.Sprintf("-%s %s exists and is not a directory", name, dir)}
				}
				return BadDirError{fmt.Sprintf("-%s %s: %s is not a directory", name, dir, at)}
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("-%s %s: %v", name, dir, UnwrapPathErr(err))
		}
		up := filepath.Dir(at)
		if up == at {
			return fmt.Errorf("-%s %s: no existing parent directory", name, dir)
		}
		at = up
	}
	probe, err := os.CreateTemp(at, ".annsvd-write-test-*")
	if err != nil {
		return fmt.Errorf("-%s %s is not writable: %v", name, dir, UnwrapPathErr(err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// File is one output file: its name inside the output directory and its writer.
type File struct {
	Name  string
	Write func(path string) error
}

// WriteDir creates dir (and its missing parents) and writes files in order. When one
// fails, the files already written and the directories WriteDir created are removed,
// so a failed write (a full disk, say) leaves nothing behind. It returns the paths
// written.
func WriteDir(dir string, files ...File) ([]string, error) {
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
			os.RemoveAll(p) // a file, or a directory such as model/ that WriteDir made
		}
		for _, d := range created {
			os.Remove(d) // only removes it while empty
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			undo()
			return nil, fmt.Errorf("-out %s: %v", dir, UnwrapPathErr(err))
		}
		created = append([]string{missing[i]}, created...)
	}
	for _, f := range files {
		p := filepath.Join(dir, f.Name)
		if err := f.Write(p); err != nil {
			undo()
			return nil, err
		}
		wrote = append(wrote, p)
	}
	return wrote, nil
}

// UnwrapPathErr drops the path an *fs.PathError repeats (the message names it already).
func UnwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// WriteJSON writes v as indented JSON (and a final newline) to path, atomically.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return WriteFile(path, append(b, '\n'))
}

// StageDir checks, before any work, that dir (the value of flag -name) is missing or an
// empty directory with a writable parent, and creates the temporary directory (in the
// parent) that the outputs are written to; CommitDir then renames it to dir, so that dir
// appears complete or not at all.
func StageDir(name, dir string) (tmp string, err error) {
	dir = filepath.Clean(dir)
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return "", BadDirError{fmt.Sprintf("-%s %s exists and is not a directory", name, dir)}
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return "", fmt.Errorf("-%s %s: cannot read: %v", name, dir, err)
		}
		if len(ents) > 0 {
			return "", BadDirError{fmt.Sprintf("-%s %s is not empty (%d entries): give a new or empty directory", name, dir, len(ents))}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("-%s %s: %v", name, dir, err)
	}
	parent := filepath.Dir(dir)
	if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
		return "", BadDirError{fmt.Sprintf("-%s %s: parent directory %s does not exist", name, dir, parent)}
	}
	tmp, err = os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("-%s %s is not writable: %v", name, dir, UnwrapPathErr(err))
	}
	return tmp, nil
}

// CommitDir makes the staged directory tmp (StageDir) the directory dir, readable by all.
func CommitDir(tmp, dir string) error {
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	dir = filepath.Clean(dir)
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) { // empty, checked by StageDir
		return fmt.Errorf("%s: %v", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("%s: %v", dir, err)
	}
	return nil
}
