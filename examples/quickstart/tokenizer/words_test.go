package main

import (
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		line string
		want []string
	}{
		{"empty", "", nil},
		{"spaces", "  \t ", nil},
		{"simple", "the quick fox", []string{"the", "quick", "fox"}},
		{"punctuation", "Hello, world! (again)", []string{"Hello", "world", "again"}},
		{"apostrophe", "don't stop", []string{"don't", "stop"}},
		{"digits", "route 66b", []string{"route", "66b"}},
		{"non-ascii separates", "caf\u00e9bar na\u00efve", []string{"caf", "bar", "na", "ve"}},
		{"edges", "'quoted'", []string{"'quoted'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, w := range split([]byte(tt.line)) {
				got = append(got, string(w))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("split(%q) = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}

func TestLower(t *testing.T) {
	if got := string(lower([]byte("Don'T-42X"))); got != "don't-42x" {
		t.Errorf("lower = %q", got)
	}
}
