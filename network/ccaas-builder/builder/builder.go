// Package builder implements Fabric's external-builder contract for chaincode
// that runs as a service ("ccaas"): the peer hands it a package whose code is
// only a connection.json, and it tells the peer where the chaincode server
// listens. See Fabric's docs, "External Builders and Launchers" and
// "Chaincode as an external service".
//
// Fabric ships such a builder as the nested Go module
// github.com/hyperledger/fabric/ccaas_builder, but the module proxy this project
// builds from does not serve that module (see docs/operations.md), so the
// network uses this implementation of the same three commands.
package builder

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Type is the package type this builder accepts (metadata.json "type").
const Type = "ccaas"

type metadata struct {
	Type string `json:"type"`
}

// Connection is the part of connection.json the peer needs to dial the server.
type Connection struct {
	Address     string `json:"address"`
	DialTimeout string `json:"dial_timeout"`
	TLSRequired bool   `json:"tls_required"`
}

// Detect reports whether the package in metadataDir is a ccaas package.
func Detect(metadataDir string) (bool, error) {
	raw, err := os.ReadFile(filepath.Join(metadataDir, "metadata.json"))
	if err != nil {
		return false, fmt.Errorf("reading metadata.json: %w", err)
	}
	var m metadata
	if err := json.Unmarshal(raw, &m); err != nil {
		return false, fmt.Errorf("parsing metadata.json: %w", err)
	}
	return m.Type == Type, nil
}

// ConfigEnv names the variable a peer passes to the builder (core.yaml
// propagateEnvironment) with values for connection.json's {{.key}} placeholders,
// so peers that install one package can each reach their own chaincode server.
const ConfigEnv = "CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG"

// Build checks the package's connection.json, fills its placeholders from
// ConfigEnv, and writes it, and any META-INF (CouchDB indexes), into the build output.
func Build(sourceDir, outputDir string) error {
	src := filepath.Join(sourceDir, "connection.json")
	raw, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("the package has no connection.json: %w", err)
	}
	raw, err = fill(raw, os.Getenv(ConfigEnv))
	if err != nil {
		return err
	}
	var c Connection
	if err := json.Unmarshal(raw, &c); err != nil {
		return fmt.Errorf("parsing connection.json: %w", err)
	}
	if c.Address == "" {
		return errors.New("connection.json: address is required")
	}
	if err := os.WriteFile(filepath.Join(outputDir, "connection.json"), raw, 0o640); err != nil {
		return err
	}
	return copyTreeIfPresent(filepath.Join(sourceDir, "META-INF"), filepath.Join(outputDir, "META-INF"))
}

// Release puts connection.json where the peer looks for a chaincode server
// (chaincode/server/connection.json) and META-INF under statedb.
func Release(buildDir, releaseDir string) error {
	if err := copyTreeIfPresent(filepath.Join(buildDir, "META-INF"), filepath.Join(releaseDir, "statedb")); err != nil {
		return err
	}
	server := filepath.Join(releaseDir, "chaincode", "server")
	if err := os.MkdirAll(server, 0o750); err != nil {
		return err
	}
	return copyFile(filepath.Join(buildDir, "connection.json"), filepath.Join(server, "connection.json"))
}

// fill replaces each {{.key}} with the value of key in the JSON object config.
func fill(raw []byte, config string) ([]byte, error) {
	if config == "" {
		return raw, nil
	}
	var values map[string]string
	if err := json.Unmarshal([]byte(config), &values); err != nil {
		return nil, fmt.Errorf("%s is not a JSON object of strings: %w", ConfigEnv, err)
	}
	out := string(raw)
	for k, v := range values {
		quoted, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		// The value lands inside a JSON string: escape it as JSON does, minus the quotes.
		out = strings.ReplaceAll(out, "{{."+k+"}}", string(quoted[1:len(quoted)-1]))
	}
	return []byte(out), nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o750); err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func copyTreeIfPresent(from, to string) error {
	if _, err := os.Stat(from); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o750)
		}
		return copyFile(path, filepath.Join(to, rel))
	})
}
