package integration

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/berthdev/berth/internal/testutil"
)

// conformanceKnownFailures are the checks of the OCI conformance suite
// berth's registry fails, and why (README, "Registry conformance").
var conformanceKnownFailures = regexp.MustCompile(
	// distribution stores manifests by sha256 only: a manifest pushed by
	// its sha512 digest is refused (DIGEST_INVALID), so it cannot be read
	// by that digest either.
	`^OCI Conformance Test/sha512/(push|head|pull)/manifest-(by|head-by)-digest$`)

// junitSuites is the suite's junit.xml: a check's outcome is its status;
// the suite's own totals count repeated checks once per run.
type junitSuites struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Cases []struct {
			Name   string `xml:"name,attr"`
			Status string `xml:"status,attr"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestRegistryConformance runs the OCI distribution-spec conformance suite
// (pull, push, content discovery, content management, referrers, sha512)
// against `berth registry serve`. Every check
// must pass but those listed in conformanceKnownFailures.
func TestRegistryConformance(t *testing.T) {
	testutil.RequiresRoot(t)
	testutil.RequiresCommand(t, "go")
	work := t.TempDir()
	bin := filepath.Join(work, "conformance")
	build := exec.Command("go", "build", "-o", bin, "github.com/opencontainers/distribution-spec/conformance")
	build.Dir = "conformance"
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the conformance suite: %v\n%s", err, out)
	}
	// Without authentication: with it, each request costs a bcrypt
	// comparison (the suite took 97 s instead of 4 here) and the suite
	// leaves out its sha512 checks. TestRegistryAuthTLS covers users.
	reg := serveRegistry(t, filepath.Join(work, "reg"))
	results := filepath.Join(work, "results")
	run := exec.Command(bin)
	run.Dir = work
	run.Env = append(os.Environ(),
		"OCI_REGISTRY="+reg.addr, "OCI_TLS=disabled",
		"OCI_REPO1=conformance/repo1", "OCI_REPO2=conformance/repo2",
		"OCI_RESULTS_DIR="+results, "OCI_LOG=error")
	// Every API and data set is on by default (pull, push, content
	// discovery, content management, referrers, sha512); the legacy
	// OCI_TEST_* switches would turn the newer checks off.
	out, _ := run.CombinedOutput() // it exits 1 on any failure; the report says which
	data, err := os.ReadFile(filepath.Join(results, "junit.xml"))
	if err != nil {
		t.Fatalf("no junit report: %v\n%s", err, out)
	}
	var rep junitSuites
	if err := xml.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	var total, passed, skipped int
	var known, unexpected []string
	for _, s := range rep.Suites {
		for _, c := range s.Cases {
			total++
			switch {
			case c.Status == "skipped" || c.Status == "disabled":
				skipped++
			case c.Status == "passed":
				passed++
			case conformanceKnownFailures.MatchString(c.Name):
				known = append(known, c.Name)
			default:
				unexpected = append(unexpected, c.Name)
			}
		}
	}
	t.Logf("OCI conformance: %d checks, %d passed, %d failed (%d known), %d skipped; the suite's totals: %d run, %d failed, %d skipped",
		total, passed, len(known)+len(unexpected), len(known), skipped, rep.Tests, rep.Failures, rep.Skipped)
	if total < 500 || passed < total-skipped-len(known)-len(unexpected) {
		t.Errorf("report has %d checks, %d passed: not the full suite?\n%s", total, passed, out)
	}
	if len(unexpected) > 0 {
		t.Errorf("%d checks failed:\n%s\n\nsuite output:\n%s", len(unexpected), strings.Join(unexpected, "\n"), out)
	}
}
