// Command detect: bin/detect CHAINCODE_SOURCE_DIR CHAINCODE_METADATA_DIR.
// Exit 0 when the package is a ccaas package, 1 otherwise.
package main

import (
	"fmt"
	"os"

	"isl/ccaasbuilder/builder"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: detect CHAINCODE_SOURCE_DIR CHAINCODE_METADATA_DIR")
		os.Exit(2)
	}
	ok, err := builder.Detect(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "detect:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}
