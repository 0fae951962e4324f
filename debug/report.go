package debug

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	units "github.com/docker/go-units"
)

// Report is the crash report of a container: how it ended and what it
// left behind.
type Report struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	Image        string        `json:"image"`
	Command      string        `json:"command"`
	Status       string        `json:"status"`
	ExitCode     int           `json:"exitCode"`
	Meaning      string        `json:"meaning"` // ExitMeaning's words
	Signal       string        `json:"signal,omitempty"`
	OOMKilled    bool          `json:"oomKilled"`
	Error        string        `json:"error,omitempty"` // why berth could not start it
	StartedAt    time.Time     `json:"startedAt"`
	FinishedAt   time.Time     `json:"finishedAt"`
	Ran          time.Duration `json:"ran"`
	RestartCount int           `json:"restartCount"`
	MemoryLimit  int64         `json:"memoryLimit"` // bytes; 0 for none
	// MemoryPeak is the high-water mark of its memory cgroup, 0 when not
	// known (read while running; recorded at exit only if the shim kept it).
	MemoryPeak uint64        `json:"memoryPeak"`
	LastLogs   []LogLine     `json:"lastLogs"`
	Changes    ChangeSummary `json:"changes"`
}

// LogLine is one line of the container's output.
type LogLine struct {
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
	Text   string    `json:"text"`
}

// ChangeSummary counts what the container changed in its image's files,
// and names the first few changes ("A /tmp/out").
type ChangeSummary struct {
	Added    int      `json:"added"`
	Modified int      `json:"modified"`
	Removed  int      `json:"removed"`
	First    []string `json:"first"`
}

// WriteText prints the report for a person.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 4, 1, 2, ' ', 0)
	row := func(k, f string, a ...any) { fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(f, a...)) }
	row("container", "%s (%s)", r.Name, short(r.ID))
	row("image", "%s", r.Image)
	row("command", "%s", r.Command)
	row("status", "%s", r.Status)
	row("exit code", "%d: %s", r.ExitCode, r.Meaning)
	if r.Signal != "" {
		row("signal", "%s", r.Signal)
	}
	row("OOM killed", "%s", map[bool]string{true: "yes", false: "no"}[r.OOMKilled])
	if r.Error != "" {
		row("error", "%s", r.Error)
	}
	if !r.StartedAt.IsZero() {
		row("started", "%s", r.StartedAt.Local().Format(time.RFC3339))
	}
	if !r.FinishedAt.IsZero() {
		row("finished", "%s (ran %s)", r.FinishedAt.Local().Format(time.RFC3339), r.Ran.Round(time.Millisecond))
	}
	row("restarts", "%d", r.RestartCount)
	row("memory", "%s", r.memory())
	row("file changes", "%d added, %d changed, %d deleted", r.Changes.Added, r.Changes.Modified, r.Changes.Removed)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range r.Changes.First {
		fmt.Fprintf(w, "  %s\n", c)
	}
	if n := r.Changes.Added + r.Changes.Modified + r.Changes.Removed - len(r.Changes.First); n > 0 {
		fmt.Fprintf(w, "  ... and %d more (berth diff %s)\n", n, r.Name)
	}
	fmt.Fprintf(w, "last %d log lines:\n", len(r.LastLogs))
	for _, l := range r.LastLogs {
		fmt.Fprintf(w, "  %s %s\n", strings.ToUpper(strings.TrimPrefix(l.Stream, "std")), l.Text)
	}
	return nil
}

func (r *Report) memory() string {
	limit := "no limit"
	if r.MemoryLimit > 0 {
		limit = "limit " + units.BytesSize(float64(r.MemoryLimit))
	}
	if r.MemoryPeak == 0 {
		return "peak not recorded, " + limit
	}
	s := "peak " + units.BytesSize(float64(r.MemoryPeak)) + ", " + limit
	if r.MemoryLimit > 0 {
		s += fmt.Sprintf(" (%.0f%%)", float64(r.MemoryPeak)/float64(r.MemoryLimit)*100)
	}
	return s
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
