package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/berthdev/berth/engine"
)

// The labels the list groups containers by: kube play's pod
// (kube.LabelPod) and compose's project (compose.LabelProject). They are
// spelled here because the workbench talks to engine only;
// TestGroupLabelsMatch keeps them equal.
const (
	labelPod     = "berth.kube.pod"
	labelInfra   = "berth.kube.infra"
	labelProject = "com.docker.compose.project"
)

// ctrGroup is a compose project or a kube pod: one collapsible row of the
// container list, over its members.
type ctrGroup struct {
	kind, name string                    // "compose" or "pod", and its name
	shown      []engine.ContainerSummary // the members the filter shows, in list order
	all        []engine.ContainerSummary // every member, shown or not, by name
	// running and total count the members a user put in the group: a kube
	// pod's infra container (kube.LabelInfra) is not one of them. kubectl's
	// READY ("2/2") counts a pod's app containers and never its pause
	// container; podman pod ps counts the infra in "# OF CONTAINERS", which
	// reads "3" for a pod whose YAML names two. The workbench shows what
	// the user wrote (the YAML's containers, compose's services); the infra
	// stays listed as a member, so a pod's row still folds over it and
	// group verbs still reach it.
	running, total int
}

// isInfra says c is a kube pod's infra container.
func isInfra(c engine.ContainerSummary) bool { return c.Labels[labelInfra] == "true" }

func (g *ctrGroup) key() string { return g.kind + "/" + g.name }

// title is what the group row says in the IMAGE column: compose or kube pod.
func (g *ctrGroup) title() string {
	if g.kind == "pod" {
		return "kube pod"
	}
	return "compose"
}

// listRow is one line of the container list: a container (indented when
// it is a group's member) or a group's row.
type listRow struct {
	c      engine.ContainerSummary
	g      *ctrGroup
	member bool
}

// rowKey names a row across rebuilds, for keeping the cursor on it.
func (r listRow) rowKey() string {
	if r.g != nil {
		return "group:" + r.g.key()
	}
	return r.c.ID
}

// groupOf is the group a container belongs to: its pod, else its compose
// project; "" for none.
func groupOf(c engine.ContainerSummary) (kind, name string) {
	if n := c.Labels[labelPod]; n != "" {
		return "pod", n
	}
	if n := c.Labels[labelProject]; n != "" {
		return "compose", n
	}
	return "", ""
}

// group lays the sorted rows out as the list shows them: a group's row
// where its first member would be, its members under it unless it is
// folded, containers of no group as they are.
func (p *containersPanel) group() {
	groups := map[string]*ctrGroup{}
	get := func(c engine.ContainerSummary) *ctrGroup {
		kind, nm := groupOf(c)
		if nm == "" {
			return nil
		}
		g := groups[kind+"/"+nm]
		if g == nil {
			g = &ctrGroup{kind: kind, name: nm}
			groups[kind+"/"+nm] = g
		}
		return g
	}
	for _, c := range p.all {
		if g := get(c); g != nil {
			g.all = append(g.all, c)
			if isInfra(c) {
				continue
			}
			g.total++
			if c.State == engine.StatusRunning {
				g.running++
			}
		}
	}
	for _, g := range groups {
		slices.SortFunc(g.all, func(a, b engine.ContainerSummary) int { return strings.Compare(name(a), name(b)) })
	}
	for _, c := range p.rows {
		if g := get(c); g != nil {
			g.shown = append(g.shown, c)
		}
	}
	p.items = p.items[:0]
	for _, c := range p.rows {
		g := get(c)
		switch {
		case g == nil:
			p.items = append(p.items, listRow{c: c})
		case g.shown[0].ID == c.ID:
			p.items = append(p.items, listRow{g: g})
			if !p.folded[g.key()] {
				for _, m := range g.shown {
					p.items = append(p.items, listRow{c: m, member: true})
				}
			}
		}
	}
}

// selectedGroup is the group whose row is under the cursor.
func (p *containersPanel) selectedGroup() (*ctrGroup, bool) {
	if p.win.Cursor < len(p.items) && p.items[p.win.Cursor].g != nil {
		return p.items[p.win.Cursor].g, true
	}
	return nil, false
}

// toggleFold folds or unfolds the group under the cursor.
func (p *containersPanel) toggleFold(g *ctrGroup) {
	if p.folded[g.key()] {
		delete(p.folded, g.key())
	} else {
		p.folded[g.key()] = true
	}
	p.rebuild()
}

// markGroup marks every member of g, or unmarks them when all are marked.
func (p *containersPanel) markGroup(g *ctrGroup) {
	all := true
	for _, c := range g.all {
		all = all && p.marks[c.ID]
	}
	for _, c := range g.all {
		if all {
			delete(p.marks, c.ID)
		} else {
			p.marks[c.ID] = true
		}
	}
}

// groupCells are a group row's cells: fold arrow, name, kind, and how
// many of its containers run.
func groupCells(g *ctrGroup, folded bool, n int) []string {
	cells := make([]string, n)
	cells[0] = "▾"
	if folded {
		cells[0] = "▸"
	}
	cells[1] = g.name
	cells[2] = g.title()
	cells[4] = fmt.Sprintf("%d/%d running", g.running, g.total)
	return cells
}

// groupTargets are targets() for verb: on a group's row (nothing marked)
// only the members verb changes, so starting a project starts its
// stopped containers and stopping it stops the running ones.
func (p *containersPanel) groupTargets(verb string) []engine.ContainerSummary {
	ts := p.targets()
	if _, ok := p.selectedGroup(); !ok || len(p.marks) > 0 {
		return ts
	}
	up := func(c engine.ContainerSummary) bool {
		return c.State == engine.StatusRunning || c.State == engine.StatusPaused || c.State == engine.StatusRestarting
	}
	return slices.DeleteFunc(ts, func(c engine.ContainerSummary) bool { return up(c) == (verb == "start") })
}
