// Package manifest reads, checks and describes wasmplane.json, the file that
// describes a wasmplane app: its components, how they are linked, their
// limits and mailboxes.
//
// # Basics
//
// [Load] reads a manifest from a file or from a directory that holds
// wasmplane.json; [Parse] decodes one from bytes. Both return a [Manifest]
// whose every field holds its effective value: absent fields are filled with
// the documented defaults, so callers never apply defaults themselves.
//
// Decoding is strict. Unknown fields (outside a component's config and the
// reserved sections), wrong JSON types, duplicate keys, missing required
// fields, out-of-range values and links to unknown components are all errors.
// They are collected rather than reported one at a time: the returned error
// is an [ErrorList], and each [Error] in it names the file, the JSON path
// (components[2].mailbox.overflow), the line and column, what was wrong and
// what is expected.
//
// The JSON Schema in schema.json (draft 2020-12) describes the same format
// for editors; a test keeps its property names in step with the decoder.
//
// # Caveats
//
// Columns count Unicode code points from the start of the line, starting at
// 1, as editors do; a leading UTF-8 byte order mark is skipped. Objects and
// arrays may nest at most 64 levels deep, config included.
package manifest
