package builder

import (
	"os"
	"path/filepath"
	"testing"
)

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o640); err != nil {
		t.Fatal(err)
	}
}

func TestDetectAcceptsOnlyCcaas(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "metadata.json"), `{"type":"ccaas","label":"x"}`)
	if ok, err := Detect(dir); err != nil || !ok {
		t.Fatalf("ccaas package not detected: %v %v", ok, err)
	}
	write(t, filepath.Join(dir, "metadata.json"), `{"type":"node","label":"x"}`)
	if ok, err := Detect(dir); err != nil || ok {
		t.Fatalf("node package detected as ccaas: %v %v", ok, err)
	}
}

func TestBuildAndReleasePlaceConnectionJSON(t *testing.T) {
	src, out, rel := t.TempDir(), t.TempDir(), t.TempDir()
	write(t, filepath.Join(src, "connection.json"), `{"address":"127.0.0.1:9999","dial_timeout":"10s","tls_required":true}`)
	write(t, filepath.Join(src, "META-INF", "statedb", "couchdb", "indexes", "i.json"), `{}`)
	if err := Build(src, out); err != nil {
		t.Fatal(err)
	}
	if err := Release(out, rel); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(rel, "chaincode", "server", "connection.json"))
	if err != nil || len(got) == 0 {
		t.Fatalf("released connection.json missing: %v", err)
	}
	if _, err := os.Stat(filepath.Join(rel, "statedb", "statedb", "couchdb", "indexes", "i.json")); err != nil {
		t.Fatalf("META-INF not released: %v", err)
	}
}

func TestBuildRejectsMissingAddress(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	write(t, filepath.Join(src, "connection.json"), `{"dial_timeout":"10s"}`)
	if err := Build(src, out); err == nil {
		t.Fatal("a connection.json without address was accepted")
	}
}

func TestBuildFillsPlaceholdersFromThePeersConfig(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	write(t, filepath.Join(src, "connection.json"), `{"address":"{{.address}}","dial_timeout":"10s"}`)
	t.Setenv(ConfigEnv, `{"address":"127.0.0.1:7023"}`)
	if err := Build(src, out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out, "connection.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"address":"127.0.0.1:7023","dial_timeout":"10s"}` {
		t.Fatalf("placeholder not filled: %s", got)
	}
}
