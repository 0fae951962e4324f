package integration

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berthdev/berth/tutorials"
)

// TestLessonSolutions: every lesson's reference solution, replayed by
// `lessons solve` on a fresh store, passes each step it can check from a
// shell; on a fresh store `lessons check` fails with the first step's
// hint; `lessons reset` removes what the lesson made and nothing else.
func TestLessonSolutions(t *testing.T) {
	all, err := tutorials.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range all {
		t.Run(l.Name, func(t *testing.T) {
			t.Parallel()
			store := tempStore(t)
			la := lessonAt(t.TempDir()) // no lesson progress of the machine's user
			okAt(t, store, "bootstrap")
			r := la(t, store, "lessons", "check", l.Name)
			if r.code != 1 || !strings.Contains(r.stdout, "hint: ") {
				t.Errorf("lessons check %s on a fresh store: want exit 1 and the first step's hint: %v", l.Name, r)
			}
			keep := okAt(t, store, "run", "-d", "--name", "bystander", "busybox", "sleep", "300")
			r = la(t, store, "lessons", "solve", "--json", l.Name)
			var rep struct {
				Steps []struct {
					Step   int
					Title  string
					Status string
				}
			}
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 {
				t.Fatalf("lessons solve %s: %v (%v)", l.Name, r, err)
			}
			if len(rep.Steps) != len(l.Steps) {
				t.Errorf("solve ran %d steps of %d", len(rep.Steps), len(l.Steps))
			}
			for _, s := range rep.Steps {
				if s.Status != "pass" && s.Status != "workbench" {
					t.Errorf("step %d %q: %s", s.Step, s.Title, s.Status)
				}
			}
			if r := la(t, store, "lessons", "reset", l.Name); r.code != 0 {
				t.Errorf("lessons reset: %v", r)
			}
			if got := okAt(t, store, "ps", "-aq", "--no-trunc"); got != keep {
				t.Errorf("lessons reset %s left or removed containers: %q, want only the bystander", l.Name, got)
			}
		})
	}
}

// TestTeacherLesson: a lesson from --lessons-dir is listed, checked and
// solved like the shipped ones; a broken one is one line with its file
// and line.
func TestTeacherLesson(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	la := lessonAt(t.TempDir())
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "50-volumes.md"), "---\ntitle: Data that outlives a container\nsummary: volumes\n---\n\n## Make a volume\n\nA volume is a directory berth manages.\n\n```sh\nberth volume create notes\n```\n\ncheck: volume notes\nhint: create it with the command above\n")
	if r := la(t, store, "lessons", "--lessons-dir", dir); !strings.Contains(r.stdout, "volumes") || !strings.Contains(r.stdout, "Data that outlives a container") {
		t.Errorf("lessons --lessons-dir lists: %v", r)
	}
	if r := la(t, store, "lessons", "--lessons-dir", dir, "solve", "volumes"); r.code != 0 {
		t.Errorf("solve of a teacher's lesson: %v", r)
	}
	writeFile(t, filepath.Join(dir, "60-broken.md"), "---\ntitle: T\nsummary: S\n---\n\n## S\n\nText.\n\ncheck: runing x\n")
	r := la(t, store, "lessons", "--lessons-dir", dir)
	if r.code == 0 || !strings.Contains(r.stderr, "60-broken.md: line 10: step 1") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("a broken teacher's lesson: %v", r)
	}
}

// lessonAt runs berth with XDG_CONFIG_HOME at cfg: lesson progress of the
// test's own.
func lessonAt(cfg string) func(t *testing.T, store string, args ...string) result {
	return func(t *testing.T, store string, args ...string) result {
		t.Helper()
		cmd := exec.Command(berthBin, append([]string{"--root", store}, args...)...)
		cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+cfg)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		r := result{stdout: out.String(), stderr: errb.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("berth %v: %v", args, err)
		}
		return r
	}
}
