package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/berthdev/berth/engine"
)

// The live views of `berth inspect --namespaces|--processes|--mounts|--net|
// --security`: each a human table, or (--json) the engine's value as JSON.

type liveView struct {
	get   func(e *engine.Engine, ref string) (any, error)
	print func(w io.Writer, v any)
}

var liveViews = map[string]liveView{
	"namespaces": {func(e *engine.Engine, r string) (any, error) { return e.Namespaces(r) }, printNamespaces},
	"processes":  {func(e *engine.Engine, r string) (any, error) { return e.Processes(r) }, printProcesses},
	"mounts":     {func(e *engine.Engine, r string) (any, error) { return e.Mounts(r) }, printMounts},
	"net":        {func(e *engine.Engine, r string) (any, error) { return e.Network(r) }, printNetwork},
	"security":   {func(e *engine.Engine, r string) (any, error) { return e.Security(r) }, printSecurity},
}

// inspectLive prints one live view of each container.
func inspectLive(e *engine.Engine, view string, refs []string, asJSON bool) error {
	lv := liveViews[view]
	if asJSON {
		return inspectEach(refs, "", func(ref string) (any, error) { return lv.get(e, ref) })
	}
	return forEachQuiet(refs, func(ref string) error {
		v, err := lv.get(e, ref)
		if err != nil {
			return err
		}
		if len(refs) > 1 {
			fmt.Printf("== %s ==\n", ref)
		}
		tw := tabwriter.NewWriter(os.Stdout, 4, 1, 3, ' ', 0)
		lv.print(tw, v)
		return tw.Flush()
	})
}

// forEachQuiet is forEach without echoing each argument.
func forEachQuiet(args []string, fn func(string) error) error {
	failed := false
	for _, a := range args {
		if err := fn(a); err != nil {
			fmt.Fprintln(os.Stderr, "berth: "+oneLine(err))
			failed = true
		}
	}
	if failed {
		return exitError{code: 1}
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ", ")
}

func printNamespaces(w io.Writer, v any) {
	fmt.Fprintln(w, "TYPE\tINODE\tHOST\tSHARED WITH\tID MAPS")
	for _, n := range v.([]engine.NamespaceInfo) {
		maps := "-"
		if len(n.UIDMap) > 0 || len(n.GIDMap) > 0 {
			maps = "uid " + strings.Join(n.UIDMap, ",") + " gid " + strings.Join(n.GIDMap, ",")
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\n", n.Type, n.Inode, yesNo(n.Host), orDash(n.SharedWith), maps)
	}
}

func printProcesses(w io.Writer, v any) {
	fmt.Fprintln(w, "PID\tCPID\tUID\tCUID\tSTAT\tCMD")
	var walk func(n engine.ProcessNode, prefix, branch string)
	walk = func(n engine.ProcessNode, prefix, branch string) {
		fmt.Fprintf(w, "%d\t%d\t%d\t%d\t%s\t%s%s%s\n", n.PID, n.ContainerPID, n.UID, n.ContainerUID, n.State, prefix, branch, n.Cmd)
		for i, c := range n.Children {
			next := prefix
			if branch == "├─ " {
				next += "│  "
			} else if branch != "" {
				next += "   "
			}
			b := "├─ "
			if i == len(n.Children)-1 {
				b = "└─ "
			}
			walk(c, next, b)
		}
	}
	for _, n := range v.([]engine.ProcessNode) {
		walk(n, "", "")
	}
}

func printMounts(w io.Writer, v any) {
	mv := v.(*engine.MountsView)
	fmt.Fprintln(w, "TARGET\tTYPE\tSOURCE\tOPTIONS")
	for _, m := range mv.Mounts {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", m.Target, m.FSType, m.Source, m.Options)
	}
	fmt.Fprintln(w, "\nROOT FILE SYSTEM\tLAYER\tDIFF ID\tDIRECTORY")
	for _, l := range mv.RootFS {
		layer := fmt.Sprint(l.Layer)
		if l.Layer < 0 {
			layer = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", l.Role, layer, orDash(nonEmpty(shortID(l.DiffID))), l.Path)
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func printNetwork(w io.Writer, v any) {
	nv := v.(*engine.NetworkView)
	fmt.Fprintf(w, "network mode %s, namespace %d (host's: %s)\n\n", nv.Mode, nv.Namespace, yesNo(nv.Host))
	fmt.Fprintln(w, "INTERFACE\tTYPE\tSTATE\tMTU\tMAC\tADDRESSES\tRX\tTX")
	for _, i := range nv.Interfaces {
		state := "down"
		if i.Up {
			state = "up"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", i.Name, i.Type, state, i.MTU, orDash(nonEmpty(i.MAC)),
			orDash(i.Addresses), humanSize(int64(i.RxBytes)), humanSize(int64(i.TxBytes)))
	}
	fmt.Fprintln(w, "\nDESTINATION\tGATEWAY\tDEVICE\tSOURCE")
	for _, r := range nv.Routes {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.Destination, orDash(nonEmpty(r.Gateway)), r.Device, orDash(nonEmpty(r.Source)))
	}
}

func printSecurity(w io.Writer, v any) {
	s := v.(*engine.SecurityView)
	fmt.Fprintf(w, "privileged\t%s\n", yesNo(s.Privileged))
	fmt.Fprintf(w, "seccomp\t%s (%d filters)\n", s.Seccomp, s.SeccompFilters)
	fmt.Fprintf(w, "no_new_privs\t%s\n", yesNo(s.NoNewPrivs))
	fmt.Fprintf(w, "effective capabilities\t%s (%d): %s\n", s.EffectiveHex, len(s.Effective), orDash(s.Effective))
	fmt.Fprintf(w, "bounding capabilities\t%d\n", len(s.Bounding))
	fmt.Fprintf(w, "cap-add / cap-drop\t%s / %s\n", orDash(s.CapAdd), orDash(s.CapDrop))
	fmt.Fprintf(w, "security options\t%s\n", orDash(s.SecurityOpt))
}
