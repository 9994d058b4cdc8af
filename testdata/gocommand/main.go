// Command gocommand is a plain WASI program, built with GOOS=wasip1 and
// knowing nothing of wasmplane. Its stdin selects what it prints.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	in, _ := io.ReadAll(os.Stdin)
	switch cmd := strings.TrimSpace(string(in)); cmd {
	case "args":
		fmt.Print(strings.Join(os.Args[1:], ","))
	case "env":
		fmt.Print(os.Getenv("GREETING"))
	case "read":
		b, err := os.ReadFile("/data/hello.txt")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(4)
		}
		fmt.Print(string(b))
	case "write":
		if err := os.WriteFile("/data/out.txt", []byte("x"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "write refused:", err)
			os.Exit(5)
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown command", cmd)
		os.Exit(3)
	}
}
