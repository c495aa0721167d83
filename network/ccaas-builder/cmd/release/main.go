// Command release: bin/release BUILD_OUTPUT_DIR RELEASE_OUTPUT_DIR.
package main

import (
	"fmt"
	"os"

	"isl/ccaasbuilder/builder"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: release BUILD_OUTPUT_DIR RELEASE_OUTPUT_DIR")
		os.Exit(2)
	}
	if err := builder.Release(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}
