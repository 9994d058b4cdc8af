package manifest

import (
	"fmt"
	"os"
	"path/filepath"
)

// Load reads the manifest at path, which is a manifest file or a directory
// holding [FileName], and returns it like [Parse] does, with File set to the
// file read and Dir to its absolute directory.
//
// Beyond what Parse checks, Load checks the file system: each module must be
// a file, each source and preopen host a directory. Those errors name the
// path as written and as resolved.
//
// # Errors
//
// A manifest that cannot be read gives the error from the os package,
// wrapped; one that is invalid gives an [ErrorList] that matches
// [ErrInvalid].
func Load(path string) (*Manifest, error) {
	file := path
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		file = filepath.Join(path, FileName)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	dir, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	m, src, errs := parse(data, file)
	if m != nil {
		m.Dir = dir
		v := validator{src: src, file: file}
		v.files(m)
		errs = append(errs, v.errs...)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return m, nil
}

// files checks that the paths in m name what they should. Components whose
// kind does not take a path are skipped: the validator has said so already.
func (v *validator) files(m *Manifest) {
	for i, c := range m.Components {
		p := indexPath("components", i)
		if c.Kind != KindWasm && c.Kind != KindWASICommand {
			continue
		}
		if c.Module != "" {
			v.path(m, p+".module", "module", c.Module, false)
		}
		if c.Source != "" {
			v.path(m, p+".source", "source", c.Source, true)
		}
		if c.Kind != KindWASICommand {
			continue
		}
		for j, po := range c.Preopens {
			if po.Host != "" {
				v.path(m, indexPath(p+".preopens", j)+".host", "preopen host", po.Host, true)
			}
		}
	}
}

// path checks that the path written at field names a directory (dir) or a
// file.
func (v *validator) path(m *Manifest, field, label, written string, dir bool) {
	resolved := m.Resolve(written)
	info, err := os.Stat(resolved)
	switch {
	case os.IsNotExist(err):
		v.errorf(field, "%s %q does not exist (resolved to %s)", label, written, resolved)
	case err != nil:
		v.errorf(field, "%s %q cannot be read (resolved to %s): %v", label, written, resolved, err)
	case dir && !info.IsDir():
		v.errorf(field, "%s %q is not a directory (resolved to %s)", label, written, resolved)
	case !dir && info.IsDir():
		v.errorf(field, "%s %q is a directory, not a .wasm file (resolved to %s)", label, written, resolved)
	}
}
