package component

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
)

// logWriter turns a guest's stdout or stderr into log lines. It keeps the
// last few lines so an error can quote them.
type logWriter struct {
	mu    sync.Mutex
	log   func() *slog.Logger // resolved on the first line: most guests never write
	level slog.Level
	attr  string
	part  []byte
	tail  []string
}

const maxTail = 5
const maxLine = 4096

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.part = append(w.part, p...)
			if len(w.part) > maxLine {
				w.emit()
			}
			break
		}
		w.part = append(w.part, p[:i]...)
		w.emit()
		p = p[i+1:]
	}
	return n, nil
}

// Lock should be held.
func (w *logWriter) emit() {
	line := string(w.part)
	w.part = w.part[:0]
	w.tail = append(w.tail, line)
	if len(w.tail) > maxTail {
		w.tail = w.tail[1:]
	}
	w.log().Log(context.Background(), w.level, line, slog.String("stream", w.attr))
}

// Flush logs a last unterminated line and returns the tail.
func (w *logWriter) Flush() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.part) > 0 {
		w.emit()
	}
	t := w.tail
	w.tail = nil
	return t
}
