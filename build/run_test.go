package build

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/berthdev/berth/layers"
)

// A build step of a table case: files written into the context first,
// then Run with opts; the calls the interpreter made to the engine, in
// order, and what the resulting image holds.
type buildStep struct {
	files     map[string]string
	opts      func(*Options)
	setup     func(*fakeEngine, *Cache)
	wantCalls []string // nil: not checked
	wantErr   string
	wantCache int // steps reported "cached"
	check     func(*testing.T, *fakeEngine, *layers.Image)
}

func TestRunTable(t *testing.T) {
	base := layers.ImageConfig{Env: []string{"PATH=/bin"}, Cmd: []string{"sh"}}
	baseFiles := map[string]string{"etc/passwd": "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n", "etc/group": "root:x:0:\napp:x:1000:\n"}
	for _, tc := range []struct {
		name   string
		steps  []buildStep
		noBase bool
	}{
		{name: "metadata steps commit one image each, run nothing", steps: []buildStep{{
			files:     map[string]string{"Dockerfile": "FROM busybox\nENV A=1\nCMD [\"x\"]\n"},
			wantCalls: []string{"commit ENV A=1", `commit CMD ["x"]`, "tag t"},
			check: func(t *testing.T, f *fakeEngine, img *layers.Image) {
				if got := configJSON(img.Config); !strings.Contains(got, `"Env":["PATH=/bin","A=1"]`) || !strings.Contains(got, `"Cmd":["x"]`) {
					t.Errorf("config = %s", got)
				}
			},
		}}},
		{name: "a rebuild with no change runs and commits nothing", steps: []buildStep{
			{files: map[string]string{"Dockerfile": "FROM busybox\nCOPY a /a\nRUN make\nCMD [\"a\"]\n", "a": "1"}},
			{wantCalls: []string{"tag t"}, wantCache: 3},
		}},
		{name: "a changed COPY source reruns from that step on", steps: []buildStep{
			{files: map[string]string{"Dockerfile": "FROM busybox\nENV X=1\nCOPY a /a\nRUN make\n", "a": "1"}},
			{files: map[string]string{"a": "2"}, wantCache: 1,
				wantCalls: []string{"commit COPY a /a", "create make", "start", "commit RUN /bin/sh -c make", "remove", "tag t"},
				check: func(t *testing.T, f *fakeEngine, img *layers.Image) {
					if got := f.fileOf(img, "a"); got != "2" {
						t.Errorf("/a = %q, want 2", got)
					}
				}},
		}},
		{name: "a RUN's files are its layer", steps: []buildStep{{
			files: map[string]string{"Dockerfile": "FROM busybox\nRUN make\n"},
			setup: func(f *fakeEngine, _ *Cache) { f.runFiles["make"] = "out=built" },
			check: func(t *testing.T, f *fakeEngine, img *layers.Image) {
				if got := f.fileOf(img, "out"); got != "built" {
					t.Errorf("/out = %q", got)
				}
			},
		}}},
		{name: "a failing RUN fails the build and removes its container", steps: []buildStep{{
			files:     map[string]string{"Dockerfile": "FROM busybox\nRUN false\nCMD [\"x\"]\n"},
			setup:     func(f *fakeEngine, _ *Cache) { f.exit["false"] = 1 },
			wantCalls: []string{"create false", "start", "remove"},
			wantErr:   "step 2/3 RUN false: exit code 1",
		}}},
		{name: "a build arg the step sees is in its key and its environment", steps: []buildStep{
			{files: map[string]string{"Dockerfile": "FROM busybox\nARG V=1\nRUN make\n"}},
			{wantCache: 2, wantCalls: []string{"tag t"}},
			{opts: func(o *Options) { o.BuildArgs = map[string]string{"V": "2"} }, wantCache: 1, // the ARG step; the RUN sees V=2
				check: func(t *testing.T, f *fakeEngine, _ *layers.Image) {
					if !slices.Contains(f.lastEnv, "V=2") {
						t.Errorf("step env = %v, want V=2", f.lastEnv)
					}
				}},
		}},
		{name: "--no-cache reruns every step", steps: []buildStep{
			{files: map[string]string{"Dockerfile": "FROM busybox\nRUN make\n"}},
			{opts: func(o *Options) { o.NoCache = true }, wantCalls: []string{"create make", "start", "commit RUN /bin/sh -c make", "remove", "tag t"}},
		}},
		{name: "a cache entry whose image is gone is a miss", steps: []buildStep{
			{files: map[string]string{"Dockerfile": "FROM busybox\nENV A=1\n"}},
			{setup: func(f *fakeEngine, _ *Cache) {
				for id, img := range f.images {
					if len(img.History) > 0 && img.History[0].CreatedBy == "ENV A=1" {
						delete(f.images, id)
					}
				}
			}, wantCalls: []string{"commit ENV A=1", "tag t"}},
		}},
		{name: "a cache entry naming another image than its digest's is a miss", steps: []buildStep{
			{files: map[string]string{"Dockerfile": "FROM busybox\nENV A=1\n"}},
			{setup: func(f *fakeEngine, c *Cache) {
				names, _ := readNames(c.dir)
				for _, k := range names {
					_, d, _ := c.Get(k)
					c.Put(k, "sha256:0000", d)
				}
			}, wantCalls: []string{"commit ENV A=1", "tag t"}},
		}},
		{name: "--target builds only the stages it needs", steps: []buildStep{{
			files:     map[string]string{"Dockerfile": "FROM missing AS unused\nRUN x\nFROM busybox AS a\nENV A=1\nFROM a\nENV B=2\n"},
			opts:      func(o *Options) { o.Target = "a" },
			wantCalls: []string{"commit ENV A=1", "tag t"},
		}}},
		{name: "COPY --from reads the stage's root", steps: []buildStep{{
			files: map[string]string{"Dockerfile": "FROM busybox AS b\nRUN make\nFROM scratch\nCOPY --from=b /out /copied\n"},
			setup: func(f *fakeEngine, _ *Cache) { f.runFiles["make"] = "out=from-b" },
			check: func(t *testing.T, f *fakeEngine, img *layers.Image) {
				if got := f.fileOf(img, "copied"); got != "from-b" {
					t.Errorf("/copied = %q", got)
				}
			},
		}}},
		{name: "a cycle through COPY --from is refused before any step", steps: []buildStep{{
			files:     map[string]string{"Dockerfile": "FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nCOPY --from=a /y /y\n"},
			wantCalls: []string{},
			wantErr:   "circular dependency",
		}}},
		{name: "COPY --from an unknown stage number is refused", steps: []buildStep{{
			files:   map[string]string{"Dockerfile": "FROM busybox\nCOPY --from=3 /x /x\n"},
			wantErr: "COPY --from=3: unknown stage",
		}}},
		{name: "a missing base is pulled with the default policy", noBase: true, steps: []buildStep{{
			files: map[string]string{"Dockerfile": "FROM busybox\nENV A=1\n"},
			setup: func(f *fakeEngine, _ *Cache) {
				img := f.addBase("busybox", layers.ImageConfig{}, nil)
				delete(f.names, "busybox")
				delete(f.images, img.ID)
				f.registry["busybox"] = img
			},
			wantCalls: []string{"pull busybox", "commit ENV A=1", "tag t"},
		}}},
		{name: "--pull=never fails on a missing base without pulling", noBase: true, steps: []buildStep{{
			files:     map[string]string{"Dockerfile": "FROM busybox\nENV A=1\n"},
			opts:      func(o *Options) { o.Pull = "never" },
			wantCalls: []string{},
			wantErr:   "not found",
		}}},
		{name: "an ENTRYPOINT drops the CMD it inherits", steps: []buildStep{{
			files: map[string]string{"Dockerfile": "FROM busybox\nENTRYPOINT [\"e\"]\n"},
			check: func(t *testing.T, f *fakeEngine, img *layers.Image) {
				if img.Config.Cmd != nil || !slices.Equal(img.Config.Entrypoint, []string{"e"}) {
					t.Errorf("config = %s", configJSON(img.Config))
				}
			},
		}}},
		{name: "--chown by name reads the stage's /etc/passwd", steps: []buildStep{{
			files: map[string]string{"Dockerfile": "FROM busybox\nCOPY --chown=app a /a\n", "a": "1"},
			check: func(t *testing.T, f *fakeEngine, img *layers.Image) {
				if os.Geteuid() != 0 {
					return
				}
				st, err := os.Stat(filepath.Join(f.roots[img.ID], "a"))
				if err != nil || fileUID(st) != 1000 {
					t.Errorf("/a: %v uid %d, want 1000", err, fileUID(st))
				}
			},
		}}},
		{name: "--label adds a last step; tags name the result", steps: []buildStep{{
			files:     map[string]string{"Dockerfile": "FROM busybox\nENV A=1\n"},
			opts:      func(o *Options) { o.Labels = map[string]string{"k": "v"}; o.Tags = []string{"x", "y"} },
			wantCalls: []string{"commit ENV A=1", "commit LABEL k=v", "tag x", "tag y"},
			check: func(t *testing.T, f *fakeEngine, img *layers.Image) {
				if img.Config.Labels["k"] != "v" || f.names["x"] != img.ID || f.names["y"] != img.ID {
					t.Errorf("labels %v, x=%s y=%s, want %s", img.Config.Labels, f.names["x"], f.names["y"], img.ID)
				}
			},
		}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			if !tc.noBase {
				f.addBase("busybox", base, baseFiles)
			}
			cache, err := OpenCache(filepath.Join(t.TempDir(), "buildcache"))
			if err != nil {
				t.Fatal(err)
			}
			ctxDir := t.TempDir()
			for i, st := range tc.steps {
				for p, c := range st.files {
					if err := os.WriteFile(filepath.Join(ctxDir, p), []byte(c), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				if st.setup != nil {
					st.setup(f, cache)
				}
				o := Options{ContextDir: ctxDir, Tags: []string{"t"}}
				if st.opts != nil {
					st.opts(&o)
				}
				f.take()
				cached := 0
				img, err := Run(context.Background(), f, cache, o, func(e Event) {
					if e.Status == "cached" {
						cached++
					}
				})
				calls := f.take()
				if st.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), st.wantErr) {
						t.Fatalf("build %d: Run() = %v, want an error with %q", i, err, st.wantErr)
					}
				} else if err != nil {
					t.Fatalf("build %d: Run() = %v", i, err)
				}
				if st.wantCalls != nil && !slices.Equal(calls, st.wantCalls) && !(len(calls) == 0 && len(st.wantCalls) == 0) {
					t.Errorf("build %d: calls\n  %q\nwant\n  %q", i, calls, st.wantCalls)
				}
				if cached != st.wantCache {
					t.Errorf("build %d: %d steps cached, want %d", i, cached, st.wantCache)
				}
				if st.check != nil && err == nil {
					st.check(t, f, img)
				}
			}
		})
	}
}

func fileUID(st os.FileInfo) int {
	if st == nil {
		return -1
	}
	return int(st.Sys().(*syscall.Stat_t).Uid)
}
