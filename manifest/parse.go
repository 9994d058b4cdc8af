package manifest

import "path/filepath"

// Parse decodes and validates a manifest from data, applies its defaults and
// returns it. file names the manifest in errors; Dir is set to its
// directory ("" when file is ""), so relative paths resolve against it.
// Parse does not look at the file system; [Load] does.
//
// # Errors
//
// Every problem found is reported, as an [ErrorList] that matches
// [ErrInvalid]. Malformed JSON gives a single error.
func Parse(data []byte, file string) (*Manifest, error) {
	m, _, errs := parse(data, file)
	if err := errs.err(); err != nil {
		return nil, err
	}
	return m, nil
}

// parse returns the manifest decoded from data, the source that locates its
// values, and the problems found. m is nil only for malformed JSON.
func parse(data []byte, file string) (m *Manifest, src *source, errs ErrorList) {
	src = newSource(file, data)
	root, serr := parseJSON(src)
	if serr != nil {
		line, col := src.position(serr.off)
		return nil, src, ErrorList{{File: file, Line: line, Column: col, Msg: serr.msg}}
	}
	m = &Manifest{File: file}
	if file != "" {
		m.Dir = filepath.Dir(file)
	}
	d := decoder{src: src}
	src.locs[""] = loc{-1, root.off}
	d.duplicates(root, "")
	decodeObject(&d, root, "", "manifest", manifestFields, m)
	v := validator{src: src, file: file}
	v.manifest(m)
	errs = append(d.errs, v.errs...)
	if len(errs) == 0 {
		m.SetDefaults()
	}
	return m, src, errs
}
