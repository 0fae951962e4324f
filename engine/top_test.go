package engine

import (
	"reflect"
	"testing"
)

// TestParsePS: only the container's PIDs are kept, found by the PID
// column wherever it is; the command keeps its spaces; output without a
// PID column is an error.
func TestParsePS(t *testing.T) {
	out := "UID          PID    PPID  C STIME TTY          TIME CMD\n" +
		"root           1       0  0 10:00 ?        00:00:01 /sbin/init splash\n" +
		"root        4242     900  0 10:01 ?        00:00:00 sleep 30\n" +
		"root       14242    4242  0 10:01 pts/0    00:00:00 sh -c echo  hi\n"
	got, err := parsePS([]byte(out), []int{4242, 14242})
	if err != nil {
		t.Fatal(err)
	}
	want := &TopTable{
		Titles: []string{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"},
		Processes: [][]string{
			{"root", "4242", "900", "0", "10:01", "?", "00:00:00", "sleep 30"},
			{"root", "14242", "4242", "0", "10:01", "pts/0", "00:00:00", "sh -c echo hi"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parsePS = %+v, want %+v", got, want)
	}
	got, err = parsePS([]byte("  PID COMMAND\n 4242 sleep\n    1 init\n"), []int{4242})
	if err != nil || len(got.Processes) != 1 || got.Processes[0][0] != "4242" {
		t.Errorf("parsePS with PID first = %+v, %v", got, err)
	}
	if _, err := parsePS([]byte("USER COMMAND\nroot sleep\n"), []int{1}); err == nil {
		t.Error("parsePS without a PID column: no error")
	}
}
