package compose

import (
	"sort"
	"strconv"

	"github.com/berthdev/berth/engine"
)

// Containers are a project's containers in the store (one-off run
// containers too when oneoff), sorted by service and number.
func Containers(e *engine.Engine, project string, oneoff bool) ([]engine.ContainerSummary, error) {
	all, err := e.List(true)
	if err != nil {
		return nil, err
	}
	var out []engine.ContainerSummary
	for _, c := range all {
		if c.Labels[LabelProject] != project {
			continue
		}
		if !oneoff && c.Labels[LabelOneoff] == "True" {
			continue
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Labels, out[j].Labels
		if a[LabelService] != b[LabelService] {
			return a[LabelService] < b[LabelService]
		}
		return number(out[i]) < number(out[j])
	})
	return out, nil
}

func number(c engine.ContainerSummary) int {
	n, _ := strconv.Atoi(c.Labels[LabelNumber])
	return n
}

// Name is a container's name without docker's leading slash.
func Name(c engine.ContainerSummary) string {
	if len(c.Names) == 0 {
		return c.ID[:12]
	}
	return c.Names[0]
}

// ProjectSummary is one line of `compose ls`.
type ProjectSummary struct {
	Name        string
	Status      string // "running(2), exited(1)"
	ConfigFiles string
}

// Projects lists the projects that have containers in the store.
func Projects(e *engine.Engine, all bool) ([]ProjectSummary, error) {
	cs, err := e.List(true)
	if err != nil {
		return nil, err
	}
	type agg struct {
		states map[string]int
		files  string
	}
	byName := map[string]*agg{}
	for _, c := range cs {
		p := c.Labels[LabelProject]
		if p == "" || c.Labels[LabelOneoff] == "True" {
			continue
		}
		a := byName[p]
		if a == nil {
			a = &agg{states: map[string]int{}}
			byName[p] = a
		}
		a.states[c.State]++
		a.files = c.Labels[LabelConfigFiles]
	}
	var out []ProjectSummary
	for name, a := range byName {
		if !all && a.states["running"] == 0 {
			continue
		}
		var states []string
		for s := range a.states {
			states = append(states, s)
		}
		sort.Strings(states)
		status := ""
		for i, s := range states {
			if i > 0 {
				status += ", "
			}
			status += s + "(" + strconv.Itoa(a.states[s]) + ")"
		}
		out = append(out, ProjectSummary{Name: name, Status: status, ConfigFiles: a.files})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
