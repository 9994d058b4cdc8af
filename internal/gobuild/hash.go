package gobuild

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// sdkModule is the module holding the Go guest SDK; sdkDir is the SDK's
// directory in it.
const (
	sdkModule = "github.com/wasmplane/wasmplane"
	sdkDir    = "guest/go"
)

// Environment variables that change what go build produces for the same
// sources, beyond GOOS and GOARCH.
var hashedEnv = []string{"GOFLAGS", "GOWASM", "GOEXPERIMENT", "CGO_ENABLED"}

// inputHash hashes everything that determines the module built from srcDir:
//   - every .go, go.mod and go.sum file under srcDir (sorted relative paths
//     and contents);
//   - go.mod and go.sum of the enclosing module;
//   - if that module is the wasmplane module, the non-test .go files of its
//     guest/go directory, since most guests import the SDK from there;
//   - the Go version, target, build flags and hashedEnv.
//
// Other local packages the guest imports from its module are not hashed.
func inputHash(srcDir, goVersion string, flags []string) (string, error) {
	h := sha256.New()
	field(h, "wasmplane-gobuild-v1")
	field(h, goVersion)
	field(h, targetOS+"/"+targetArch)
	for _, f := range flags {
		field(h, "flag="+f)
	}
	for _, k := range hashedEnv {
		field(h, k+"="+os.Getenv(k))
	}
	if err := hashTree(h, "src", srcDir, isSourceFile); err != nil {
		return "", err
	}
	if root, ok := moduleRoot(srcDir); ok {
		for _, name := range []string{"go.mod", "go.sum"} {
			if err := hashFile(h, "mod/"+name, filepath.Join(root, name)); err != nil && !os.IsNotExist(err) {
				return "", err
			}
		}
		sdk := filepath.Join(root, filepath.FromSlash(sdkDir))
		if modulePath(filepath.Join(root, "go.mod")) == sdkModule {
			// Its tests do not go into the module.
			isGo := func(name string) bool {
				return strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go")
			}
			if err := hashTree(h, "sdk", sdk, isGo); err != nil && !os.IsNotExist(err) {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func isSourceFile(name string) bool {
	return strings.HasSuffix(name, ".go") || name == "go.mod" || name == "go.sum"
}

// hashTree hashes the files under dir accepted by keep, in sorted order of
// their slash-separated paths relative to dir. It skips .git.
func hashTree(h hash.Hash, prefix, dir string, keep func(string) bool) error {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() && keep(d.Name()) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	rel := func(p string) string {
		r, _ := filepath.Rel(dir, p)
		return filepath.ToSlash(r)
	}
	slices.SortFunc(files, func(a, b string) int { return strings.Compare(rel(a), rel(b)) })
	for _, p := range files {
		if err := hashFile(h, prefix+"/"+rel(p), p); err != nil {
			return err
		}
	}
	return nil
}

// hashFile adds name and the file's contents, both length-prefixed so that
// no two different inputs produce the same byte stream.
func hashFile(h hash.Hash, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	field(h, name)
	fmt.Fprintf(h, "%d:", fi.Size())
	n, err := io.Copy(h, f)
	if err == nil && n != fi.Size() {
		err = fmt.Errorf("%s changed while being hashed", path)
	}
	return err
}

func field(h hash.Hash, s string) { fmt.Fprintf(h, "%d:%s", len(s), s) }

// moduleRoot returns the nearest directory at or above dir with a go.mod.
func moduleRoot(dir string) (string, bool) {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// modulePath returns the module path declared in the go.mod file, or "".
func modulePath(gomod string) string {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "//")
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "module"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}
